package io.tributary.session;

import com.hazelcast.core.HazelcastJsonValue;
import io.tributary.Node;
import io.tributary.cluster.SharedMaps;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Player sessions on a real node with a two-rung ladder (720p source passed through, 360p encoded):
 * what a player's requests do to sessions, the cluster map, the metrics and the ops summary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaybackSessionsTest {

    private static final Pattern SID = Pattern.compile("\\?sid=([0-9a-f-]{36})");
    private LiveNode live;
    private Node node;
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed", "TRIBUTARY_SESSIONS_FLUSH_INTERVAL", "200ms",
                "TRIBUTARY_QOE_REGIONS", "eu,us", "TRIBUTARY_QOE_BEACON_RATE", "100000", "TRIBUTARY_QOE_BEACON_BURST", "100000"));
        node = live.node();
        node.vertx().eventBus().<JsonObject>localConsumer(PlaybackEvents.ADDRESS, m -> events.add(m.body()));
        SyntheticAvSource source = new SyntheticAvSource(1280, 720, 30, 60, 0, true);
        // encode before connecting: 90 s of 720p takes long enough on a busy box to trip the RTMP idle timeout
        var media = source.next(90);
        live.publish("cam1", source).sendPacedInBackground(media);
        live.awaitSegmentsInEach("cam1", List.of("720p", "360p"), 2, Duration.ofSeconds(40));
    }

    @AfterAll
    void stop() {
        live.close();
    }

    @Test
    void multivariantStartsASessionWhoseIdEveryRenderedUriCarries() {
        HttpResponse<String> mv = TestNode.get(node, "/live/cam1/index.m3u8");
        assertEquals(200, mv.statusCode());
        Playlist multivariant = new Playlist(mv.body());
        String sid = sid(multivariant.text);
        for (Playlist.Line l : multivariant.lines) {
            if (l.uri() != null) {
                assertTrue(l.uri().endsWith("/index.m3u8?sid=" + sid), l.uri());
            }
        }
        assertTrue(multivariant.tag("EXT-X-MEDIA").attr("URI").endsWith("?sid=" + sid));

        String rung = multivariant.lines.stream().filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
        Playlist media = new Playlist(get("/live/cam1/" + rung).body());
        assertTrue(media.tag("EXT-X-MAP").attr("URI").endsWith(".mp4?sid=" + sid), media.text);
        assertTrue(media.tag("EXT-X-PRELOAD-HINT").attr("URI").endsWith(".m4s?sid=" + sid));
        assertFalse(media.tags("EXT-X-RENDITION-REPORT").isEmpty());
        media.tags("EXT-X-RENDITION-REPORT").forEach(r -> assertTrue(r.attr("URI").endsWith("?sid=" + sid)));
        media.tags("EXT-X-PART").forEach(p -> assertTrue(p.attr("URI").endsWith("?sid=" + sid)));
        media.segments().forEach(s -> assertTrue(s.uri().endsWith(".m4s?sid=" + sid)));
        // the same playlist without a sid stays the shared, cacheable one
        assertFalse(get("/live/cam1/" + rung.substring(0, rung.indexOf('?'))).body().contains("sid="));

        // later requests are attributed: bytes of a segment land in this session's record in the cluster map
        String dir = "/live/cam1/" + rung.substring(0, rung.indexOf('/')) + "/";
        HttpResponse<byte[]> seg = TestNode.getBytes(node, dir + media.segments().get(0).uri());
        assertEquals(200, seg.statusCode());
        TestNode.await("the session in the cluster map with the segment's bytes", Duration.ofSeconds(5), () -> {
            JsonObject r = record(sid);
            return r != null && r.getLong("bytes") >= seg.body().length;
        });
        JsonObject r = record(sid);
        assertEquals("cam1", r.getString("stream"));
        assertEquals("local", r.getString("region"));
        assertTrue(events.stream().anyMatch(e -> e.getString("type").equals("session_start") && e.getString("sid").equals(sid)
                && e.getString("via").equals("multivariant")));
        assertTrue(Scrape.of(node).value("active_stream_sessions", "stream_id=\"cam1\"") >= 1);
    }

    @Test
    void cmcdSessionIdIsUsedAndNotRewrittenIntoUris() {
        String sid = "cmcd-player-1";
        String cmcd = URLEncoder.encode("bl=2300,mtp=25000,ot=m,sf=h,sid=\"" + sid + "\",st=l,su", StandardCharsets.UTF_8);
        HttpResponse<String> mv = get("/live/cam1/index.m3u8?CMCD=" + cmcd);
        assertEquals(200, mv.statusCode());
        assertFalse(mv.body().contains("sid="), mv.body());
        Playlist media = new Playlist(get("/live/cam1/360p/index.m3u8", Map.of("CMCD-Session", "sid=\"" + sid + "\",sf=h",
                "CMCD-Request", "bl=1800,mtp=24000", "CMCD-Object", "ot=m")).body());
        String seg = media.segments().get(media.segments().size() - 1).uri();
        HttpResponse<String> r = get("/live/cam1/360p/" + seg, Map.of("CMCD-Session", "sid=\"" + sid + "\"",
                "CMCD-Object", "br=600,d=2000,ot=v", "CMCD-Request", "bl=2100,mtp=30000"));
        assertEquals(200, r.statusCode());
        TestNode.await("the CMCD session in the cluster map", Duration.ofSeconds(5), () -> {
            JsonObject rec = record(sid);
            return rec != null && rec.getLong("requests") >= 3 && "360p".equals(rec.getString("rung"));
        });
        Scrape s = Scrape.of(node);
        assertTrue(s.value("tributary_stream_buffer_length_seconds_count", "stream_id=\"cam1\"") >= 3);
        assertTrue(s.value("tributary_stream_measured_throughput_bytes_per_second_count", "stream_id=\"cam1\"") >= 3);
        // mtp is kbit/s: 25000 kbit/s = 3.125 MB/s lands in the 5 MB/s bucket, not in the 2.5 MB/s one
        assertTrue(s.value("tributary_stream_measured_throughput_bytes_per_second_bucket", "stream_id=\"cam1\"", "le=\"5000000.0\"")
                > s.value("tributary_stream_measured_throughput_bytes_per_second_bucket", "stream_id=\"cam1\"", "le=\"2500000.0\""));
    }

    @Test
    void rungSwitchesAreCountedByDirection() {
        Scrape before = Scrape.of(node);
        String sid = "switcher";
        Map<String, String> h = Map.of("CMCD-Session", "sid=\"" + sid + "\"");
        assertEquals(200, get("/live/cam1/index.m3u8", h).statusCode());
        String hiSeg = new Playlist(get("/live/cam1/720p/index.m3u8", h).body()).segments().get(0).uri();
        String loSeg = new Playlist(get("/live/cam1/360p/index.m3u8", h).body()).segments().get(0).uri();
        for (String path : List.of("720p/" + hiSeg, "360p/" + loSeg, "360p/" + loSeg, "720p/" + hiSeg, "audio/" + loSeg.replace("?", "?"))) {
            get("/live/cam1/" + path, h);
        }
        TestNode.await("two switches in the session record", Duration.ofSeconds(5), () -> {
            JsonObject rec = record(sid);
            return rec != null && rec.getInteger("switches") == 2 && "720p".equals(rec.getString("rung"));
        });
        Scrape after = Scrape.of(node);
        assertEquals(1, delta(before, after, "tributary_stream_bitrate_switches_total", "direction=\"down\""));
        assertEquals(1, delta(before, after, "tributary_stream_bitrate_switches_total", "direction=\"up\""));
        assertTrue(events.stream().anyMatch(e -> e.getString("type").equals("switch") && e.getString("sid").equals(sid)
                && "down".equals(e.getString("direction")) && "720p".equals(e.getString("from"))));
    }

    @Test
    void malformedCmcdIsIgnoredAndCountedNeverA5xx() {
        double before = Scrape.of(node).value("tributary_cmcd_malformed_total");
        List<HttpResponse<String>> rs = new ArrayList<>();
        rs.add(get("/live/cam1/360p/index.m3u8?CMCD=" + URLEncoder.encode("bl=abc,sid=\"x", StandardCharsets.UTF_8)));
        rs.add(get("/live/cam1/360p/index.m3u8?CMCD=%22%22%22"));
        rs.add(get("/live/cam1/360p/index.m3u8", Map.of("CMCD-Request", "bl=-1", "CMCD-Session", "sid=unquoted")));
        rs.add(get("/live/cam1/360p/index.m3u8", Map.of("CMCD-Object", "ot=v,ot=a")));
        rs.add(get("/live/cam1/360p/index.m3u8", Map.of("CMCD-Status", "x".repeat(5000))));
        for (HttpResponse<String> r : rs) {
            assertEquals(200, r.statusCode(), r.body());
        }
        assertEquals(before + 5, Scrape.of(node).value("tributary_cmcd_malformed_total"));
        assertTrue(Scrape.of(node).value("tributary_qoe_beacons_total", "source=\"cmcd\"", "result=\"malformed\"") >= 5);
        // a forged sid query parameter is refused by name
        HttpResponse<String> forged = get("/live/cam1/360p/index.m3u8?sid=" + URLEncoder.encode("<x>", StandardCharsets.UTF_8));
        assertEquals(400, forged.statusCode());
        assertTrue(forged.body().startsWith("sid must be"), forged.body());
    }

    @Test
    void beaconsFeedTheQoeMetricsAndTheSummary() {
        // a player beacons for the session its media requests opened (CMCD sid), as hls.js with CMCD does
        assertEquals(200, get("/live/cam1/index.m3u8?CMCD=" + URLEncoder.encode("sid=\"beacon-player\"", StandardCharsets.UTF_8)).statusCode());
        Scrape before = Scrape.of(node);
        JsonObject beacon = new JsonObject().put("sid", "beacon-player").put("stream", "cam1").put("events", new JsonArray()
                .add(new JsonObject().put("type", "startup").put("seconds", 1.2).put("codec", "avc1.64001f"))
                .add(new JsonObject().put("type", "rebuffer_start"))
                .add(new JsonObject().put("type", "rebuffer_end").put("seconds", 0.4))
                .add(new JsonObject().put("type", "switch").put("from", "720p").put("to", "360p").put("bitrate", 600000))
                .add(new JsonObject().put("type", "error").put("kind", "network").put("fatal", false))
                .add(new JsonObject().put("type", "error").put("kind", "made-up-kind"))
                .add(new JsonObject().put("type", "latency").put("seconds", 1.5))
                .add(new JsonObject().put("type", "heartbeat").put("playhead", 12.3).put("buffer", 2.1).put("playing_seconds", 5.0)));
        HttpResponse<String> r = post("/api/v1/qoe", beacon.encode(), Map.of("X-Region", "eu"));
        assertEquals(202, r.statusCode(), r.body());
        Scrape after = Scrape.of(node);
        assertEquals(1, delta(before, after, "stream_startup_seconds_count", "stream_id=\"cam1\"", "codec=\"avc1\""));
        assertEquals(1, delta(before, after, "stream_startup_seconds_bucket", "codec=\"avc1\"", "le=\"2.0\""));
        assertEquals(0, delta(before, after, "stream_startup_seconds_bucket", "codec=\"avc1\"", "le=\"1.0\""));
        assertEquals(1, delta(before, after, "stream_rebuffer_events_total", "stream_id=\"cam1\"", "region=\"eu\""));
        assertEquals(0.4, delta(before, after, "tributary_stream_rebuffer_seconds_total", "region=\"eu\""), 1e-9);
        assertEquals(5.0, delta(before, after, "tributary_stream_play_seconds_total", "region=\"eu\""), 1e-9);
        assertEquals(1, delta(before, after, "tributary_stream_playback_errors_total", "type=\"network\""));
        assertEquals(1, delta(before, after, "tributary_stream_playback_errors_total", "type=\"other\""));
        assertEquals(1, delta(before, after, "tributary_stream_live_latency_seconds_count", "stream_id=\"cam1\""));
        // the node counts the switches it serves itself (the media requests' rungs): a beacon's is not counted again
        assertEquals(0, delta(before, after, "tributary_stream_bitrate_switches_total", "direction=\"down\""));
        assertEquals(1, delta(before, after, "tributary_qoe_beacons_total", "source=\"http\"", "result=\"accepted\""));

        // an X-Region outside qoe.regions is "other", never a new label value
        post("/api/v1/qoe", new JsonObject().put("sid", "beacon-player").put("stream", "cam1").put("events", new JsonArray()
                .add(new JsonObject().put("type", "rebuffer_start"))).encode(), Map.of("X-Region", "mars-1"));
        assertEquals(1, Scrape.of(node).value("stream_rebuffer_events_total", "region=\"other\""));
        assertFalse(Scrape.of(node).text.contains("mars-1"));

        JsonObject summary = new JsonObject(get("/api/v1/sessions").body());
        JsonObject cam1 = summary.getJsonArray("streams").stream().map(o -> (JsonObject) o)
                .filter(o -> o.getString("stream").equals("cam1")).findFirst().orElseThrow();
        assertTrue(cam1.getLong("startups") >= 1);
        assertTrue(cam1.getDouble("startup_seconds_avg") > 0);
        assertTrue(cam1.getLong("rebuffer_events") >= 2);
        assertTrue(cam1.getDouble("rebuffer_ratio") > 0 && cam1.getDouble("rebuffer_ratio") < 1, cam1.encode());
        assertTrue(cam1.getLong("errors") >= 2);
        assertTrue(cam1.getDouble("latency_seconds_avg") > 0);
        for (String k : List.of("sessions", "switches", "bytes")) {
            assertNotNull(cam1.getValue(k), k);
        }
        assertEquals(summary.getInteger("sessions"), node.sessions().summary().getInteger("sessions"));
    }

    @Test
    void badBeaconsAre400NamingTheProblemAndUnknownStreams404() {
        Map<String, String> cases = Map.of(
                "not json", "beacon is not a JSON object",
                "[1,2]", "beacon is not a JSON object",
                "{\"stream\":\"cam1\"}", "beacon events must be an array",
                "{\"stream\":\"../etc\",\"events\":[]}", "beacon stream must be a stream key",
                "{\"stream\":\"cam1\",\"events\":[{\"type\":\"teleport\"}]}", "events[0].type 'teleport' is not one of",
                "{\"stream\":\"cam1\",\"events\":[{\"type\":\"startup\",\"seconds\":-3}]}", "events[0].seconds must be a number from 0 to 600",
                "{\"stream\":\"cam1\",\"events\":[{\"type\":\"latency\"}]}", "events[0].seconds is missing",
                "{\"stream\":\"cam1\",\"events\":[{\"type\":\"error\",\"fatal\":\"yes\"}]}", "events[0].fatal must be true or false");
        cases.forEach((body, problem) -> {
            HttpResponse<String> r = post("/api/v1/qoe", body, Map.of());
            assertEquals(400, r.statusCode(), body);
            assertTrue(r.body().contains(problem), body + " -> " + r.body());
        });
        String huge = new JsonObject().put("stream", "cam1").put("events", new JsonArray())
                .put("pad", "x".repeat(17 * 1024)).encode();
        HttpResponse<String> big = post("/api/v1/qoe", huge, Map.of());
        assertEquals(400, big.statusCode());
        assertTrue(big.body().contains("larger than 16384 bytes"), big.body());
        HttpResponse<String> unknown = post("/api/v1/qoe", "{\"stream\":\"nobody\",\"events\":[{\"type\":\"rebuffer_start\"}]}", Map.of());
        assertEquals(404, unknown.statusCode());
    }

    @Test
    void forgedBeaconsChangeNoMetric() {
        // a real viewer of cam1: its CMCD sid is a session this node served
        assertEquals(200, get("/live/cam1/index.m3u8?CMCD=" + URLEncoder.encode("sid=\"real-viewer\"", StandardCharsets.UTF_8)).statusCode());
        JsonArray storm = new JsonArray();
        for (int i = 0; i < 20; i++) {
            storm.add(new JsonObject().put("type", "rebuffer_start")).add(new JsonObject().put("type", "rebuffer_end").put("seconds", 30))
                    .add(new JsonObject().put("type", "error").put("kind", "network").put("fatal", true));
        }
        storm.add(new JsonObject().put("type", "heartbeat").put("playing_seconds", 0.1));
        Scrape before = Scrape.of(node);
        // no sid, a sid this node never served, and the real sid named for another stream's beacons
        List<JsonObject> forged = List.of(new JsonObject().put("stream", "cam1"),
                new JsonObject().put("sid", "made-up-" + System.nanoTime()).put("stream", "cam1"),
                new JsonObject().put("sid", "real-viewer").put("stream", "cam2"));
        for (JsonObject f : forged) {
            HttpResponse<String> r = post("/api/v1/qoe", f.put("events", storm).encode(), Map.of());
            assertTrue(r.statusCode() == 403 || r.statusCode() == 404, f.getString("sid") + " -> " + r.statusCode() + " " + r.body());
        }
        Scrape after = Scrape.of(node);
        for (String metric : List.of("stream_rebuffer_events_total", "tributary_stream_rebuffer_seconds_total",
                "tributary_stream_play_seconds_total", "tributary_stream_playback_errors_total")) {
            assertEquals(before.sum(metric), after.sum(metric), metric + " moved for forged beacons");
        }
        assertEquals(0, delta(before, after, "tributary_qoe_beacons_total", "result=\"accepted\""));
        assertTrue(delta(before, after, "tributary_qoe_beacons_rejected_total", "reason=\"no_session\"") == 1);
        assertTrue(delta(before, after, "tributary_qoe_beacons_rejected_total", "reason=\"unknown_session\"") == 1);
        // cam2 is not live here (404 before any binding check) or, when it is, the sid is cam1's: wrong_stream

        // the real session may report, but at its bounded rate: a flood is cut off after the burst
        int accepted = 0;
        int limited = 0;
        for (int i = 0; i < 40; i++) {
            int status = post("/api/v1/qoe", new JsonObject().put("sid", "real-viewer").put("stream", "cam1")
                    .put("events", new JsonArray().add(new JsonObject().put("type", "latency").put("seconds", 1.0))).encode(), Map.of()).statusCode();
            accepted += status == 202 ? 1 : 0;
            limited += status == 429 ? 1 : 0;
        }
        assertTrue(accepted >= 1 && accepted <= 25, "accepted " + accepted);
        assertTrue(limited >= 15, "limited " + limited);
    }

    @Test
    void cardinalityStaysBoundedUnderUnknownStreamIds() {
        Scrape before = Scrape.of(node);
        for (int i = 0; i < 200; i++) {
            get("/live/ghost" + i + "/index.m3u8?CMCD=" + URLEncoder.encode("bl=100,sid=\"g" + i + "\"", StandardCharsets.UTF_8));
            get("/live/ghost" + i + "/360p/seg-1.m4s", Map.of("CMCD-Request", "bl=100,bs"));
            post("/api/v1/qoe", "{\"stream\":\"ghost" + i + "\",\"events\":[{\"type\":\"rebuffer_start\"}]}", Map.of());
        }
        Scrape after = Scrape.of(node);
        assertEquals(before.streamIds(), after.streamIds());
        assertTrue(delta(before, after, "tributary_qoe_unknown_stream_total") >= 400);
        assertEquals(200, delta(before, after, "tributary_qoe_beacons_total", "source=\"http\"", "result=\"unknown_stream\""));
    }

    @Test
    void corsPreflightAllowsCmcdHeadersAndBeaconPosts() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(node.httpUrl("/live/cam1/360p/seg-1.m4s")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://player.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "cmcd-request,cmcd-object,cmcd-status,cmcd-session").build();
        HttpResponse<String> r = TestNode.HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode());
        String allowed = r.headers().firstValue("Access-Control-Allow-Headers").orElse("");
        for (String h : List.of("cmcd-request", "cmcd-object", "cmcd-status", "cmcd-session")) {
            assertTrue(allowed.contains(h), allowed);
        }
        assertTrue(r.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
    }

    @Test
    void dashManifestCarriesTheIssuedSid() {
        HttpResponse<String> mpd = get("/live/cam1/manifest.mpd");
        assertEquals(200, mpd.statusCode());
        Matcher m = Pattern.compile("media=\"[^\"]*\\?sid=([0-9a-f-]{36})\"").matcher(mpd.body());
        assertTrue(m.find(), mpd.body());
        String sid = m.group(1);
        assertTrue(mpd.body().contains(".mp4?sid=" + sid + "\""), mpd.body());
        // the event goes out on the event bus as the manifest is served: it may land just after the response
        TestNode.await("session_start via mpd for " + sid, Duration.ofSeconds(5), () -> events.stream().anyMatch(e ->
                e.getString("type").equals("session_start") && e.getString("sid").equals(sid) && e.getString("via").equals("mpd")));
    }

    // ---- helpers ----

    private JsonObject record(String sid) {
        HazelcastJsonValue v = node.hazelcast().<String, HazelcastJsonValue>getMap(SharedMaps.SESSIONS).get(sid);
        return v == null ? null : new JsonObject(v.getValue());
    }

    private static String sid(String text) {
        Matcher m = SID.matcher(text);
        assertTrue(m.find(), "no sid in:\n" + text);
        return m.group(1);
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        double a = before.value(name, labels);
        double b = after.value(name, labels);
        return (Double.isNaN(b) ? 0 : b) - (Double.isNaN(a) ? 0 : a);
    }

    private HttpResponse<String> get(String path) {
        return TestNode.get(node, path);
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) {
        return TestNode.get(node, path, headers);
    }

    private HttpResponse<String> post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            return TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
