package io.tributary.dvr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.Node;
import io.tributary.testing.LiveNode;
import io.tributary.testing.PgServers;
import io.tributary.testing.Playlist;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The DVR in a two-node cluster sharing one PostgreSQL (the external one when it listens, else one
 * this test starts): a publisher records on origin A, stops, and the same key is published on
 * origin B. The recording goes on across the move (the index joins the two runs by time); each
 * segment's file is on one node's disk only, and either node serves every segment, fetching what
 * the other holds. The edges serve {@code /dvr}: recorded objects cached, one upstream fetch per
 * object however many ask, FFmpeg plays the window through an edge, and an export of it spans both
 * nodes' segments. A DELETE on A removes B's files,
 * at once while B is up, when B restarts while it is down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DvrClusterTest {

    private static final String KEY = "dvrmove";
    private static final double RUN_SECONDS = 5;

    private final TestCluster cluster = new TestCluster(2);
    private EmbeddedPostgres ownPg;
    private String externalUrl;
    private Path dirA;
    private Path dirB;
    private Node a;
    private Node b;
    /** The recorded window (ISO), from the first range's start to the last one's end. */
    private String window;
    /** Where B's run begins in the index (epoch ms). */
    private long runOnBFrom;
    /** The window's length (ms). */
    private long windowMs;
    private String pgUrl;

    @BeforeAll
    void recordOnAThenOnB() throws Exception {
        if (PgServers.externalListening()) {
            externalUrl = PgServers.externalUrl();
            pgUrl = externalUrl;
        } else {
            // no shared server on this machine: one of the test's own, both nodes its clients
            ownPg = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("dvrcluster-pg").toFile())
                    .setCleanDataDirectory(true).start();
            pgUrl = "postgresql://postgres@127.0.0.1:" + ownPg.getPort() + "/tributary_dvrcluster";
        }
        dirA = Files.createTempDirectory("dvrcluster-a");
        dirB = Files.createTempDirectory("dvrcluster-b");
        a = cluster.start(0, env(dirA, pgUrl));
        b = cluster.start(1, env(dirB, pgUrl));

        try (TestPublication onA = LiveNode.publish(a, KEY, LiveNode.smallSource())) {
            onA.sendPacedInBackground(RUN_SECONDS).joinSender(30_000);
        }
        // the key is free once A's stream has ended (reconnect grace 1 s): then B takes the publisher
        TestPublication onB = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (onB == null) {
            try {
                onB = LiveNode.publish(b, KEY, LiveNode.smallSource());
            } catch (AssertionError refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(200);
            }
        }
        try (TestPublication p = onB) {
            p.sendPacedInBackground(RUN_SECONDS).joinSender(30_000);
        }
        // B's stream over (its last segment closes when it ends) and both runs indexed: two ranges of video,
        // the move between them a gap, and the listing no longer changing
        TestNode.await("B's stream to end", Duration.ofSeconds(20), () -> b.streams().get(KEY) == null
                || b.streams().get(KEY).state() == io.tributary.live.LiveStream.State.ENDED);
        String[] last = {""};
        TestNode.await("both runs in the index, all rows written", Duration.ofSeconds(20), () -> {
            HttpResponse<String> r = TestNode.get(a, "/api/v1/recordings?stream=" + KEY);
            if (r.statusCode() != 200) {
                return false;
            }
            JsonObject video = video(new JsonObject(r.body()));
            boolean done = video != null && video.getJsonArray("ranges").size() == 2 && r.body().equals(last[0]);
            last[0] = r.body();
            if (!done) {
                pause(500); // the recorder flushes its rows every 250 ms
            }
            return done;
        });
        JsonObject video = video(new JsonObject(last[0]));
        assertTrue(video.getLong("segments") >= 2 * RUN_SECONDS - 3, last[0]);
        JsonArray ranges = video.getJsonArray("ranges");
        window = "from=" + ranges.getJsonObject(0).getString("from") + "&to=" + ranges.getJsonObject(1).getString("to");
        runOnBFrom = java.time.Instant.parse(ranges.getJsonObject(1).getString("from")).toEpochMilli();
        windowMs = java.time.Instant.parse(ranges.getJsonObject(1).getString("to")).toEpochMilli()
                - java.time.Instant.parse(ranges.getJsonObject(0).getString("from")).toEpochMilli();
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> env(Path dataDir, String pgUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DVR_ENABLED", "true");
        env.put("TRIBUTARY_DATA_DIR", dataDir.toString());
        env.put("TRIBUTARY_PG_URL", pgUrl);
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_HLS_SEGMENT_TARGET", "1");
        env.put("TRIBUTARY_RTMP_RECONNECT_GRACE", "1s");
        env.put("TRIBUTARY_RTMP_ENDED_RETENTION", "2s");
        return env;
    }

    private static JsonObject video(JsonObject recordings) {
        for (Object o : recordings.getJsonArray("renditions")) {
            if (((JsonObject) o).getString("rendition").equals("video")) {
                return (JsonObject) o;
            }
        }
        return null;
    }

    @AfterAll
    void close() throws Exception {
        cluster.close();
        if (ownPg != null) {
            ownPg.close();
        }
        PgServers.drop(externalUrl);
    }

    private String playlistPath() {
        return "/dvr/" + KEY + "/video/index.m3u8?" + window;
    }

    /** The segment URIs (absolute paths) of the window's video playlist, served by {@code n}. */
    private List<String> segmentPaths(Playlist p) {
        List<String> out = new ArrayList<>();
        for (Playlist.Segment s : p.segments()) {
            out.add("/dvr/" + KEY + "/video/" + s.uri());
        }
        return out;
    }

    private static long pdtOf(String segmentPath) {
        String name = segmentPath.substring(segmentPath.lastIndexOf("/seg-") + 5);
        return Long.parseLong(name.substring(0, name.length() - ".m4s".length()));
    }

    private static Path fileOn(Path dataDir, String segmentPath) {
        return dataDir.resolve("dvr").resolve(DvrFiles.segmentFile(KEY, "video", pdtOf(segmentPath)));
    }

    private static HttpResponse<byte[]> getUrl(String url) {
        try {
            return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new AssertionError("GET " + url, e);
        }
    }

    private static String edge(Node n, String path) {
        return "http://127.0.0.1:" + n.roles().edgePort() + path;
    }

    @Test
    @Order(1)
    void theRecordingContinuesAcrossTheMoveAndEitherOriginServesEverySegment() {
        HttpResponse<String> fromA = TestNode.get(a, playlistPath());
        HttpResponse<String> fromB = TestNode.get(b, playlistPath());
        assertEquals(200, fromA.statusCode(), fromA.body());
        assertEquals(fromA.body(), fromB.body(), "one index: the same playlist on either origin");
        Playlist p = new Playlist(fromA.body());
        assertTrue(p.has("EXT-X-ENDLIST"));
        assertEquals(1, p.tags("EXT-X-DISCONTINUITY").size(), "the move is one discontinuity: " + p.text);
        List<String> segs = segmentPaths(p);
        assertTrue(segs.size() >= 2 * RUN_SECONDS - 3, p.text);
        int onA = 0;
        int onB = 0;
        for (String seg : segs) {
            boolean hereA = Files.exists(fileOn(dirA, seg));
            boolean hereB = Files.exists(fileOn(dirB, seg));
            assertNotEquals(hereA, hereB, seg + " is on exactly one node's disk");
            onA += hereA ? 1 : 0;
            onB += hereB ? 1 : 0;
            HttpResponse<byte[]> ra = TestNode.getBytes(a, seg);
            HttpResponse<byte[]> rb = TestNode.getBytes(b, seg);
            assertEquals(200, ra.statusCode(), seg + " from A: " + new String(ra.body()));
            assertEquals(200, rb.statusCode(), seg + " from B: " + new String(rb.body()));
            try {
                byte[] onDisk = Files.readAllBytes(hereA ? fileOn(dirA, seg) : fileOn(dirB, seg));
                assertArrayEquals(onDisk, ra.body(), seg + " from A");
                assertArrayEquals(onDisk, rb.body(), seg + " from B");
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            assertTrue(ra.headers().firstValue("Cache-Control").orElse("").contains("immutable"), "fetched from the peer, still immutable");
            assertTrue(rb.headers().firstValue("Cache-Control").orElse("").contains("immutable"));
        }
        assertTrue(onA >= RUN_SECONDS - 2 && onB >= RUN_SECONDS - 2, "segments on A " + onA + ", on B " + onB);
        // the runs are in time order: A's before B's
        int firstOnB = 0;
        while (Files.exists(fileOn(dirA, segs.get(firstOnB)))) {
            firstOnB++;
        }
        assertEquals(onA, firstOnB, "A's run, then B's");
        // the init each run names plays from either node too
        for (Playlist.Line map : p.tags("EXT-X-MAP")) {
            String init = "/dvr/" + KEY + "/video/" + map.attr("URI");
            assertEquals(200, TestNode.getBytes(a, init).statusCode(), init);
            assertEquals(200, TestNode.getBytes(b, init).statusCode(), init);
        }
        // a peer's request is answered from the asked node's own disk only: no second hop
        String bSegment = segs.get(segs.size() - 1);
        HttpResponse<String> peerAsked = TestNode.get(a, bSegment, Map.of(DvrPeers.PEER_HEADER, "1"));
        assertEquals(404, peerAsked.statusCode(), peerAsked.body());
        assertTrue(peerAsked.body().contains("not here"), peerAsked.body());
    }

    @Test
    @Order(2)
    void anEdgeServesTheRecordingCachedWithOneUpstreamFetchPerObject() throws Exception {
        Playlist p = new Playlist(TestNode.get(a, playlistPath()).body());
        List<String> segs = segmentPaths(p);
        HttpResponse<byte[]> multi = getUrl(edge(b, "/dvr/" + KEY + "/index.m3u8?" + window));
        assertEquals(200, multi.statusCode(), new String(multi.body()));
        assertTrue(new String(multi.body()).contains("video/index.m3u8"), new String(multi.body()));
        HttpResponse<byte[]> media = getUrl(edge(b, playlistPath()));
        assertEquals(200, media.statusCode());
        assertEquals(p.text, new String(media.body()), "the origin's playlist, through the edge");

        // one segment: fetched once, then from the edge's cache, immutable downstream too
        String first = segs.get(0);
        HttpResponse<byte[]> miss = getUrl(edge(b, first));
        HttpResponse<byte[]> hit = getUrl(edge(b, first));
        assertEquals(200, miss.statusCode(), new String(miss.body()));
        assertEquals("MISS", miss.headers().firstValue("X-Cache").orElse(""));
        assertEquals("HIT", hit.headers().firstValue("X-Cache").orElse(""));
        assertArrayEquals(Files.readAllBytes(fileOn(dirA, first)), hit.body());
        assertTrue(hit.headers().firstValue("Cache-Control").orElse("").contains("immutable"));
        assertEquals("*", hit.headers().firstValue("Access-Control-Allow-Origin").orElse(""), "a player route: CORS");

        // eight viewers at once for a segment not cached yet: one fetch upstream, everyone answered alike
        String last = segs.get(segs.size() - 1);
        double before = Scrape.of(a).value("tributary_edge_origin_requests_total", "outcome=\"ok\"");
        List<CompletableFuture<HttpResponse<byte[]>>> viewers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            viewers.add(TestNode.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(edge(a, last)))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        byte[] expected = Files.readAllBytes(fileOn(dirB, last));
        int misses = 0;
        for (CompletableFuture<HttpResponse<byte[]>> v : viewers) {
            HttpResponse<byte[]> r = v.get();
            assertEquals(200, r.statusCode(), new String(r.body()));
            assertArrayEquals(expected, r.body());
            misses += r.headers().firstValue("X-Cache").orElse("").equals("MISS") ? 1 : 0;
        }
        assertEquals(1, misses, "one viewer's request went upstream");
        double after = Scrape.of(a).value("tributary_edge_origin_requests_total", "outcome=\"ok\"");
        assertEquals(before + 1, after, 0.1, "one upstream request for eight viewers");

        // an unknown stream and a malformed name: the origin's 404, the edge's own 400
        assertEquals(404, getUrl(edge(a, "/dvr/nosuchstream/index.m3u8?" + window)).statusCode());
        HttpResponse<byte[]> bad = getUrl(edge(a, "/dvr/" + KEY + "/a.b/index.m3u8?" + window));
        assertEquals(400, bad.statusCode());
        assertTrue(new String(bad.body()).contains("rendition"), new String(bad.body()));
    }

    @Test
    @Order(3)
    void ffmpegPlaysTheWindowAcrossTheMoveThroughAnEdge() throws Exception {
        int pictures = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(edge(a, playlistPath()))) {
            g.setOption("rw_timeout", "10000000");
            g.start();
            Frame f;
            while ((f = g.grabImage()) != null) {
                assertEquals(320, f.imageWidth);
                pictures++;
            }
        }
        // both runs (30 fps), each cut to whole recorded segments
        assertTrue(pictures > 30 * (2 * RUN_SECONDS - 3), "pictures decoded: " + pictures);
        assertTrue(pictures < 30 * (2 * RUN_SECONDS + 3), "pictures decoded: " + pictures);
    }

    @Test
    @Order(4)
    void eitherOriginMakesAThumbnailOfEitherRun() throws Exception {
        long inA = runOnBFrom - windowMs / 2; // in A's run (the first half of the window is mostly A's)
        long inB = runOnBFrom + 1500;
        for (Node asked : List.of(a, b)) {
            for (long t : new long[]{inA, inB}) {
                HttpResponse<byte[]> r = TestNode.getBytes(asked, "/dvr/" + KEY + "/thumbnail.jpg?t=" + DvrTimes.seconds(t)
                        + "&width=160");
                assertEquals(200, r.statusCode(), new String(r.body()));
                assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
                java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(r.body()));
                assertEquals(160, img.getWidth());
            }
        }
    }

    @Test
    @Order(5)
    void anExportSpansTheMoveAndStreamsThroughAnEdge() throws Exception {
        // B's edge, an origin chosen by the key, which holds one run and fetches the other's segments from its node
        HttpResponse<byte[]> r = getUrl(edge(b, "/dvr/" + KEY + "/export.mp4?" + window));
        assertEquals(200, r.statusCode(), new String(r.body()));
        assertEquals("video/mp4", r.headers().firstValue("Content-Type").orElse(""));
        Path file = dirA.resolve("export.mp4");
        Files.write(file, r.body());
        int pictures = 0;
        long first = -1;
        long last = -1;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.start();
            assertTrue(g.hasVideo() && g.hasAudio(), "video and audio tracks");
            Frame f;
            while ((f = g.grabImage()) != null) {
                pictures++;
                first = first < 0 ? f.timestamp : first;
                last = f.timestamp;
            }
        }
        assertTrue(pictures > 30 * (2 * RUN_SECONDS - 3), "pictures of both runs: " + pictures);
        // each run at its wall-clock place: the file spans the window, the move's gap included
        double seconds = (last - first) / 1e6;
        assertTrue(Math.abs(seconds - windowMs / 1000.0) < 2.5, "exported " + seconds + " s of a " + windowMs + " ms window");
    }

    @Test
    @Order(6)
    void aDeleteOnOneNodeRemovesTheOtherNodesFilesToo() throws Exception {
        // the first two seconds of B's run, deleted through A
        String part = "from=" + DvrTimes.seconds(runOnBFrom) + "&to=" + DvrTimes.seconds(runOnBFrom + 2000);
        List<String> segs = segmentPaths(new Playlist(TestNode.get(a, playlistPath()).body()));
        List<Path> goingOnB = new ArrayList<>();
        List<Path> stayingOnB = new ArrayList<>();
        for (String s : segs) {
            if (Files.exists(fileOn(dirB, s))) {
                (pdtOf(s) < runOnBFrom + 2000 ? goingOnB : stayingOnB).add(fileOn(dirB, s));
            }
        }
        assertTrue(goingOnB.size() >= 2 && !stayingOnB.isEmpty(), goingOnB + " / " + stayingOnB);
        HttpResponse<String> r = delete(a, part);
        assertEquals(200, r.statusCode(), r.body());
        JsonArray others = new JsonObject(r.body()).getJsonArray("otherNodes");
        assertEquals(1, others.size(), r.body());
        JsonObject onB = others.getJsonObject(0);
        assertEquals(b.dvr().index().node(), onB.getString("node"));
        assertTrue(onB.getBoolean("deleted"), r.body());
        assertTrue(onB.getInteger("files") >= goingOnB.size(), r.body());
        for (Path f : goingOnB) {
            assertFalse(Files.exists(f), "B deleted its file at A's request: " + f);
        }
        for (Path f : stayingOnB) {
            assertTrue(Files.exists(f), "outside the deleted window, kept: " + f);
        }
    }

    @Test
    @Order(7)
    void whileTheHoldingNodeIsDownItsSegmentsAre502AndADeleteReachesItsDiskWhenItRestarts() throws Exception {
        List<String> segs = segmentPaths(new Playlist(TestNode.get(a, playlistPath()).body()));
        List<String> onB = segs.stream().filter(s -> Files.exists(fileOn(dirB, s))).toList();
        List<Path> onA = segs.stream().map(s -> fileOn(dirA, s)).filter(Files::exists).toList();
        assertFalse(onB.isEmpty());
        String bNode = b.dvr().index().node();
        cluster.forget(b);
        TestNode.stop(b);

        HttpResponse<String> down = TestNode.get(a, onB.get(0));
        assertEquals(502, down.statusCode(), down.body());
        assertTrue(down.body().contains(bNode), "the answer names the node holding it: " + down.body());

        HttpResponse<String> r = delete(a, window);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject other = new JsonObject(r.body()).getJsonArray("otherNodes").getJsonObject(0);
        assertEquals(bNode, other.getString("node"));
        assertFalse(other.getBoolean("deleted"), r.body());
        assertTrue(other.getString("reason").contains("when it next starts"), r.body());
        for (Path f : onA) {
            assertFalse(Files.exists(f), "A's own file went: " + f);
        }
        for (String s : onB) {
            assertTrue(Files.exists(fileOn(dirB, s)), "nobody could delete B's file yet: " + s);
        }
        // B comes back on its data-dir: its start-up reconciliation deletes the files whose rows are gone
        b = cluster.start(1, env(dirB, pgUrl));
        assertEquals(bNode, b.dvr().index().node(), "the same disk, the same node id");
        for (String s : onB) {
            assertFalse(Files.exists(fileOn(dirB, s)), "B deleted its file when it restarted: " + s);
        }
        HttpResponse<String> after = TestNode.get(b, "/api/v1/recordings?stream=" + KEY);
        // no video left (an audio segment reaching past the window's ends may stay)
        assertTrue(after.statusCode() == 404 || video(new JsonObject(after.body())) == null, after.body());
    }

    private static HttpResponse<String> delete(Node n, String window) throws Exception {
        return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(n.httpUrl("/api/v1/recordings?stream=" + KEY + "&"
                        + window))).method("DELETE", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
