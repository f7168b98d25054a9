package io.tributary.topology;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import io.tributary.Node;
import io.tributary.cluster.SharedMaps;
import io.tributary.demo.TestPatternBroadcaster;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real clustered nodes on loopback, each its own Vert.x (clustered on its own Hazelcast
 * member) in this JVM: an origin, and two nodes that are edge and router. A fourth origin joins
 * and dies in one test. Publishers are real RTMP, the player is FFmpeg through JavaCV.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    private static final Duration FAIL_TIMEOUT = Duration.ofSeconds(5);

    private final TestCluster cluster = new TestCluster(4);
    private Node origin;
    private Node e1;
    private Node e2;
    private long startedAt;

    @BeforeAll
    void start() {
        startedAt = System.nanoTime();
        long t = System.nanoTime();
        origin = node(0, Map.of("TRIBUTARY_ROLES", "origin", "TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_HLS_SEGMENT_TARGET", "1", "TRIBUTARY_RTMP_RECONNECT_GRACE", "1s",
                "TRIBUTARY_RTMP_ENDED_RETENTION", "1s"));
        System.out.printf("first clustered node (origin) up in %d ms%n", (System.nanoTime() - t) / 1_000_000);
        t = System.nanoTime();
        e1 = node(1, edgeRouter());
        System.out.printf("second clustered node (edge, router) up in %d ms%n", (System.nanoTime() - t) / 1_000_000);
        e2 = node(2, edgeRouter());
        TestNode.await("both routers to see both edges", Duration.ofSeconds(10),
                () -> e1.roles().routing().ring().size() == 2 && e2.roles().routing().ring().size() == 2);
        System.out.printf("three-node cluster formed in %d ms%n", (System.nanoTime() - startedAt) / 1_000_000);
    }

    private static Map<String, String> edgeRouter() {
        return Map.of("TRIBUTARY_ROLES", "edge,router", "TRIBUTARY_ROUTER_MODE", "proxy",
                "TRIBUTARY_ROUTER_CHECK_INTERVAL", "200ms", "TRIBUTARY_ROUTER_MAX_FAILS", "1",
                "TRIBUTARY_ROUTER_FAIL_TIMEOUT", FAIL_TIMEOUT.toMillis() + "ms");
    }

    private Node node(int i, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("TRIBUTARY_SESSIONS_FLUSH_INTERVAL", "200ms");
        return cluster.start(i, all);
    }

    @AfterAll
    void stop() {
        cluster.close();
        System.out.printf("cluster tests took %d ms in all%n", (System.nanoTime() - startedAt) / 1_000_000);
    }

    private static HttpResponse<byte[]> get(String url) {
        try {
            return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new AssertionError("GET " + url, e);
        }
    }

    private static JsonObject cluster(Node n) {
        HttpResponse<String> r = TestNode.get(n, "/api/v1/cluster");
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    private static JsonObject member(JsonObject cluster, Node n) {
        String id = n.hazelcast().getCluster().getLocalMember().getUuid().toString();
        for (Object o : cluster.getJsonArray("members")) {
            if (((JsonObject) o).getString("member").equals(id)) {
                return (JsonObject) o;
            }
        }
        return null;
    }

    private static String streamOrigin(Node n, String key) {
        return cluster(n).getJsonObject("streams").getString(key);
    }

    @Test
    @Order(1)
    void everyNodeSeesTheMembersTheirRolesAndUrls() {
        assertTrue(origin.vertx().isClustered(), "cluster.enabled builds a clustered Vert.x");
        JsonObject c = cluster(e2);
        assertTrue(c.getBoolean("clustered"));
        assertEquals(3, c.getJsonArray("members").size(), c.encodePrettily());
        JsonObject o = member(c, origin);
        assertEquals(new JsonArray().add("origin"), o.getJsonArray("roles"));
        assertEquals(origin.httpUrl(""), o.getString("http"));
        assertNull(o.getString("edge"));
        JsonObject e = member(c, e1);
        assertEquals(new JsonArray().add("edge").add("router"), e.getJsonArray("roles"));
        assertEquals("http://127.0.0.1:" + e1.roles().edgePort(), e.getString("edge"));
        assertEquals("http://127.0.0.1:" + e1.roles().routerPort(), e.getString("router"));
        assertEquals(-1, e1.rtmpPort(), "an edge does not ingest");
        assertEquals(Set.of("http://127.0.0.1:" + e1.roles().edgePort(), "http://127.0.0.1:" + e2.roles().edgePort()),
                e2.roles().routing().ring().members().stream().collect(java.util.stream.Collectors.toSet()),
                "the router's ring is the cluster's edges");
        assertEquals(c.getJsonArray("members").size(), cluster(origin).getJsonArray("members").size());
        // the event bus spans the cluster: a consumer on one node answers a request from another
        e1.vertx().eventBus().<String>consumer("test.echo", m -> m.reply("echo " + m.body()));
        TestNode.await("the consumer registration to spread", Duration.ofSeconds(5), () -> {
            try {
                return origin.vertx().eventBus().<String>request("test.echo", "hi").toCompletionStage().toCompletableFuture()
                        .get(2, TimeUnit.SECONDS).body().equals("echo hi");
            } catch (Exception x) {
                return false;
            }
        });
    }

    @Test
    @Order(2)
    void publishRegistersTheStreamAndUnpublishRemovesIt() throws Exception {
        try (TestPublication publication = LiveNode.publish(origin, "brief", LiveNode.smallSource())) {
            RtmpTestPublisher p = publication.send(3.2).rtmp();
            TestNode.await("the registry entry", Duration.ofSeconds(5), () -> origin.httpUrl("").equals(streamOrigin(e1, "brief")));
            // an edge finds it through the registry and serves it
            String edge = "http://127.0.0.1:" + e1.roles().edgePort();
            TestNode.await("the stream through the edge", Duration.ofSeconds(10),
                    () -> get(edge + "/live/brief/index.m3u8").statusCode() == 200);
            assertEquals(List.of("brief"), member(cluster(e2), origin).getJsonArray("streams").getList());
            p.unpublish();
            long t0 = System.nanoTime();
            // reconnect grace 1 s, ended retention 1 s: the entry goes when the origin no longer has the stream
            TestNode.await("the registry entry to go", Duration.ofSeconds(8), () -> streamOrigin(e2, "brief") == null);
            System.out.printf("registry entry removed %d ms after unpublish (grace 1 s + retention 1 s)%n",
                    (System.nanoTime() - t0) / 1_000_000);
            TestNode.await("the edge to say 404", Duration.ofSeconds(5),
                    () -> get(edge + "/live/brief/index.m3u8").statusCode() == 404);
        }
    }

    @Test
    @Order(3)
    void viewersThroughAnEdgeAreSessionsOfTheEdgeNotOfTheOrigin() throws Exception {
        try (TestPublication publication = LiveNode.publish(origin, "seen", LiveNode.smallSource())) {
            RtmpTestPublisher p = publication.send(3.2).rtmp();
            String edge = "http://127.0.0.1:" + e1.roles().edgePort();
            TestNode.await("the stream through the edge", Duration.ofSeconds(10),
                    () -> get(edge + "/live/seen/index.m3u8").statusCode() == 200);
            // the await above was a player too; let its session expire from the figures below by counting from here
            double edgeBefore = sessions(e1, "seen");

            // two players without CMCD: each its own sid in every URI, though the edge caches one playlist
            java.util.regex.Pattern sidIn = java.util.regex.Pattern.compile("[?&]sid=([0-9a-f-]{36})");
            Set<String> sids = new java.util.HashSet<>();
            for (int i = 0; i < 2; i++) {
                String mv = new String(get(edge + "/live/seen/index.m3u8").body());
                java.util.regex.Matcher m = sidIn.matcher(mv);
                assertTrue(m.find(), mv);
                String sid = m.group(1);
                sids.add(sid);
                String variant = new Playlist(mv).lines.stream().filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
                assertTrue(variant.endsWith("?sid=" + sid), variant);
                HttpResponse<byte[]> media = get(edge + "/live/seen/" + variant);
                assertEquals(200, media.statusCode());
                String mediaText = new String(media.body());
                Playlist mp = new Playlist(mediaText);
                assertTrue(mp.segments().get(0).uri().endsWith("sid=" + sid), mediaText);
                assertTrue(mediaText.contains(".mp4?sid=" + sid + "\""), "the map URI carries the sid: " + mediaText);
                String rendition = variant.substring(0, variant.indexOf('/'));
                assertEquals(200, get(edge + "/live/seen/" + rendition + "/" + mp.segments().get(0).uri()).statusCode());
            }
            assertEquals(2, sids.size(), "two players through one edge share a sid: " + sids);
            String firstHls = sids.iterator().next();

            // a DASH player without CMCD: its sid on the MPD's templates, and the clock at the edge it asked
            String mpd = new String(get(edge + "/live/seen/manifest.mpd").body());
            java.util.regex.Matcher dashSid = java.util.regex.Pattern.compile("media=\"[^\"]*\\?sid=([0-9a-f-]{36})\"").matcher(mpd);
            assertTrue(dashSid.find(), mpd);
            sids.add(dashSid.group(1));
            assertTrue(mpd.contains("value=\"" + edge + "/api/v1/time\""), mpd);

            // a CMCD player: its own sid, nothing added to its URIs
            HttpResponse<byte[]> cmcd = get(edge + "/live/seen/index.m3u8?CMCD=sid%3D%22edge-cmcd-player%22");
            assertEquals(200, cmcd.statusCode());
            assertTrue(!new String(cmcd.body()).contains("sid="), new String(cmcd.body()));

            // sessions and the HPA's gauge on the edge's node; the origin saw only cache fills, no viewers
            assertEquals(3, sids.size(), "the DASH player got another player's sid: " + sids);
            TestNode.await("four more sessions on the edge node", Duration.ofSeconds(5),
                    () -> sessions(e1, "seen") == edgeBefore + 4);
            double atOrigin = sessions(origin, "seen");
            assertTrue(Double.isNaN(atOrigin) || atOrigin == 0, "the edge's fetches made sessions at the origin: " + atOrigin);
            IMap<String, HazelcastJsonValue> map = origin.hazelcast().getMap(SharedMaps.SESSIONS);
            String e1Id = e1.hazelcast().getCluster().getLocalMember().getUuid().toString();
            TestNode.await("the edge's sessions in the cluster map", Duration.ofSeconds(5), () -> {
                for (String sid : List.of(firstHls, "edge-cmcd-player")) {
                    HazelcastJsonValue v = map.get(sid);
                    if (v == null || !e1Id.equals(new JsonObject(v.getValue()).getString("node"))) {
                        return false;
                    }
                }
                return true;
            });
            assertTrue(new JsonObject(map.get(firstHls).getValue()).getLong("bytes") > 0);

            // through a proxying router: the viewer's CMCD headers and Accept-Encoding reach the edge,
            // and the MPD's clock names the router, the address the viewer used
            String router = "http://127.0.0.1:" + e1.roles().routerPort();
            HttpResponse<byte[]> viaRouter = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(router + "/live/seen/index.m3u8"))
                    .header("CMCD-Session", "sid=\"via-router\"").header("Accept-Encoding", "gzip").timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, viaRouter.statusCode());
            assertEquals("gzip", viaRouter.headers().firstValue("content-encoding").orElse(""), "the edge's gzip through the router");
            String mvText = new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(viaRouter.body())).readAllBytes());
            assertTrue(mvText.startsWith("#EXTM3U") && !mvText.contains("sid="), mvText);
            Node servingEdge = viaRouter.headers().firstValue("x-edge").orElseThrow().endsWith(":" + e1.roles().edgePort()) ? e1 : e2;
            String servingId = servingEdge.hazelcast().getCluster().getLocalMember().getUuid().toString();
            TestNode.await("the router's viewer as a session of the serving edge", Duration.ofSeconds(5), () -> {
                HazelcastJsonValue v = map.get("via-router");
                return v != null && servingId.equals(new JsonObject(v.getValue()).getString("node"));
            });
            String routedMpd = new String(get(router + "/live/seen/manifest.mpd").body());
            assertTrue(routedMpd.contains("value=\"" + router + "/api/v1/time\""), routedMpd);
            HttpResponse<byte[]> clock = get(router + "/api/v1/time");
            assertEquals(200, clock.statusCode());
            assertTrue(Math.abs(java.time.Instant.parse(new String(clock.body())).toEpochMilli() - System.currentTimeMillis()) < 5000);

            // a malformed sid is the player's mistake: 400 from the edge, naming it
            HttpResponse<byte[]> bad = get(edge + "/live/seen/index.m3u8?sid=no%20spaces");
            assertEquals(400, bad.statusCode());
            assertTrue(new String(bad.body()).contains("sid must be"), new String(bad.body()));
            p.close();
        }
    }

    /** active_stream_sessions of {@code key} on {@code n}; NaN when the node has no such series. */
    private static double sessions(Node n, String key) {
        return io.tributary.testing.Scrape.of(n).value("active_stream_sessions", "stream_id=\"" + key + "\"");
    }

    @Test
    @Order(4)
    void anOriginThatDiesLeavesTheRegistryButItsSessionsSurvive() throws Exception {
        Node doomed = node(3, Map.of("TRIBUTARY_ROLES", "origin", "TRIBUTARY_TRANSCODE_LADDER", "none"));
        String doomedId = doomed.hazelcast().getCluster().getLocalMember().getUuid().toString();
        try (TestPublication publication = LiveNode.publish(doomed, "doomed", LiveNode.smallSource())) {
            RtmpTestPublisher p = publication.send(3.2).rtmp();
            TestNode.await("the playlist", Duration.ofSeconds(10), () -> TestNode.get(doomed, "/live/doomed/index.m3u8").statusCode() == 200);
            TestNode.await("the registry entry", Duration.ofSeconds(5), () -> doomed.httpUrl("").equals(streamOrigin(e1, "doomed")));
            // 30 players, each a session the doomed node writes to the cluster map
            List<String> sids = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String body = TestNode.get(doomed, "/live/doomed/index.m3u8").body();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\?sid=([0-9a-f-]{36})").matcher(body);
                assertTrue(m.find(), body);
                sids.add(m.group(1));
            }
            IMap<String, HazelcastJsonValue> seenByE1 = e1.hazelcast().getMap(SharedMaps.SESSIONS);
            TestNode.await("the sessions in the cluster map", Duration.ofSeconds(5),
                    () -> sids.stream().allMatch(s -> seenByE1.get(s) != null));
            TestNode.await("the sessions per node in the cluster API", Duration.ofSeconds(5),
                    () -> member(cluster(e2), doomed).getInteger("sessions") >= 30); // and the ones the awaits above opened

            // the member dies without a goodbye (no withdraw, no advert removal)
            long t0 = System.nanoTime();
            doomed.hazelcast().getLifecycleService().terminate();
            TestNode.await("the dead origin's stream to leave the registry", Duration.ofSeconds(30),
                    () -> streamOrigin(e1, "doomed") == null);
            System.out.printf("a terminated origin's streams left the registry in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertEquals(3, cluster(e1).getJsonArray("members").size());
            for (String sid : sids) {
                HazelcastJsonValue v = seenByE1.get(sid);
                assertTrue(v != null, "session " + sid + " written by the dead node is lost");
                assertEquals(doomedId, new JsonObject(v.getValue()).getString("node"));
            }
            assertTrue(cluster(origin).getInteger("sessions") >= 30);
            p.close();
        } finally {
            cluster.forget(doomed);
            doomed.hazelcast().getLifecycleService().terminate();
            doomed.vertx().close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(5)
    void ffmpegPlaysThroughRouterAndEdgeAndKeepsPlayingWhenTheServingEdgeStops() throws Exception {
        TestPatternBroadcaster broadcaster = new TestPatternBroadcaster(origin.rtmpUrl("live1"), 320, 240, 25, 25, 0, true);
        broadcaster.start();
        AtomicReference<Throwable> playerFailure = new AtomicReference<>();
        AtomicInteger images = new AtomicInteger();
        Thread player = null;
        try {
            LiveNode.awaitVideoSegments(origin, "live1", 2, Duration.ofSeconds(20));
            Playlist mv = new Playlist(TestNode.get(origin, "/live/live1/index.m3u8").body());
            String uri = mv.lines.stream().filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
            String rendition = uri.substring(0, uri.indexOf('/'));

            // both routers hash the rendition to the same edge; the player goes through the other node's router
            String serving = e1.roles().routing().pick("live1/" + rendition);
            assertEquals(serving, e2.roles().routing().pick("live1/" + rendition));
            Node dying = serving.endsWith(":" + e1.roles().edgePort()) ? e1 : e2;
            Node staying = dying == e1 ? e2 : e1;
            String router = "http://127.0.0.1:" + staying.roles().routerPort();
            String other = "http://127.0.0.1:" + staying.roles().edgePort();

            HttpResponse<byte[]> viaRouter = get(router + "/live/live1/" + rendition + "/index.m3u8");
            assertEquals(200, viaRouter.statusCode(), new String(viaRouter.body()));
            assertEquals(serving, viaRouter.headers().firstValue("x-edge").orElseThrow());
            // the other edge serves the same stream too, byte for byte as the origin
            String segment = "/live/live1/" + rendition + "/" + new Playlist(new String(viaRouter.body())).segments().get(0).uri();
            assertArrayEquals(TestNode.getBytes(origin, segment).body(), get(other + segment).body());

            String playUrl = router + "/live/live1/index.m3u8";
            player = new Thread(() -> {
                try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(playUrl)) {
                    g.setOption("rw_timeout", "10000000");
                    g.start();
                    long until = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                    while (images.get() < 200 && System.nanoTime() < until && !Thread.currentThread().isInterrupted()) {
                        Frame f = g.grab();
                        if (f == null) {
                            throw new AssertionError("the stream ended for the player after " + images.get() + " images");
                        }
                        if (f.image != null) {
                            assertEquals(320, f.imageWidth);
                            images.incrementAndGet();
                        }
                    }
                    g.stop();
                } catch (Throwable t) {
                    playerFailure.set(t);
                }
            }, "ffmpeg-player");
            player.start();
            TestNode.await("the player to decode 25 images", Duration.ofSeconds(20),
                    () -> images.get() >= 25 || playerFailure.get() != null);
            assertNull(playerFailure.get(), () -> "player failed: " + playerFailure.get());

            // the serving edge's server dies; its member stays (a hung process): health has to notice
            dying.vertx().close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            int before = images.get();
            TestNode.await("the router to take the stopped edge out", FAIL_TIMEOUT,
                    () -> !staying.roles().routing().health().available(serving));
            long outMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("stopped edge taken out of routing in %d ms (fail_timeout %d ms)%n", outMs, FAIL_TIMEOUT.toMillis());
            assertEquals(other, staying.roles().routing().pick("live1/" + rendition));
            HttpResponse<byte[]> movedOn = get(router + "/live/live1/" + rendition + "/index.m3u8");
            assertEquals(200, movedOn.statusCode());
            assertEquals(other, movedOn.headers().firstValue("x-edge").orElseThrow());

            // playback goes on: two more seconds of live pictures after the loss
            TestNode.await("the player to go on after the edge stopped", Duration.ofSeconds(20),
                    () -> images.get() >= before + 50 || playerFailure.get() != null);
            assertNull(playerFailure.get(), () -> "player failed: " + playerFailure.get());
            assertTrue(images.get() >= before + 50);

            // then its member goes too: the directory drops it and the ring follows
            dying.hazelcast().shutdown();
            cluster.forget(dying);
            TestNode.await("the ring to lose the departed edge", Duration.ofSeconds(10),
                    () -> staying.roles().routing().ring().size() == 1);
            TestNode.await("every member to see it go", Duration.ofSeconds(10),
                    () -> cluster(origin).getJsonArray("members").size() == 2);
            assertNotEquals(serving, staying.roles().routing().ring().members().get(0));
        } finally {
            if (player != null) {
                player.interrupt();
                player.join(15_000);
            }
            broadcaster.close();
        }
    }
}
