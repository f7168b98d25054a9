package io.tributary.dvr;

import io.tributary.Node;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.ApiPublisher;
import io.tributary.testing.LiveNode;
import io.tributary.testing.PgServers;
import io.tributary.testing.Playlist;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real node records what a real publisher sends: every completed segment of every rendition is
 * a file under data-dir/dvr with the live segment's bytes and a row in PostgreSQL; a restart keeps
 * the rows and reconciles the files; retention, the disk limit, a failing disk and the recordings
 * API do what an operator would see.
 */
class DvrRecordingTest {

    private static final long FAR = Long.MAX_VALUE / 2;

    @TempDir
    Path dataDir;
    private final List<AutoCloseable> closers = new ArrayList<>();
    private String pgUrl;

    @AfterEach
    void close() throws Exception {
        for (int i = closers.size() - 1; i >= 0; i--) {
            closers.get(i).close();
        }
        PgServers.drop(pgUrl);
    }

    /** The live segments a test subscriber saw, by rendition and PDT: their bytes. */
    private static final class Seen {
        final Map<String, byte[]> segments = new ConcurrentHashMap<>();
        final Map<String, byte[]> inits = new ConcurrentHashMap<>();

        void on(TimelineEvent e) {
            if (e instanceof TimelineEvent.SegmentCompleted s) {
                segments.put(s.rendition() + "@" + s.programDateTime(), bytes(s.chunks()));
                ByteBuffer init = s.init().duplicate();
                byte[] b = new byte[init.remaining()];
                init.get(b);
                inits.put(s.rendition() + "@" + s.programDateTime(), b);
            }
        }
    }

    private static byte[] bytes(ByteBuffer[] chunks) {
        int n = 0;
        for (ByteBuffer c : chunks) {
            n += c.remaining();
        }
        byte[] out = new byte[n];
        int at = 0;
        for (ByteBuffer c : chunks) {
            ByteBuffer d = c.duplicate();
            int len = d.remaining();
            d.get(out, at, len);
            at += len;
        }
        return out;
    }

    private Node node(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DVR_ENABLED", "true");
        env.put("TRIBUTARY_DATA_DIR", dataDir.toString());
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.putAll(extra);
        Node node = TestNode.start(env);
        closers.add(() -> TestNode.stop(node));
        return node;
    }

    private static Seen watch(Node node, String stream) {
        Seen seen = new Seen();
        node.streams().events().subscribe("test", node.vertx().getOrCreateContext(),
                TimelineEvents.DEFAULT_CAPACITY, e -> e.stream().equals(stream), seen::on);
        return seen;
    }

