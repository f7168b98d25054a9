package io.tributary.browser;

import io.tributary.Node;
import io.tributary.ssai.AdDecisionRequest;
import io.tributary.ssai.AdPod;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HLS Interstitials in a real browser: a FAST channel with a break on a node in {@code ssai.mode:
 * interstitials}; the /play page's hls.js plays content, the session's interstitial (its asset list
 * from the node, the creative as VOD) and content again, and the page sees the interstitial events.
 * The decision service is stood in for by a consumer of {@link AdDecisionRequest#ADDRESS}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class InterstitialsChromiumTest {

    @TempDir
    static Path dir;
    private Node node;
    private HeadlessChromium chromium;
    private String content;
    private String ad;

    @BeforeAll
    void start() throws Exception {
        chromium = HeadlessChromium.launch(); // first: without Chromium the test is skipped before any transcode
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_SSAI_ENABLED", "true");
        env.put("TRIBUTARY_SSAI_MODE", "interstitials");
        env.put("TRIBUTARY_SSAI_DECISION_INSTANCES", "0"); // the test's consumer alone answers
        node = TestNode.start(env);
        content = upload(VodTestMedia.write(dir.resolve("content.mp4"), 640, 360, 6, 25), "content");
        ad = upload(VodTestMedia.write(dir.resolve("ad.mp4"), 640, 360, 4, 25), "ad");
        node.vertx().eventBus().<JsonObject>consumer(AdDecisionRequest.ADDRESS, m -> {
            AdDecisionRequest r = AdDecisionRequest.fromJson(m.body());
            m.reply(new AdPod(r.breakId(), r.durationMs(), List.of(new AdPod.Ad("ad-1", "cr-1", ad, 4000, Map.of(), List.of())))
                    .toJson());
        });
        // content, then a 4 s break (the slate airs in the shared playlist; the session gets the interstitial)
        HttpResponse<String> channel = send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/channels")))
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("id", "itv").put("slate", content)
                        .put("loop", new JsonArray().add(new JsonObject().put("asset", content)).add(new JsonObject().put("break", 4)))
                        .encode())).header("Content-Type", "application/json"));
        assertEquals(201, channel.statusCode(), channel.body());
        TestNode.await("the channel on air", Duration.ofSeconds(15), () -> TestNode.get(node, "/live/itv/index.m3u8").statusCode() == 200);
    }

    @AfterAll
    void stop() {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (node != null) {
                TestNode.stop(node);
            }
        }
    }

    private String upload(Path src, String title) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=" + title)))
                .POST(HttpRequest.BodyPublishers.ofFile(src)).header("Content-Type", "application/octet-stream"));
        assertEquals(201, r.statusCode(), r.body());
        JsonObject created = new JsonObject(r.body());
        TestNode.await("transcode " + created.getLong("job"), Duration.ofSeconds(120), () -> "done".equals(
                new JsonObject(TestNode.get(node, "/api/v1/jobs/" + created.getLong("job")).body()).getString("state")));
        return created.getString("id");
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return TestNode.HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void playsContentTheInterstitialAndContentAgainAndThePageSeesItsEvents() throws Exception {
        HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/play/itv"), HLS_LOG);
        try {
            TestNode.await("the video to start playing", Duration.ofSeconds(30), () ->
                    tab.number("(document.getElementById('video') || {currentTime: 0}).currentTime") > 0);
            assertTrue(String.valueOf(tab.eval("window.playerStats.player")).startsWith("hls.js 1.7"),
                    "the page ships hls.js 1.7: " + tab.eval("window.playerStats.player"));
            // a loop of 6 s content and a 4 s break: an interstitial starts and ends within a few cycles
            TestNode.await("an interstitial started and ended in the page: " + events(tab), Duration.ofSeconds(60), () -> {
                String seen = events(tab);
                return seen.contains("INTERSTITIAL_STARTED") && seen.contains("INTERSTITIAL_ASSET_STARTED")
                        && seen.contains("INTERSTITIAL_ENDED");
            });
            String seen = events(tab);
            assertTrue(seen.indexOf("INTERSTITIAL_STARTED") < seen.indexOf("INTERSTITIAL_ENDED"), seen);
            // content again: the primary playback advances after the interstitial, without a fatal error
            double after = tab.number("document.getElementById('video').currentTime");
            try {
                TestNode.await("content to play on after the interstitial from " + after, Duration.ofSeconds(20),
                        () -> tab.number("document.getElementById('video').currentTime") >= after + 2);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nevents " + events(tab) + "\nplaylist now:\n"
                        + TestNode.get(node, "/live/itv/index.m3u8").body() + "\nhls.js said:\n" + hlsLog(tab), e);
            }
            String errors = String.valueOf(tab.eval("JSON.stringify(window.playerStats.errors)"));
            assertFalse(errors.contains("fatal"), "no fatal error: " + errors);

            // what the page fetched: its session's asset list from the node, and the creative's VOD playlist
            List<String> lists = tab.requests(r -> r.getString("url").contains("/assets.json")).stream()
                    .map(r -> r.getString("url")).toList();
            assertFalse(lists.isEmpty(), "the page asked for its session's asset list; it asked for "
                    + tab.requests(r -> !r.getString("url").contains("/live/")).stream().map(r -> r.getString("url")).toList());
            assertTrue(lists.stream().allMatch(u -> u.matches("https?://[^/]+/ads/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+/assets\\.json.*")), lists.toString());
            // one session for the player throughout: the sid the node put in its URIs (CMCD's is missing from hls.js's first requests)
            assertEquals(1, lists.stream().map(u -> u.split("/")[4]).distinct().count(), "one session's asset lists: " + lists);
            String sid = lists.get(0).split("/")[4];
            List<String> reloads = tab.requests(r -> r.getString("url").contains("/live/itv/") && r.getString("url").contains(".m3u8"))
                    .stream().map(r -> r.getString("url")).toList();
            assertTrue(reloads.stream().skip(1).allMatch(u -> u.contains("sid=" + sid)
                    || java.net.URLDecoder.decode(u, java.nio.charset.StandardCharsets.UTF_8).contains("sid=\"" + sid + "\"")), "the player's playlist requests carry " + sid + ": " + reloads);
            assertFalse(tab.requests(r -> r.getString("url").contains("/vod/" + ad + "/")).isEmpty(), "the page played the creative");
        } finally {
            tab.close();
        }
    }

    /** hls.js's own log lines, the newest 2000, kept in the page for a failure's message. */
    private static final String HLS_LOG = """
            (() => {
              const lines = window.hlsLog = [];
              const keep = level => (...a) => {
                lines.push(new Date().toISOString().slice(11, 23) + ' ' + level + ' ' + a.map(String).join(' '));
                if (lines.length > 2000) lines.shift();
              };
              const logger = { log: keep('log'), debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
              let real;
              Object.defineProperty(window, 'Hls', { configurable: true, get: () => real, set: H => {
                real = class extends H { constructor(config) { super(Object.assign({}, config, { debug: logger })); } };
              } });
            })();
            """;

    private static String hlsLog(HeadlessChromium.Tab tab) {
        Object lines = tab.eval("(window.hlsLog || []).filter(l => !/\\[(fragment|buffer|stream|level|audio|subtitle|abr|cmcd|latency|gap)/i.test(l) || /interstit|primary|asset/i.test(l)).slice(-300).join('\\n')");
        return String.valueOf(lines);
    }

    private static String events(HeadlessChromium.Tab tab) {
        return String.valueOf(tab.eval("JSON.stringify(window.playerStats.interstitials || [])"));
    }
}
