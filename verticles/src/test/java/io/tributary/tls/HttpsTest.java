package io.tributary.tls;

import io.tributary.Node;
import io.tributary.testing.TestCertificates;
import io.tributary.testing.TestNode;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node with a certificate, as a browser and a broadcaster meet it: HTTP/2 negotiated by ALPN with
 * the JDK client, HSTS on the answers, TLS 1.2 refused under the 1.3-only default, RTMPS publishing
 * with FFmpeg, the edge fetching from the origin over HTTPS and the router redirecting to an https
 * edge, and a certificate replaced on disk served without restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpsTest {

    @TempDir
    static Path dir;
    private static TestCertificates.Pair first;
    private static TestCertificates.Pair second;
    private static Path liveCert;
    private static Path liveKey;
    private static Node node;

    @BeforeAll
    static void start() throws IOException {
        first = TestCertificates.create(dir.resolve("a"), "first");
        second = TestCertificates.create(dir.resolve("b"), "second");
        liveCert = dir.resolve("tls.crt");
        liveKey = dir.resolve("tls.key");
        Files.copy(first.cert(), liveCert);
        Files.copy(first.key(), liveKey);
        node = TestNode.start(Map.of("TRIBUTARY_TLS_CERT", liveCert.toString(), "TRIBUTARY_TLS_KEY", liveKey.toString(),
                "TRIBUTARY_TLS_RELOAD_INTERVAL", "200ms", "TRIBUTARY_RTMPS_PORT", Integer.toString(TestNode.freePort()),
                "TRIBUTARY_TRANSCODE_LADDER", "none"));
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    private static HttpClient h2(SSLContext trust) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trust)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void browsersGetHttp2ByAlpnAndHsts() throws Exception {
        HttpResponse<String> health = get(h2(first.trustingOnly()), "https://127.0.0.1:" + node.httpPort() + "/health");
        assertEquals(200, health.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, health.version(), "h2 by ALPN");
        assertEquals("max-age=31536000", health.headers().firstValue("strict-transport-security").orElse(null));
        // errors too: a browser that met the header once keeps to HTTPS
        HttpResponse<String> missing = get(h2(first.trustingOnly()), "https://127.0.0.1:" + node.httpPort() + "/no/such/page");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.headers().firstValue("strict-transport-security").isPresent());
        assertTrue(node.httpUrl("/").startsWith("https://"));
        // the edge and the router listen with the same certificate
        for (int port : new int[]{node.roles().edgePort(), node.roles().routerPort()}) {
            HttpResponse<String> h = get(h2(first.trustingOnly()), "https://127.0.0.1:" + port + "/health");
            assertEquals(200, h.statusCode(), "port " + port);
            assertEquals(HttpClient.Version.HTTP_2, h.version());
        }
    }

    @Test
    @Order(2)
    void tls12IsRefusedUnderTheDefault() throws Exception {
        assertThrows(SSLHandshakeException.class, () -> handshake(first.trustingOnly(), "TLSv1.2"));
        assertEquals("TLSv1.3", handshake(first.trustingOnly(), "TLSv1.3").getSession().getProtocol());
    }

    @Test
    @Order(3)
    void plainHttpGetsNoAnswer() {
        // the HTTP port speaks TLS only: a plaintext request is not served
        assertThrows(IOException.class, () -> TestNode.HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.httpPort() + "/health")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    @Order(4)
    void ffmpegPublishesOverRtmpsAndTheEdgeFetchesOverHttps() throws Exception {
        assertTrue(node.rtmpsPort() > 0);
        String url = "rtmps://127.0.0.1:" + node.rtmpsPort() + "/live/secure";
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread publisher = new Thread(() -> {
            try {
                publish(url, done);
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "rtmps-publisher");
        publisher.start();
        try {
            HttpClient client = h2(first.trustingOnly());
            String origin = "https://127.0.0.1:" + node.httpPort() + "/live/secure/index.m3u8";
            String edge = "https://127.0.0.1:" + node.roles().edgePort() + "/live/secure/index.m3u8";
            HttpResponse<String> fromOrigin = null;
            HttpResponse<String> fromEdge = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && failed.get() == null) {
                fromOrigin = get(client, origin);
                fromEdge = get(client, edge);
                if (fromOrigin.statusCode() == 200 && fromEdge.statusCode() == 200) {
                    break;
                }
                Thread.sleep(250);
            }
            assertNull(failed.get(), () -> "FFmpeg failed: " + failed.get());
            assertEquals(200, fromOrigin.statusCode(), "published over RTMPS: " + fromOrigin.body());
            assertEquals(200, fromEdge.statusCode(), "the edge fetched from the https origin: " + fromEdge.body());
            assertTrue(fromEdge.body().startsWith("#EXTM3U"));
            // the router sends viewers to the edge's https URL
            HttpResponse<String> routed = get(client, "https://127.0.0.1:" + node.roles().routerPort() + "/live/secure/index.m3u8");
            assertEquals(302, routed.statusCode());
            assertTrue(routed.headers().firstValue("location").orElse("").startsWith("https://"), routed.headers().toString());
        } finally {
            done.set(true);
            publisher.join(15_000);
        }
    }

    @Test
    @Order(5)
    void aCertificateReplacedOnDiskIsServedWithoutRestart() throws Exception {
        // before: the second certificate is not what the node presents
        assertThrows(SSLHandshakeException.class, () -> handshake(second.trustingOnly(), "TLSv1.3"));
        replace(second.cert(), liveCert);
        replace(second.key(), liveKey);
        X509Certificate served = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (SSLSocket s = handshake(second.trustingOnly(), "TLSv1.3")) {
                served = (X509Certificate) s.getSession().getPeerCertificates()[0];
                break;
            } catch (SSLHandshakeException stillTheFirst) {
                Thread.sleep(100);
            }
        }
        assertTrue(served != null && Arrays.equals(second.x509().getEncoded(), served.getEncoded()), "the new certificate is served");
        // a browser trusting the new certificate gets its pages, on every listener
        for (int port : new int[]{node.httpPort(), node.roles().edgePort(), node.roles().routerPort()}) {
            assertEquals(200, get(h2(second.trustingOnly()), "https://127.0.0.1:" + port + "/health").statusCode(), "port " + port);
        }
        assertTrue(get(h2(second.trustingOnly()), "https://127.0.0.1:" + node.httpPort() + "/metrics").body()
                .contains("tributary_tls_reloads_total{result=\"served\"} 1.0"));
    }

    @Test
    @Order(6)
    void aKeyThatIsNotTheCertificatesIsNotServed() throws Exception {
        // a copy caught half-way: the first certificate beside the second's key
        replace(first.cert(), liveCert);
        HttpClient client = h2(second.trustingOnly());
        String metrics = "https://127.0.0.1:" + node.httpPort() + "/metrics";
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !get(client, metrics).body().contains("tributary_tls_reloads_total{result=\"refused\"} 1.0")) {
            Thread.sleep(100);
        }
        assertTrue(get(client, metrics).body().contains("tributary_tls_reloads_total{result=\"refused\"} 1.0"));
        // the second certificate is still served to new connections
        try (SSLSocket s = handshake(second.trustingOnly(), "TLSv1.3")) {
            assertTrue(Arrays.equals(second.x509().getEncoded(), s.getSession().getPeerCertificates()[0].getEncoded()));
        }
        // and the pair completed is served
        replace(first.key(), liveKey);
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean firstServed = false;
        while (!firstServed && System.nanoTime() < deadline) {
            try (SSLSocket s = handshake(first.trustingOnly(), "TLSv1.3")) {
                firstServed = true;
            } catch (SSLHandshakeException notYet) {
                Thread.sleep(100);
            }
        }
        assertTrue(firstServed, "the completed pair is served");
    }

    private static void replace(Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static SSLSocket handshake(SSLContext trust, String protocol) throws IOException {
        SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", node.httpPort());
        s.setSoTimeout(5000);
        s.setEnabledProtocols(new String[]{protocol});
        try {
            s.startHandshake();
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** FFmpeg (through JavaCV) encodes a moving grey picture to H.264 and publishes it, paced, until {@code done}. */
    private static void publish(String url, AtomicBoolean done) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(url, 320, 240, 0)) {
            r.setFormat("flv");
            r.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            r.setFrameRate(25);
            r.setGopSize(25);
            r.setVideoOption("preset", "ultrafast");
            r.setVideoOption("tune", "zerolatency");
            r.start();
            Frame f = new Frame(320, 240, Frame.DEPTH_UBYTE, 3);
            ByteBuffer pixels = (ByteBuffer) f.image[0];
            long start = System.nanoTime();
            for (int i = 0; i < 25 * 30 && !done.get(); i++) {
                byte shade = (byte) (i * 3);
                for (int p = 0; p < pixels.capacity(); p++) {
                    pixels.put(p, shade);
                }
                r.record(f);
                long wait = start + i * 40_000_000L - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000);
                }
            }
            r.stop();
        }
    }
}