    /** Bytes of every recorded file (segments and inits) under the root. */
    private static long recordedBytesOnDisk(Path root) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("node-id"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<RecordedSegment> rows(Node node, String stream) {
        DvrIndex index = node.dvr().index();
        List<RecordedSegment> out = new ArrayList<>();
        for (RecordedRendition r : await(index.renditions(stream, 0, FAR))) {
            out.addAll(await(index.segments(stream, r.rendition(), 0, FAR, 100_000)));
        }
        return out;
    }

    private static ApiPublisher publisher(Node node, String key, double seconds) {
        try (SyntheticAvSource source = LiveNode.smallSource()) {
            return new ApiPublisher(node, key, source, seconds);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> send(Node node, String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(node.httpUrl(path))).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(20)).build();
        return TestNode.HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "external"})
    void recordsEverySegmentListsTheGapDeletesARangeAndSurvivesARestart(String column) throws Exception {
        Map<String, String> pg = PgServers.env(column);
        pgUrl = pg.get("TRIBUTARY_PG_URL");
        Node node = node(pg);
        Seen seen = watch(node, "cam");
        ApiPublisher publisher = publisher(node, "cam", 17);
        // 8 s, a 4 s pause (within the reconnect grace: the same live stream, a discontinuity), 8 s more
        publisher.start();
        sleep(8000);
        publisher.drop();
        sleep(4000);
        publisher.start();
        sleep(8500);
        publisher.drop();
        TestNode.await("the publisher's last segments closed", Duration.ofSeconds(10), () -> seen.segments.size() >= 16);
        int live = seen.segments.size();
        TestNode.await("a row for each of the " + live + " completed segments", Duration.ofSeconds(10),
                () -> rows(node, "cam").size() == seen.segments.size());
        List<RecordedSegment> rows = rows(node, "cam");
        Path root = node.dvr().index().root();

        // every row names a complete file holding exactly the live segment's bytes
        long rowBytes = 0;
        long liveBytes = 0;
        for (RecordedSegment r : rows) {
            byte[] expected = seen.segments.get(r.rendition() + "@" + r.pdtMillis());
            assertNotNull(expected, "a recorded segment the stream completed: " + r);
            Path file = root.resolve(r.file());
            assertArrayEquals(expected, Files.readAllBytes(file), r.file());
            assertEquals(expected.length, r.size());
            assertEquals("cam", r.stream());
            assertEquals(node.dvr().index() instanceof PgDvrIndex p ? p.node() : "", r.node());
            rowBytes += r.size();
            liveBytes += expected.length;
        }
        assertEquals(liveBytes, rowBytes);
        assertEquals(List.of("video", "audio"), await(node.dvr().index().renditions("cam", 0, FAR)).stream()
                .map(RecordedRendition::rendition).toList());
        try (Stream<Path> files = Files.walk(root.resolve("cam"))) {
            assertEquals(rows.size(), files.filter(p -> p.toString().endsWith(".m4s")).count(), "no file without its row");
        }
        // the init a segment names holds the live init's bytes
        RecordedSegment first = rows.get(0);
        Path init = await(node.dvr().index().initFile("cam", first.rendition(), first.initVersion())).orElseThrow();
        assertArrayEquals(seen.inits.get(first.rendition() + "@" + first.pdtMillis()), Files.readAllBytes(init));
        // the first segment and the first after the pause start after a discontinuity
        for (String rendition : List.of("video", "audio")) {
            List<RecordedSegment> of = rows.stream().filter(r -> r.rendition().equals(rendition)).toList();
            assertTrue(of.get(0).discontinuity());
            assertEquals(1, of.stream().skip(1).filter(RecordedSegment::discontinuity).count(), rendition + ": " + of);
        }
        Scrape metrics = Scrape.of(node);
        assertEquals(rows.size(), metrics.value("tributary_dvr_segments_total"), 0.1);
        assertTrue(metrics.value("tributary_dvr_recorded_bytes_total") >= rowBytes);
        assertEquals(0, metrics.value("tributary_dvr_write_errors_total"), 0.1);

        // the recordings API: two ranges per rendition, the pause between them a gap
        HttpResponse<String> list = TestNode.get(node, "/api/v1/recordings?stream=cam");
        assertEquals(200, list.statusCode(), list.body());
        assertEquals(null, list.headers().firstValue("Access-Control-Allow-Origin").orElse(null), "an operator route: no CORS");
        JsonArray renditions = new JsonObject(list.body()).getJsonArray("renditions");
        assertEquals(2, renditions.size(), list.body());
        JsonObject video = renditions.getJsonObject(0).getString("rendition").equals("video")
                ? renditions.getJsonObject(0) : renditions.getJsonObject(1);
        assertEquals(2, video.getJsonArray("ranges").size(), list.body());
        double gap = video.getJsonArray("gaps").getJsonObject(0).getDouble("seconds");
        assertTrue(gap > 2.5 && gap < 6, "the 4 s pause, give or take a segment: " + gap);
        long videoBytes = rows.stream().filter(r -> r.rendition().equals("video")).mapToLong(RecordedSegment::size).sum();
        assertEquals(videoBytes, video.getLong("bytes"));

        // bad requests name what is wrong
        assertEquals(404, TestNode.get(node, "/api/v1/recordings?stream=nobody").statusCode());
        HttpResponse<String> bad = TestNode.get(node, "/api/v1/recordings?stream=cam&from=yesterday");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("from"), bad.body());
        assertTrue(bad.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertEquals(400, TestNode.get(node, "/api/v1/recordings?stream=cam&from=200&to=100").statusCode());
        // an ISO year Instant.parse takes but epoch milliseconds cannot hold: a 400, not a 500
        HttpResponse<String> huge = TestNode.get(node, "/api/v1/recordings?stream=cam&from=-300000000-01-01T00:00:00Z");
        assertEquals(400, huge.statusCode(), huge.body());
        assertTrue(huge.body().contains("from"), huge.body());
        HttpResponse<String> hugeDelete = send(node, "DELETE", "/api/v1/recordings?stream=cam&from=2026-12-07T00:00:00Z"
                + "&to=%2B300000000-01-01T00:00:00Z");
        assertEquals(400, hugeDelete.statusCode(), hugeDelete.body());
        assertTrue(hugeDelete.body().contains("to"), hugeDelete.body());
        assertEquals(400, send(node, "DELETE", "/api/v1/recordings?stream=cam").statusCode(), "a window is required");

        // DELETE the first range: its rows and files go, the second range stays
        JsonObject firstRange = video.getJsonArray("ranges").getJsonObject(0);
        HttpResponse<String> deleted = send(node, "DELETE", "/api/v1/recordings?stream=cam&from=" + firstRange.getString("from")
                + "&to=" + firstRange.getString("to"));
        assertEquals(200, deleted.statusCode(), deleted.body());
        List<RecordedSegment> kept = rows(node, "cam");
        int deletedCount = new JsonObject(deleted.body()).getInteger("segments");
        assertEquals(rows.size() - deletedCount, kept.size());
        assertTrue(deletedCount >= 6, deleted.body());
        long firstRangeEnd = java.time.Instant.parse(firstRange.getString("to")).toEpochMilli();
        assertTrue(kept.stream().allMatch(r -> r.pdtMillis() >= firstRangeEnd), "only the first range went");
        for (RecordedSegment r : rows) {
            assertEquals(kept.contains(r), Files.exists(root.resolve(r.file())), r.file());
        }
        JsonObject after = new JsonObject(TestNode.get(node, "/api/v1/recordings?stream=cam").body());
        assertEquals(1, after.getJsonArray("renditions").getJsonObject(0).getJsonArray("ranges").size());

        // a crash's leftovers: a row whose file is gone, a file without a row, a write cut short
        RecordedSegment lost = kept.get(0);
        Files.delete(root.resolve(lost.file()));
        Path orphan = root.resolve(DvrFiles.segmentFile("cam", "video", lost.pdtMillis() - 3_600_000));
        Files.createDirectories(orphan.getParent());
        Files.write(orphan, new byte[]{1, 2, 3});
        Path temp = root.resolve(kept.get(1).file() + ".x" + DvrFiles.TEMP_SUFFIX);
        Files.write(temp, new byte[]{4});
        TestNode.stop(node);
        closers.clear();

        Node again = node(pg);
        List<RecordedSegment> restarted = rows(again, "cam");
        assertEquals(kept.size() - 1, restarted.size(), "the row without its file is dropped, the others kept");
        assertFalse(restarted.contains(lost));
        assertFalse(Files.exists(orphan), "the file without a row is deleted");
        assertFalse(Files.exists(temp), "the interrupted write is deleted");
        for (RecordedSegment r : restarted) {
            assertEquals(r.size(), Files.size(root.resolve(r.file())));
        }
        assertEquals(recordedBytesOnDisk(root), Scrape.of(again).value("tributary_dvr_disk_used_bytes"), 0.1,
                "used bytes are what is on disk (segments and inits)");
    }

