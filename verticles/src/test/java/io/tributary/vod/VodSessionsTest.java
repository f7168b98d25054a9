package io.tributary.vod;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import io.tributary.Node;
import io.tributary.cluster.SharedMaps;
import io.tributary.cluster.health.HealthPolicy;
import io.tributary.cluster.ring.HashRing;
import io.tributary.router.EdgeRouting;
import io.tributary.router.RouterSettings;
import io.tributary.router.RouterVerticle;
import io.tributary.testing.Playlist;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.testing.VodAssets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VOD viewers as player sessions, on a real node (origin, edge and router roles, embedded defaults) with a
 * published asset: a CMCD player of {@code /vod} is a session of {@code vod:{id}} in the sessions API and the
 * cluster map, its CMCD and its beacons move the asset's QoE series on {@code /metrics}, which go once nobody
 * watches; FFmpeg through the edge gets its issued sid in the playlists and all its requests attributed; a
 * beacon or CMCD for an asset that does not exist makes no series; routers send an asset's every object to
 * the edge its id hashes to, and past a dead one.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class VodSessionsTest {

    @TempDir
    static Path dir;
    static Node node;
    static String id;
    static String key;
    static final String NO_ASSET = "a0000000000000000";

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = VodAssets.env(dir);
        env.put("TRIBUTARY_SESSIONS_IDLE_TIMEOUT", "3s");
        env.put("TRIBUTARY_SESSIONS_FLUSH_INTERVAL", "200ms");
        node = TestNode.start(env);
        id = VodAssets.publish(node, dir, "pier.mp4", 4, "Pier", null);
        key = "vod:" + id;
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    static String edge(String path) {
        return "http://127.0.0.1:" + node.roles().edgePort() + path;
    }

    /** The asset's line of {@code GET /api/v1/sessions} at {@code base}, or null when it has none. */
    static JsonObject summary(String base) {
        JsonObject all = new JsonObject(TestNode.getUrl(base + "/api/v1/sessions").body());
        return all.getJsonArray("streams").stream().map(o -> (JsonObject) o).filter(o -> key.equals(o.getString("stream")))
                .findFirst().orElse(null);
    }

    static IMap<String, HazelcastJsonValue> sessionMap() {
        return node.hazelcast().getMap(SharedMaps.SESSIONS);
    }

    static List<JsonObject> assetSessions() {
        List<JsonObject> out = new ArrayList<>();
        for (HazelcastJsonValue v : sessionMap().values()) {
            JsonObject o = new JsonObject(v.getValue());
            if (key.equals(o.getString("stream"))) {
                out.add(o);
            }
        }
        return out;
    }

    /** Earlier tests' viewers have gone idle: the asset is off the summary and /metrics. */
    static void awaitNobodyWatching() {
        TestNode.await("no session of " + key, Duration.ofSeconds(15),
                () -> summary(node.httpUrl("")) == null && !Scrape.of(node).streamIds().contains(key));
    }

    static String firstVariant(String multivariant) {
        return Arrays.stream(multivariant.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElseThrow();
    }

    @Test
    void aCmcdPlayerIsASessionOfTheAssetAndItsQoeIsOnMetricsUntilNobodyWatches() throws Exception {
        awaitNobodyWatching();
        String sid = "vod-viewer-1";
        Map<String, String> cmcd = Map.of("CMCD-Session", "sid=\"" + sid + "\"", "CMCD-Request", "bl=2500,mtp=8000");
        HttpResponse<String> mv = TestNode.get(node, "/vod/" + id + "/index.m3u8", cmcd);
        assertEquals(200, mv.statusCode(), mv.body());
        assertFalse(mv.body().contains("sid="), "a CMCD player names its session itself: the shared playlist, untouched");
        assertEquals(VodRoutes.IMMUTABLE, mv.headers().firstValue("Cache-Control").orElse(""));
        String variant = firstVariant(mv.body());
        String rung = variant.split("/")[0];
        Playlist media = new Playlist(TestNode.get(node, "/vod/" + id + "/" + variant, cmcd).body());
        List<String> objects = new ArrayList<>();
        objects.add(media.tag("EXT-X-MAP").attr("URI"));
        objects.add(media.segments().get(0).uri());
        objects.add(media.segments().get(1).uri());
        for (String o : objects) {
            assertEquals(200, TestNode.get(node, "/vod/" + id + "/" + rung + "/" + o, cmcd).statusCode(), o);
        }

        // the operator's view: one session of the asset, its bytes, the rung it plays, in the cluster's map too
        TestNode.await("the session in the summary and the map", Duration.ofSeconds(5), () -> {
            JsonObject s = summary(node.httpUrl(""));
            HazelcastJsonValue record = sessionMap().get(sid);
            return s != null && s.getInteger("sessions") == 1 && s.getLong("bytes") > 0 && record != null
                    && new JsonObject(record.getValue()).getInteger("requests") == 5;
        });
        JsonObject record = new JsonObject(sessionMap().get(sid).getValue());
        assertEquals(key, record.getString("stream"), record.encode());
        assertEquals(rung, record.getString("rung"), record.encode());

        // QoE from CMCD, under the asset's label: buffer and throughput of all five requests
        Scrape metrics = Scrape.of(node);
        String label = "stream_id=\"" + key + "\"";
        assertEquals(1.0, metrics.value("active_stream_sessions", label));
        assertEquals(5.0, metrics.value("tributary_stream_buffer_length_seconds_count", label));
        assertEquals(5.0, metrics.value("tributary_stream_measured_throughput_bytes_per_second_count", label));

        // down a rung (the 360p source's ladder is 360p and 240p): a switch down, by the asset's own rung order
        assertEquals("360p", rung, mv.body());
        assertEquals(200, TestNode.get(node, "/vod/" + id + "/240p/" + media.segments().get(2).uri(), cmcd).statusCode());
        TestNode.await("the switch counted", Duration.ofSeconds(5), () -> Scrape.of(node)
                .value("tributary_stream_bitrate_switches_total", label, "direction=\"down\"") == 1.0);
        assertEquals(0.0, Scrape.of(node).value("tributary_stream_bitrate_switches_total", label, "direction=\"up\""));

        // its beacons over /ws/qoe count for the asset; one naming an asset that does not exist, or a session this
        // node never served, moves nothing
        List<JsonObject> replies = new CopyOnWriteArrayList<>();
        WebSocket ws = TestNode.HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/qoe"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        replies.add(new JsonObject(data.toString()));
                        w.request(1);
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
        ws.sendText(beacon(sid, key, "{\"type\":\"startup\",\"seconds\":0.8,\"codec\":\"avc1.64001e\"}"), true).get();
        ws.sendText(beacon(sid, key, "{\"type\":\"rebuffer_start\"}"), true).get();
        ws.sendText(beacon(sid, "vod:" + NO_ASSET, "{\"type\":\"startup\",\"seconds\":0.5}"), true).get();
        ws.sendText(beacon("never-served", key, "{\"type\":\"startup\",\"seconds\":0.5}"), true).get();
        TestNode.await("two replies, the startup and the stall counted", Duration.ofSeconds(5), () -> replies.size() == 2
                && Scrape.of(node).value("stream_startup_seconds_count", label, "codec=\"avc1\"") == 1.0
                && Scrape.of(node).sum("stream_rebuffer_events_total") >= 1.0);
        assertEquals(404, replies.get(0).getInteger("status"), replies.toString());
        assertTrue(replies.get(0).getString("error").contains("asset '" + NO_ASSET + "' is not played on this node"), replies.toString());
        assertEquals(403, replies.get(1).getInteger("status"), replies.toString());
        assertEquals(1.0, Scrape.of(node).value("stream_rebuffer_events_total", label));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);

        // CMCD for an asset that does not exist: 404, dropped, no series for it
        double unknown = Scrape.of(node).sum("tributary_qoe_unknown_stream_total");
        assertEquals(404, TestNode.get(node, "/vod/" + NO_ASSET + "/index.m3u8", cmcd).statusCode());
        assertEquals(404, get(TestNode.HTTP, edge("/vod/" + NO_ASSET + "/" + rung + "/seg_1.m4s"), cmcd).statusCode());
        Scrape after = Scrape.of(node);
        assertEquals(unknown + 2, after.sum("tributary_qoe_unknown_stream_total"));
        assertFalse(after.streamIds().contains("vod:" + NO_ASSET), after.streamIds().toString());

        // idle: the session ends as a live one does, and the asset's series leave /metrics with it
        awaitNobodyWatching();
        assertEquals(null, sessionMap().get(sid));
    }

    @Test
    void ffmpegThroughTheEdgeCarriesItsIssuedSidAndIsOneSession() throws Exception {
        awaitNobodyWatching();
        // a player without CMCD: the edge issues a sid and writes it into every URI of its copy of the playlist
        HttpResponse<String> mv = TestNode.getUrl(edge("/vod/" + id + "/index.m3u8"));
        assertEquals(200, mv.statusCode(), mv.body());
        String variant = firstVariant(mv.body());
        assertTrue(variant.matches("[A-Za-z0-9_-]+/index\\.m3u8\\?sid=[0-9a-f-]{36}"), variant);
        String cache = mv.headers().firstValue("Cache-Control").orElse("");
        assertTrue(cache.startsWith("private") && cache.contains("immutable"), "this viewer's copy, still immutable: " + cache);

        VodTest.Played played = VodTest.play(edge("/vod/" + id + "/index.m3u8"));
        assertEquals(100, played.pictures(), "FFmpeg plays all 4 s through the edge");
        // FFmpeg's own session (beside the fetch above), with every playlist, init and segment it fetched: its
        // bytes reach at least every segment of the rung it played (and its playlists, init and audio besides).
        // Requests are counted as the edge reports them, so this waits for the last of them, not the sixth.
        java.util.Map<String, Long> rungSegmentBytes = new java.util.HashMap<>();
        java.util.function.Function<String, Long> segmentBytes = r -> rungSegmentBytes.computeIfAbsent(r, x -> {
            Playlist rendition = new Playlist(TestNode.getUrl(edge("/vod/" + id + "/" + x + "/index.m3u8")).body());
            long sum = 0;
            for (Playlist.Segment seg : rendition.segments()) {
                sum += TestNode.getBytes(node, "/vod/" + id + "/" + x + "/" + seg.uri()).body().length;
            }
            return sum;
        });
        java.util.function.Predicate<JsonObject> whole = o -> o.getString("rung") != null && o.getInteger("requests") >= 6
                && o.getLong("bytes") > segmentBytes.apply(o.getString("rung"));
        TestNode.await("FFmpeg's session with all its media requests counted", Duration.ofSeconds(15), () -> {
            JsonObject s = summary(edge(""));
            return s != null && s.getInteger("sessions") >= 1 && assetSessions().stream().anyMatch(whole);
        });
        JsonObject ffmpeg = assetSessions().stream().filter(whole).findFirst().orElseThrow();
        String rung = ffmpeg.getString("rung");
        assertTrue(mv.body().contains("\n" + rung + "/index.m3u8?sid="), "a video rung of the asset: " + ffmpeg.encode());
    }

    @Test
    void routersSendAnAssetToTheEdgeItHashesToAndPastADeadOne() throws Exception {
        HttpClient viewer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        // the node's own router: a 302 to its ring's edge for the asset's key, which then serves it
        String router = "http://127.0.0.1:" + node.roles().routerPort();
        String entry = "/vod/" + id + "/index.m3u8?sid=routed-1";
        HttpResponse<String> sent = get(viewer, router + entry);
        assertEquals(302, sent.statusCode());
        assertEquals(node.roles().routing().ring().lookup(key) + entry, location(sent), "the viewer's query goes along");
        HttpResponse<String> served = get(viewer, location(sent));
        assertEquals(200, served.statusCode(), served.body());
        assertTrue(served.body().startsWith("#EXTM3U"), served.body());

        // a router over two edges (the node's edge under two names): every object of the asset to the one its id hashes to
        int edgePort = node.roles().edgePort();
        String a = "http://127.0.0.1:" + edgePort;
        String b = "http://localhost:" + edgePort;
        String variant = firstVariant(TestNode.get(node, "/vod/" + id + "/index.m3u8").body()).split("\\?")[0];
        String rung = variant.split("/")[0];
        String segment = new Playlist(TestNode.get(node, "/vod/" + id + "/" + variant).body()).segments().get(0).uri().split("\\?")[0];
        Vertx vertx = Vertx.vertx();
        try {
            String chosen = HashRing.of(a, b).lookup(key);
            String two = router(vertx, RouterSettings.Mode.REDIRECT, HealthPolicy.DEFAULT, a, b);
            for (String path : List.of("/vod/" + id + "/index.m3u8", "/vod/" + id + "/manifest.mpd", "/vod/" + id + "/" + variant,
                    "/vod/" + id + "/" + rung + "/" + segment)) {
                assertEquals(chosen + path, location(get(viewer, two + path)), path);
            }
            String segmentPath = "/vod/" + id + "/" + rung + "/" + segment;
            HttpResponse<byte[]> fromEdge = viewer.send(HttpRequest.newBuilder(URI.create(location(get(viewer, two + segmentPath)))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, fromEdge.statusCode());
            assertArrayEquals(TestNode.getBytes(node, segmentPath).body(), fromEdge.body());
            assertEquals(404, get(viewer, two + "/vod/" + id + "/" + rung + "/../../x.m4s").statusCode());
            assertEquals(404, get(viewer, two + "/vod/" + id + "/seg.exe").statusCode());

            // the asset's edge is dead: the active checks take it out and its requests go to the next one, as live's
            String dead = deadEdgeFor(a);
            String failing = router(vertx, RouterSettings.Mode.REDIRECT, new HealthPolicy(3, Duration.ofSeconds(5), 1, 1), a, dead);
            TestNode.await("the asset moved off the dead edge", Duration.ofSeconds(5),
                    () -> location(get(viewer, failing + "/vod/" + id + "/index.m3u8")).startsWith(a + "/"));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProxyingRouterGivesAPlayerTheAssetsPlaylistsAndSegments() throws Exception {
        String edge = "http://127.0.0.1:" + node.roles().edgePort();
        HttpClient viewer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        Vertx vertx = Vertx.vertx();
        try {
            String proxy = router(vertx, RouterSettings.Mode.PROXY, HealthPolicy.DEFAULT, edge);
            // FFmpeg, pointed at the router alone, plays all 4 s of HLS and of DASH
            assertEquals(100, VodTest.play(proxy + "/vod/" + id + "/index.m3u8").pictures(), "HLS through the proxying router");
            assertEquals(100, VodTest.play(proxy + "/vod/" + id + "/manifest.mpd").pictures(), "DASH through the proxying router");

            // every object the multivariant leads to comes through the router from the asset's edge, as the node has it
            HttpResponse<String> mv = get(viewer, proxy + "/vod/" + id + "/index.m3u8");
            assertEquals(200, mv.statusCode(), mv.body());
            assertEquals(edge, mv.headers().firstValue("X-Edge").orElse(""));
            assertTrue(mv.headers().firstValue("Cache-Control").orElse("").contains("immutable"), mv.headers().toString());
            String variant = firstVariant(mv.body());
            assertTrue(variant.contains("?sid="), "the viewer's issued sid on its URIs: " + variant);
            String rung = variant.split("/")[0];
            Playlist media = new Playlist(get(viewer, proxy + "/vod/" + id + "/" + variant).body());
            List<String> objects = new ArrayList<>();
            objects.add(media.tag("EXT-X-MAP").attr("URI"));
            media.segments().forEach(seg -> objects.add(seg.uri()));
            for (String o : objects) {
                String path = "/vod/" + id + "/" + rung + "/" + o.split("\\?")[0];
                HttpResponse<byte[]> got = viewer.send(HttpRequest.newBuilder(URI.create(proxy + path)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, got.statusCode(), path);
                assertArrayEquals(TestNode.getBytes(node, path).body(), got.body(), path);
            }

            // trick play: a keyframe's byte range through the router is the edge's 206 with that range alone
            String iframes = get(viewer, proxy + "/vod/" + id + "/" + rung + "/iframes.m3u8").body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("#EXT-X-BYTERANGE:(\\d+)@(\\d+)\\n([^?\\s]+)").matcher(iframes);
            assertTrue(m.find(), iframes);
            int length = Integer.parseInt(m.group(1));
            int offset = Integer.parseInt(m.group(2));
            String path = "/vod/" + id + "/" + rung + "/" + m.group(3);
            byte[] whole = TestNode.getBytes(node, path).body();
            HttpResponse<byte[]> ranged = viewer.send(HttpRequest.newBuilder(URI.create(proxy + path))
                    .header("Range", "bytes=" + offset + "-" + (offset + length - 1)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(206, ranged.statusCode(), path);
            assertEquals("bytes " + offset + "-" + (offset + length - 1) + "/" + whole.length,
                    ranged.headers().firstValue("Content-Range").orElse(""));
            assertArrayEquals(Arrays.copyOfRange(whole, offset, offset + length), ranged.body());
            // a range past the end: the edge's 416, naming the size
            HttpResponse<String> outside = viewer.send(HttpRequest.newBuilder(URI.create(proxy + path))
                    .header("Range", "bytes=" + whole.length + "-").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(416, outside.statusCode(), outside.body());
            assertEquals("bytes */" + whole.length, outside.headers().firstValue("Content-Range").orElse(""));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    /** A URL nothing listens on that the ring with {@code live} puts the asset on. */
    static String deadEdgeFor(String live) {
        for (int i = 0; i < 1000; i++) {
            String dead = "http://127.0.0.1:" + TestNode.freePort();
            if (HashRing.of(live, dead).lookup(key).equals(dead)) {
                return dead;
            }
        }
        throw new AssertionError("no free port whose URL the asset hashes to");
    }

    /** A router of its own over {@code edges}, checking them every 200 ms; its URL. */
    static String router(Vertx vertx, RouterSettings.Mode mode, HealthPolicy policy, String... edges) throws Exception {
        Map<String, Integer> members = new LinkedHashMap<>();
        for (String e : edges) {
            members.put(e, 1);
        }
        int port = TestNode.freePort();
        RouterSettings s = RouterSettings.defaults("127.0.0.1", port, mode)
                .with(policy, Duration.ofMillis(200), 0);
        EdgeRouting routing = new EdgeRouting(vertx, s, () -> members).start();
        RouterVerticle.deploy(vertx, routing, 1).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        return "http://127.0.0.1:" + port;
    }

    static HttpResponse<String> get(HttpClient client, String url) {
        return get(client, url, Map.of());
    }

    static HttpResponse<String> get(HttpClient client, String url, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        headers.forEach(b::header);
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(url, e);
        }
    }

    static String location(HttpResponse<?> r) {
        return r.headers().firstValue("location").orElseThrow(() -> new AssertionError("no Location: " + r.statusCode()));
    }

    static String beacon(String sid, String stream, String event) {
        return "{\"sid\":\"" + sid + "\",\"stream\":\"" + stream + "\",\"events\":[" + event + "]}";
    }
}
