package io.tributary.browser;

import io.tributary.Node;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.TestNode;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A FAST channel in a real browser: the /play page (hls.js) plays a loop of two 4 s VOD assets
 * across its programme boundaries (discontinuities) without stalling.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ChannelChromiumTest {

    @TempDir
    static Path dir;
    private Node node;
    private HeadlessChromium chromium;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        node = TestNode.start(env);
        List<String> assets = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path src = VodTestMedia.write(dir.resolve("p" + i + ".mp4"), 640, 360, 4, 25);
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=p" + i)))
                    .POST(HttpRequest.BodyPublishers.ofFile(src)).header("Content-Type", "application/octet-stream"));
            assertEquals(201, r.statusCode(), r.body());
            JsonObject created = new JsonObject(r.body());
            assets.add(created.getString("id"));
            TestNode.await("transcode " + created.getLong("job"), Duration.ofSeconds(120), () -> "done".equals(
                    new JsonObject(TestNode.get(node, "/api/v1/jobs/" + created.getLong("job")).body()).getString("state")));
        }
        HttpResponse<String> channel = send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/channels")))
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("id", "tv").put("loop", new JsonArray()
                        .add(new JsonObject().put("asset", assets.get(0))).add(new JsonObject().put("asset", assets.get(1)))).encode()))
                .header("Content-Type", "application/json"));
        assertEquals(201, channel.statusCode(), channel.body());
        TestNode.await("the channel on air", Duration.ofSeconds(15), () -> TestNode.get(node, "/live/tv/index.m3u8").statusCode() == 200);
        chromium = HeadlessChromium.launch();
    }

    @AfterAll
    void stop() {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            TestNode.stop(node);
        }
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return TestNode.HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void playsAcrossProgrammeBoundariesWithoutAStall() throws Exception {
        HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/play/tv"));
        try {
            TestNode.await("the video to start playing", Duration.ofSeconds(30), () ->
                    tab.number("(document.getElementById('video') || {currentTime: 0}).currentTime") > 0); // the page may still be loading
            // every wait for data the video has from now on, timed in the page
            tab.eval("(() => { const v = document.getElementById('video'); window.stalls = []; window.waitingAt = 0;"
                    + " v.addEventListener('waiting', () => { window.waitingAt = performance.now(); });"
                    + " v.addEventListener('playing', () => { if (window.waitingAt) { window.stalls.push(performance.now() - window.waitingAt);"
                    + " window.waitingAt = 0; } }); return true; })()");
            double from = tab.number("document.getElementById('video').currentTime");
            long t0 = System.nanoTime();
            // 10 s of a loop of 4 s programmes: at least two boundaries go by
            Thread.sleep(10_000);
            double to = tab.number("document.getElementById('video').currentTime");
            double wall = (System.nanoTime() - t0) / 1e9;
            String stalls = String.valueOf(tab.eval("JSON.stringify(window.stalls)"));
            double open = tab.number("window.waitingAt ? performance.now() - window.waitingAt : 0");
            assertTrue(to - from >= wall - 0.5, "played " + (to - from) + " s of " + wall + " s (stalls " + stalls + ")");
            for (String s : stalls.replaceAll("[\\[\\]]", "").split(",")) {
                if (!s.isBlank()) {
                    assertTrue(Double.parseDouble(s) <= 500, "a stall of " + s + " ms: " + stalls);
                }
            }
            assertTrue(open <= 500, "stalled now for " + open + " ms");
            // and it did cross boundaries: the stream's playlist shows them
            String media = TestNode.get(node, "/live/tv/360p/index.m3u8").body();
            assertTrue(media.contains("#EXT-X-DISCONTINUITY"), media);
        } finally {
            tab.close();
        }
    }
}