    @Test
    void retentionOfSecondsRemovesFilesAndRowsAndRulesSwitchKeysOff() throws Exception {
        Node node = node(Map.of("TRIBUTARY_DVR_RULES", "test-*=off,cam*=8s", "TRIBUTARY_DVR_RETENTION_INTERVAL", "500ms"));
        ApiPublisher cam = publisher(node, "cam", 20).start();
        ApiPublisher test = publisher(node, "test-1", 20).start();
        closers.add(cam);
        closers.add(test);
        sleep(17_000);
        List<RecordedSegment> rows = rows(node, "cam");
        assertFalse(rows.isEmpty(), "the last 8 s are kept");
        long oldest = rows.stream().mapToLong(RecordedSegment::pdtMillis).min().orElseThrow();
        // kept 8 s, enforced every 0.5 s; a segment goes once it began 8 s ago (the pass itself may take a moment)
        assertTrue(System.currentTimeMillis() - oldest < 8000 + 500 + 2500,
                "nothing much older than the retention is left: " + (System.currentTimeMillis() - oldest) + " ms");
        assertTrue(Scrape.of(node).value("tributary_dvr_expired_segments_total") > 0);
        assertFalse(await(node.dvr().index().knows("test-1")), "test-*=off is not recorded");
        assertFalse(Files.exists(node.dvr().index().root().resolve("test-1")));
        cam.drop();
        TestNode.await("every row and file of cam gone after the retention", Duration.ofSeconds(15), () -> {
            try (Stream<Path> files = Files.walk(node.dvr().index().root().resolve("cam"))) {
                return rows(node, "cam").isEmpty() && files.noneMatch(p -> p.toString().endsWith(".m4s"));
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void theDiskLimitEvictsTheOldestFirst() throws Exception {
        long max = 150 * 1024;
        Node node = node(Map.of("TRIBUTARY_DVR_MAX_DISK", "150KB", "TRIBUTARY_DVR_RETENTION_INTERVAL", "500ms"));
        Seen seen = watch(node, "cam");
        ApiPublisher cam = publisher(node, "cam", 16).start();
        closers.add(cam);
        sleep(15_000);
        cam.drop();
        long written = seen.segments.values().stream().mapToLong(b -> b.length).sum();
        assertTrue(written > 2 * max, "the test needs more media than the limit: " + written + " bytes");
        TestNode.await("every segment recorded, and the recordings under the limit", Duration.ofSeconds(10), () -> {
            Scrape m = Scrape.of(node);
            return m.value("tributary_dvr_segments_total") == seen.segments.size()
                    && m.value("tributary_dvr_disk_used_bytes") <= max;
        });
        assertTrue(Scrape.of(node).value("tributary_dvr_evictions_total") > 0);
        List<RecordedSegment> rows = rows(node, "cam");
        assertFalse(rows.isEmpty());
        // what is left is the newest of each rendition: every segment seen after the oldest kept one is kept
        for (String rendition : List.of("video", "audio")) {
            List<Long> kept = rows.stream().filter(r -> r.rendition().equals(rendition)).map(RecordedSegment::pdtMillis).sorted().toList();
            assertFalse(kept.isEmpty(), rendition);
            List<Long> newer = seen.segments.keySet().stream().filter(k -> k.startsWith(rendition + "@"))
                    .map(k -> Long.parseLong(k.substring(k.indexOf('@') + 1))).filter(p -> p >= kept.get(0)).sorted().toList();
            assertEquals(newer, kept, rendition + ": the kept segments are a run up to the newest");
            assertTrue(seen.segments.keySet().stream().anyMatch(k -> k.startsWith(rendition + "@")
                    && Long.parseLong(k.substring(k.indexOf('@') + 1)) < kept.get(0)), rendition + ": older ones were evicted");
        }
        long onDisk = recordedBytesOnDisk(node.dvr().index().root());
        assertTrue(onDisk <= max, "bytes on disk " + onDisk);
    }

    @Test
    void aFailingDiskStopsRecordingAndLiveGoesOn() throws Exception {
        Node node = node(Map.of());
        // where the stream's recordings would go is a file: every write under it fails, as on a read-only disk
        Path blocked = node.dvr().index().root().resolve("cam");
        Files.write(blocked, new byte[]{0});
        ApiPublisher cam = publisher(node, "cam", 12).start();
        closers.add(cam);
        LiveNode.awaitSegments(node, "cam", "video", 2, Duration.ofSeconds(15));
        TestNode.await("a write error counted", Duration.ofSeconds(10),
                () -> Scrape.of(node).value("tributary_dvr_write_errors_total") >= 1);
        Scrape s = Scrape.of(node);
        assertEquals(1, s.value("tributary_dvr_recording_stopped"), 0.1);
        Playlist before = LiveNode.awaitSegments(node, "cam", "video", 2, Duration.ofSeconds(5));
        long lastBefore = before.segments().get(before.segments().size() - 1).msn();
        Playlist later = LiveNode.awaitPlaylist(node, "/live/cam/video/index.m3u8", "a newer segment",
                p -> !p.segments().isEmpty() && p.segments().get(p.segments().size() - 1).msn() > lastBefore + 1, Duration.ofSeconds(10));
        assertNotNull(later);
        assertFalse(await(node.dvr().index().knows("cam")), "nothing indexed without its file");
        assertTrue(Scrape.of(node).value("tributary_dvr_skipped_segments_total", "reason=\"disk\"") >= 1,
                "segments completed while stopped are counted as skipped");
    }
}
