package io.tributary.ssai;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tributary.Node;
import io.tributary.session.PlaybackEvents;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.PlayerLibraries;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a viewer of a FAST channel with SSAI sees in a browser: headless Chromium with the current
 * dash.js plays one session's MPD (the session carried as {@code ?sid=}) through an ad break from the
 * node's own VAST server: content, the ad's Period, content again, without a fatal error or a stall
 * over a second, and the segment requests the player made earn that session its server-side beacons.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SsaiDashPlaybackTest {

    private static final String SID = "dash-viewer-1";
    /** The longest a stall after the first frame may last. */
    private static final long MAX_STALL_MS = 1000;
    /** The longest a stall in an ad Period (at its end, going on to the content after the pod) may last. */
    private static final long MAX_BREAK_END_STALL_MS = 300;

    @TempDir
    static Path dir;
    static Node node;
    static HttpServer page;
    static HeadlessChromium chromium;
    /** The ad events on the playback events address, as type:sid. */
    static final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        PlayerLibraries.requireBrowserAndNpm();
        PlayerLibraries libs = PlayerLibraries.dir().install();
        page = servePage(Files.readAllBytes(libs.bundle(PlayerLibraries.Player.DASHJS)));
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "2");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_SSAI_ENABLED", "true"); // the built-in VAST server decides, the node's beacon sender tracks
        node = TestNode.start(env);
        node.vertx().eventBus().<JsonObject>consumer(PlaybackEvents.ADDRESS, m -> {
            if (m.body().getString("type", "").startsWith("ad_")) {
                events.add(m.body().getString("type") + ":" + m.body().getString("sid"));
            }
        });
        chromium = HeadlessChromium.launch();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (chromium != null) {
                chromium.close();
            }
            if (page != null) {
                page.stop(0);
            }
        } finally {
            TestNode.stop(node);
        }
    }

    /** The page and dash.js from a port of their own: the player fetches the node cross-origin, as an embedding site's would. */
    static HttpServer servePage(byte[] dashjs) throws IOException {
        byte[] html;
        try (InputStream in = SsaiDashPlaybackTest.class.getResourceAsStream("/ssai-dash/player.html")) {
            html = in.readAllBytes();
        }
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        s.createContext("/player.html", ex -> send(ex, "text/html; charset=utf-8", html));
        s.createContext("/dash.js", ex -> send(ex, "text/javascript; charset=utf-8", dashjs));
        s.start();
        return s;
    }

    static void send(HttpExchange ex, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static String upload(Path file, String query) throws Exception {
        HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?" + query)))
                .POST(HttpRequest.BodyPublishers.ofFile(file)).header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body()).getString("id");
    }

    static void ready(String id) {
        TestNode.await("asset " + id + " ready", Duration.ofSeconds(180), () -> {
            String state = new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body()).getString("state");
            assertFalse("failed".equals(state), id + " failed");
            return "ready".equals(state);
        });
    }

    @Test
    void dashJsPlaysContentTheAdPeriodAndContentAgainAndTheSessionsBeaconsFire() throws Exception {
        // a 6 s programme and a 4 s break, filled by the one 4 s ad in the catalog (red frames)
        String content = upload(VodTestMedia.write(dir.resolve("content.mp4"), 640, 360, 6, 25), "title=content");
        String slate = upload(VodTestMedia.write(dir.resolve("slate.mp4"), 640, 360, 4, 25), "title=slate");
        String ad = upload(AdTestMedia.write(dir.resolve("red.mp4"), 640, 360, 4, 25, 220, 20, 20), "title=red&tags=ad");
        for (String id : List.of(content, slate, ad)) {
            ready(id);
        }
        HttpResponse<String> created = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/channels")))
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("id", "dashads").put("slate", slate)
                        .put("loop", new JsonArray().add(new JsonObject().put("asset", content)).add(new JsonObject().put("break", 4)))
                        .encode())).header("Content-Type", "application/json").timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        String mpd = "/live/dashads/manifest.mpd?sid=" + SID;
        TestNode.await("the channel's MPD", Duration.ofSeconds(30), () -> TestNode.get(node, mpd).statusCode() == 200);

        String base = "http://127.0.0.1:" + page.getAddress().getPort();
        HeadlessChromium.Tab tab = chromium.open(base + "/player.html?lib=" + URLEncoder.encode(base + "/dash.js", StandardCharsets.UTF_8)
                + "&src=" + URLEncoder.encode(node.httpUrl(mpd), StandardCharsets.UTF_8));
        try {
            // content, an ad Period, content again: one loop is 10 s, so two loops' time is plenty
            long until = System.nanoTime() + 40_000_000_000L;
            JsonObject seen = null;
            while (System.nanoTime() < until) {
                seen = state(tab);
                if (seen.getString("fatal") != null || throughTheBreak(periodIds(seen))) {
                    break;
                }
                Thread.sleep(500);
            }
            Thread.sleep(2000); // two more seconds of content after the break: a stall there counts too
            seen = state(tab);
            // on a failure: what the player asked for and when, the Periods of each MPD it loaded, the MPD now
            String summary = summary(seen) + "\n" + requests(seen) + "MPD now:\n" + TestNode.get(node, mpd).body();
            assertNull(seen.getString("fatal"), summary);
            assertTrue(seen.getValue("firstPlayingMs") != null, "dash.js started playing\n" + summary);
            List<String> ids = periodIds(seen);
            assertTrue(throughTheBreak(ids), "dash.js switched from content into the ad Period and back to content\n" + summary);
            String adPeriod = ids.stream().filter(id -> id.startsWith("ad-")).findFirst().orElseThrow();
            String breakId = adPeriod.substring(3, adPeriod.lastIndexOf('-'));
            List<Long> stalls = stalls(seen);
            assertTrue(stalls.stream().allMatch(ms -> ms <= MAX_STALL_MS), "no stall over " + MAX_STALL_MS + " ms after the start\n" + summary);
            // at the pod's end: the content Period after it is listed with its first part, so dash.js goes on to
            // it without waiting (it waited 590-750 ms when that Period came with its first complete segment)
            JsonArray where = seen.getJsonArray("stallWhere", new JsonArray());
            for (int i = 0; i < stalls.size(); i++) {
                JsonObject w = i < where.size() ? where.getJsonObject(i) : null;
                boolean inAd = w != null && String.valueOf(w.getValue("period")).startsWith("ad-");
                assertTrue(!inAd || stalls.get(i) <= MAX_BREAK_END_STALL_MS, "no stall over " + MAX_BREAK_END_STALL_MS
                        + " ms at the end of the ad Period\n" + summary);
            }

            // the ad's segments came from the session's pod, each answered (none asked for before it existed)
            List<JsonObject> answers = responses(seen);
            List<JsonObject> adAnswers = answers.stream().filter(a -> a.getString("url").contains("/ads/" + SID + "/" + breakId + "/")).toList();
            assertTrue(adAnswers.stream().anyMatch(a -> a.getString("url").contains(".m4s")), "ad segments fetched\n" + summary);
            assertTrue(adAnswers.stream().allMatch(a -> a.getInteger("status") == 200), "every ad request answered 200\n" + summary);
            assertTrue(answers.stream().noneMatch(a -> a.getInteger("status") >= 400 || a.getInteger("status") == 0),
                    "no failed request\n" + summary);

            // the beacons that session's segment requests earned: server-side, once each
            TestNode.await(SID + "'s impression, start and complete", Duration.ofSeconds(15), () ->
                    events.containsAll(List.of("ad_impression:" + SID, "ad_start:" + SID, "ad_complete:" + SID)));
            Scrape s = Scrape.of(node);
            for (String e : List.of("impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete")) {
                assertTrue(s.value("tributary_ssai_tracked_events_total", "event=\"" + e + "\"") >= 1,
                        "the built-in ad server was told " + e + "\n" + events);
            }
            System.out.println("[ssai-dash] " + summary(seen));
        } finally {
            tab.close();
        }
    }

    static JsonObject state(HeadlessChromium.Tab tab) {
        Object v = tab.eval("JSON.stringify(window.ssai || {})");
        return new JsonObject(String.valueOf(v));
    }

    static List<String> periodIds(JsonObject seen) {
        List<String> out = new ArrayList<>();
        for (Object o : seen.getJsonArray("periods", new JsonArray())) {
            out.add(((JsonObject) o).getString("id"));
        }
        return out;
    }

    /** A content Period, then an ad Period, then a content Period again, in the order the player entered them. */
    static boolean throughTheBreak(List<String> ids) {
        int ad = -1;
        for (int i = 1; i < ids.size(); i++) {
            if (ad < 0 && ids.get(i).startsWith("ad-") && !ids.get(i - 1).startsWith("ad-")) {
                ad = i;
            } else if (ad > 0 && !ids.get(i).startsWith("ad-")) {
                return true;
            }
        }
        return false;
    }

    static List<Long> stalls(JsonObject seen) {
        List<Long> out = new ArrayList<>();
        for (Object o : seen.getJsonArray("stalls", new JsonArray())) {
            out.add(((Number) o).longValue());
        }
        if (seen.getLong("openStallMs", 0L) > 0) {
            out.add(seen.getLong("openStallMs")); // still waiting when the page was read
        }
        return out;
    }

    static List<JsonObject> responses(JsonObject seen) {
        List<JsonObject> out = new ArrayList<>();
        for (Object o : seen.getJsonArray("responses", new JsonArray())) {
            out.add((JsonObject) o);
        }
        return out;
    }

    /** Each request, ms from the first one sent to its answer, with the Periods of each MPD. */
    static String requests(JsonObject seen) {
        List<JsonObject> all = responses(seen);
        if (all.isEmpty()) {
            return "";
        }
        long t0 = all.get(0).getLong("sent");
        StringBuilder b = new StringBuilder();
        for (JsonObject r : all) {
            String url = r.getString("url");
            b.append(String.format(java.util.Locale.ROOT, "%6d %6d %d %s %s%n", r.getLong("sent") - t0, r.getLong("at") - t0,
                    r.getInteger("status"), url.substring(url.indexOf('/', url.indexOf("//") + 2)), r.getString("periods", "")));
        }
        return b.toString();
    }

    static String summary(JsonObject seen) {
        List<String> failed = responses(seen).stream().filter(a -> a.getInteger("status") != 200)
                .map(a -> a.getInteger("status") + " " + a.getString("url")).limit(10).toList();
        return "dash.js " + seen.getString("version") + ": first frame " + seen.getValue("firstPlayingMs") + " ms, Periods "
                + seen.getJsonArray("periods") + ", stalls " + stalls(seen) + " ms " + seen.getJsonArray("stallWhere") + ", at " + seen.getValue("currentTime") + " s, fatal "
                + seen.getString("fatal") + ", failed requests " + failed
                + ", requests " + responses(seen).size() + ", live latency " + seen.getJsonArray("latency");
    }
}
