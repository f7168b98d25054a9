package io.tributary.browser;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The player page with a DVR window in headless Chromium (hls.js): /play/{key}?dvr=5m plays at the
 * live edge, "- 30 s" seeks into the recorded past (segments from /dvr), plays from there, and
 * "Live" returns to the edge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DvrChromiumTest {

    private static final String KEY = "dvrbrowser";

    private Node node;
    private RtmpTestPublisher publisher;
    private Thread live;
    private final AtomicBoolean publishing = new AtomicBoolean(true);
    private HeadlessChromium chromium;
    private String pgDatabase;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_DVR_ENABLED", "true", "TRIBUTARY_DATA_DIR", Files.createTempDirectory("dvrbrowser").toString()));
        if (externalPgListening()) {
            pgDatabase = "tributary_dvrbrowser_" + Long.toHexString(System.nanoTime());
            env.put("TRIBUTARY_PG_URL", "postgresql://postgres@127.0.0.1:5432/" + pgDatabase);
        }
        node = TestNode.start(env);
        SyntheticAvSource source = new SyntheticAvSource(640, 360, 30, 30, 0, true);
        publisher = RtmpTestPublisher.publish(node.rtmpPort(), KEY);
        publisher.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
        // live: one second of media a second, bounded at 3 minutes
        live = publisher.sendLive(source, 180, publishing, "dvr-browser-publisher");
        // more than 30 s behind the edge must be recorded: the seek-back list starts at msn 0
        TestNode.await("40 s of the seek-back window", Duration.ofSeconds(90), () -> {
            var r = TestNode.get(node, "/live/" + KEY + "/video/index.m3u8?dvr=5m");
            return r.statusCode() == 200 && new Playlist(r.body()).mediaSequence() == 0
                    && new Playlist(r.body()).segments().size() >= 20;
        });
        chromium = HeadlessChromium.launch();
    }

    @AfterAll
    void stop() throws Exception {
        publishing.set(false);
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (live != null) {
                live.join(5000);
            }
            publisher.close();
            TestNode.stop(node);
            if (pgDatabase != null) {
                io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
                try {
                    io.vertx.sqlclient.SqlClient c = io.vertx.pgclient.PgBuilder.client()
                            .connectingTo(new io.vertx.pgclient.PgConnectOptions().setHost("127.0.0.1").setPort(5432)
                                    .setUser("postgres").setDatabase("postgres")).using(vertx).build();
                    c.query("DROP DATABASE IF EXISTS " + pgDatabase + " WITH (FORCE)").execute()
                            .toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
                    c.close();
                } finally {
                    vertx.close();
                }
            }
        }
    }

    private static boolean externalPgListening() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", 5432), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void seeksThirtySecondsBackPlaysThereAndReturnsToLive() {
        HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/play/" + KEY + "?dvr=5m"));
        try {
            TestNode.await("the video to start playing", Duration.ofSeconds(30), () -> {
                noFatalError(tab);
                return tab.number("window.playerStats && window.playerStats.firstPlayingMs || 0") > 0 && tab.number("document.getElementById('video').currentTime") > 0;
            });
            double seekStart = tab.number("document.getElementById('video').seekable.length ? document.getElementById('video').seekable.start(0) : -1");
            double atLive = tab.number("document.getElementById('video').currentTime");
            assertTrue(atLive - seekStart > 30, "the seekable range reaches 30 s back: " + seekStart + " .. " + atLive);

            tab.eval("document.getElementById('back30').click()");
            double target = atLive - 30;
            TestNode.await("the seek 30 s back", Duration.ofSeconds(10), () -> Math.abs(tab.number("document.getElementById('video').currentTime") - target) < 3);
            TestNode.await("playing 3 s from the past", Duration.ofSeconds(30), () -> {
                noFatalError(tab);
                return tab.number("document.getElementById('video').currentTime") >= target + 3;
            });
            double behind = tab.number("hls.liveSyncPosition - document.getElementById('video').currentTime");
            assertTrue(behind > 20, "still well behind live after playing back there: " + behind + " s");
            assertTrue(!tab.requests(r -> r.getString("url").contains("/dvr/" + KEY + "/video/seg-")).isEmpty(),
                    "the past came from the recording");

            tab.eval("document.getElementById('golive').click()");
            TestNode.await("back at the live edge", Duration.ofSeconds(15), () ->
                    tab.number("hls.liveSyncPosition - document.getElementById('video').currentTime") < 8);
            double back = tab.number("document.getElementById('video').currentTime");
            TestNode.await("playing at the edge", Duration.ofSeconds(15), () -> {
                noFatalError(tab);
                return tab.number("document.getElementById('video').currentTime") >= back + 2;
            });
        } finally {
            tab.close();
        }
    }

    private static void noFatalError(HeadlessChromium.Tab tab) {
        Object errors = tab.eval("window.playerStats ? JSON.stringify(window.playerStats.errors) : '[]'");
        if (errors instanceof String s && s.contains("fatal: ")) {
            throw new AssertionError("player error: " + s);
        }
    }
}
