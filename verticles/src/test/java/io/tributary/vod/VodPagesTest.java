package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.TestNode;
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
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Progress people can see, on a real node: a real job's progress pushed on {@code /ws/jobs} and
 * given by {@code GET /api/v1/jobs/{id}} while it runs, drawn as a progress bar on {@code /ops} in
 * headless Chromium; then {@code /catalog} lists the asset with its poster and plays it (hls.js).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class VodPagesTest {

    @TempDir
    static Path dir;
    private Node node;
    private HeadlessChromium chromium;

    @BeforeAll
    void start() {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "1");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_LEASE", "3s"); // progress renewed every second
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        node = TestNode.start(env);
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

    @Test
    void progressIsPushedAndDrawnAndTheCatalogPlaysTheAsset() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        WebSocket ws = TestNode.HTTP.newWebSocketBuilder().buildAsync(URI.create(node.httpUrl("/ws/jobs").replace("http", "ws")),
                new WebSocket.Listener() {
                    final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            frames.add(new JsonObject(text.toString()));
                            text.setLength(0);
                        }
                        socket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        HeadlessChromium.Tab ops = chromium.open(node.httpUrl("/ops"));
        HeadlessChromium.Tab catalog = null;
        try {
            TestNode.await("the job list on the socket", Duration.ofSeconds(10), () -> !frames.isEmpty());
            assertNotNull(frames.get(0).getJsonArray("jobs"), "a socket opens with the recent jobs: " + frames.get(0));
            TestNode.await("the ops page's job feed", Duration.ofSeconds(15), () -> ops.number("window.jobsState ? window.jobsState.frames : 0") > 0);

            // 12 s of 720p into four rungs: long enough for several progress reports
            Path src = VodTestMedia.write(dir.resolve("evening.mp4"), 1280, 720, 12, 25);
            HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=Evening%20tide")))
                    .POST(HttpRequest.BodyPublishers.ofFile(src)).header("Content-Type", "application/octet-stream").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
            JsonObject created = new JsonObject(r.body());
            String asset = created.getString("id");
            long job = created.getLong("job");

            // while it runs: the API's view and the page's bar
            double[] apiPercent = {0};
            double[] barValue = {0};
            TestNode.await("job " + job + " to end", Duration.ofSeconds(180), () -> {
                JsonObject j = new JsonObject(TestNode.get(node, "/api/v1/jobs/" + job).body());
                if ("running".equals(j.getString("state")) && j.getDouble("percent") > 0 && j.getDouble("percent") < 100) {
                    apiPercent[0] = Math.max(apiPercent[0], j.getDouble("percent"));
                    assertTrue(j.getDouble("mediaSecondsDone") > 0 && j.getDouble("speed") > 0 && j.containsKey("etaSeconds"), j.encode());
                }
                double bar = ops.number("(() => { const p = document.querySelector('#jobs tr[data-job=\"" + job
                        + "\"] progress'); return p && p.value < 100 ? p.value : 0; })()");
                barValue[0] = Math.max(barValue[0], bar);
                return "done".equals(j.getString("state")) || "failed".equals(j.getString("state"));
            });
            assertEquals("done", new JsonObject(TestNode.get(node, "/api/v1/jobs/" + job).body()).getString("state"));

            List<JsonObject> events = frames.stream().map(f -> f.getJsonObject("event")).filter(e -> e != null && e.getLong("job") == job)
                    .toList();
            List<String> types = events.stream().map(e -> e.getString("type")).toList();
            assertEquals("job.queued", types.get(0), types.toString());
            assertEquals("job.done", types.get(types.size() - 1), types.toString());
            List<JsonObject> progress = events.stream().filter(e -> e.getString("type").equals("job.progress")
                    && e.getDouble("percent") > 0 && e.getDouble("percent") < 100).toList();
            assertTrue(!progress.isEmpty(), "progress pushed while the job ran: " + types);
            JsonObject p = progress.get(0);
            assertEquals(asset, p.getString("asset"));
            assertTrue(p.getDouble("mediaSecondsDone") > 0 && p.getDouble("mediaSeconds") >= 11.9, p.encode());
            assertTrue(p.getDouble("speed") > 0 && p.getDouble("etaSeconds") >= 0, p.encode());
            assertEquals(p.getDouble("percent"), 100 * p.getDouble("mediaSecondsDone") / p.getDouble("mediaSeconds"), 0.2, p.encode());
            double last = 0;
            for (JsonObject e : progress) {
                assertTrue(e.getDouble("percent") >= last, "progress only grows: " + progress);
                last = e.getDouble("percent");
            }
            assertTrue(apiPercent[0] > 0, "GET /api/v1/jobs/" + job + " showed the progress while it ran");
            assertTrue(barValue[0] > 0, "the ops page drew a progress bar between 0 and 100 % while the job ran");
            TestNode.await("the ops page to show the job done", Duration.ofSeconds(10), () -> "done".equals(ops.eval(
                    "(() => { const c = document.querySelector('#jobs tr[data-job=\"" + job + "\"] td.state'); return c && c.textContent; })()")));

            // the catalog page: the asset with its poster, played by hls.js
            catalog = chromium.open(node.httpUrl("/catalog"));
            HeadlessChromium.Tab page = catalog;
            String card = "document.querySelector('.asset[data-id=\"" + asset + "\"]')";
            TestNode.await("the asset listed on /catalog", Duration.ofSeconds(20), () -> Boolean.TRUE.equals(page.eval(card + " !== null")));
            assertEquals("Evening tide", page.eval(card + ".querySelector('b').textContent"));
            TestNode.await("its poster to load", Duration.ofSeconds(10), () -> page.number(card + ".querySelector('img').naturalWidth") > 0);
            page.eval(card + ".click()");
            TestNode.await("the asset to play", Duration.ofSeconds(30), () -> page.number("document.getElementById('video').currentTime") > 2);
            assertEquals(null, page.eval("window.catalogState.error"));
            assertEquals(asset, page.eval("window.catalogState.playing"));
            assertTrue(page.number("document.getElementById('video').videoWidth") > 0, "pictures decoded");
        } finally {
            ws.abort();
            ops.close();
            if (catalog != null) {
                catalog.close();
            }
        }
    }
}
