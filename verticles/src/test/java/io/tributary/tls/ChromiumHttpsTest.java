package io.tributary.tls;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestCertificates;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The player page over HTTPS in headless Chromium, the complaint ("an HTTPS page cannot load
 * the player's playlists and browsers never get HTTP/2"): the page plays a live stream, every
 * playlist and segment comes over HTTP/2, and the QoE WebSocket opens as wss.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChromiumHttpsTest {

    private static final String KEY = "securebrowser";

    @TempDir
    static Path dir;
    private Node node;
    private RtmpTestPublisher publisher;
    private Thread live;
    private final AtomicBoolean publishing = new AtomicBoolean(true);
    private HeadlessChromium chromium;

    @BeforeAll
    void start() {
        TestCertificates.Pair cert = TestCertificates.create(dir, "browser");
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_TLS_CERT", cert.cert().toString(),
                "TRIBUTARY_TLS_KEY", cert.key().toString()));
        SyntheticAvSource source = new SyntheticAvSource(640, 360, 30, 30, 0, true);
        publisher = RtmpTestPublisher.publish(node.rtmpPort(), KEY);
        publisher.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
        publisher.send(source.next(2.0), 0);
        // live: one second of media a second, bounded at 2 minutes
        live = publisher.sendLive(source, 120, publishing, "https-browser-publisher");
        HttpClient client = HttpClient.newBuilder().sslContext(cert.trustingOnly()).connectTimeout(Duration.ofSeconds(5)).build();
        TestNode.await("a playable live stream", Duration.ofSeconds(20), () -> {
            try {
                return client.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/live/" + KEY + "/index.m3u8"))).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        chromium = HeadlessChromium.launch();
        // the test's certificate is self-signed: the browser is told to accept it, as a user clicking through would
        chromium.call(null, "Security.setIgnoreCertificateErrors", new JsonObject().put("ignore", true));
    }

    @AfterAll
    void stop() throws InterruptedException {
        publishing.set(false);
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (live != null) {
                live.join(5000);
            }
            if (publisher != null) {
                publisher.close();
            }
            TestNode.stop(node);
        }
    }

    @Test
    void thePlayerPagePlaysOverHttp2AndItsBeaconsUseWss() {
        String page = node.httpUrl("/play/" + KEY);
        assertTrue(page.startsWith("https://"), page);
        HeadlessChromium.Tab tab = chromium.open(page);
        try {
            TestNode.await("the video to play 3 s", Duration.ofSeconds(45), () -> {
                Object errors = tab.eval("window.playerStats ? JSON.stringify(window.playerStats.errors) : '[]'");
                if (errors instanceof String s && s.contains("fatal: ")) {
                    throw new AssertionError("player error: " + s);
                }
                return tab.number("document.getElementById('video').currentTime") >= 3;
            });
            // every playlist and segment the page loaded came over HTTP/2 (ALPN), on the page's own https origin
            List<Object> protocols = ((JsonArray) tab.eval("performance.getEntriesByType('resource')"
                    + ".filter(e => e.name.includes('/live/" + KEY + "/')).map(e => e.nextHopProtocol)")).getList();
            assertFalse(protocols.isEmpty(), "the page loaded media");
            assertTrue(protocols.stream().allMatch("h2"::equals), "HTTP/2 for every media request: " + protocols);
            assertTrue(tab.requests(r -> r.getString("url").contains("/live/" + KEY + "/")).stream()
                    .allMatch(r -> r.getString("url").startsWith("https://")), "no request left HTTPS");
            // the QoE socket follows the page's scheme
            TestNode.await("a QoE frame over wss", Duration.ofSeconds(20), () -> !tab.webSocketFramesSent().isEmpty());
        } finally {
            tab.close();
        }
    }
}
