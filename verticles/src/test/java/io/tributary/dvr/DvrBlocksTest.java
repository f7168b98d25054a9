package io.tributary.dvr;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Playlists assembled from blocks are byte for byte the playlists rendered from the index rows of the
 * window, for windows cutting blocks anywhere, across gaps, reconnects and codec changes; closed blocks are
 * read from the index once.
 */
class DvrBlocksTest {

    private static final long H = 3_600_000;
    /** A whole hour: windows start anywhere in it. */
    private static final long T0 = 1_796_598_000_000L - 1_796_598_000_000L % H;

    /** Rows in memory: answers the window and start-range queries as PostgreSQL does, and counts them. */
    private static final class ListIndex implements DvrIndex {
        final List<RecordedSegment> rows;
        final AtomicInteger queries = new AtomicInteger();

        ListIndex(List<RecordedSegment> rows) {
            this.rows = rows;
        }

        @Override
        public Future<Boolean> knows(String stream) {
            return Future.succeededFuture(true);
        }

        @Override
        public Future<List<RecordedRendition>> renditions(String stream, long fromMs, long toMs) {
            return Future.succeededFuture(List.of());
        }

        @Override
        public Future<List<RecordedSegment>> segments(String stream, String rendition, long fromMs, long toMs, int limit) {
            queries.incrementAndGet();
            return Future.succeededFuture(rows.stream().filter(r -> r.pdtMillis() < toMs && r.endMillis() > fromMs)
                    .limit(limit).toList());
        }

        @Override
        public Future<List<RecordedSegment>> segmentsStarting(String stream, String rendition, long fromPdtMs, long toPdtMs,
                                                              int limit) {
            queries.incrementAndGet();
            return Future.succeededFuture(rows.stream().filter(r -> r.pdtMillis() >= fromPdtMs && r.pdtMillis() < toPdtMs)
                    .limit(limit).toList());
        }

        @Override
        public Future<Optional<Path>> initFile(String stream, String rendition, int initVersion) {
            return Future.succeededFuture(Optional.empty());
        }

        @Override
        public Path root() {
            return Path.of("/nonexistent");
        }
    }

    /** 30 h of mostly 2 s segments with reconnects, an hour-long gap, odd durations and an init change. */
    private static List<RecordedSegment> recording(long seed) {
        Random rnd = new Random(seed);
        List<RecordedSegment> out = new ArrayList<>();
        long t = T0 + 1234;
        int init = 0;
        long msn = 0;
        while (t < T0 + 30 * H) {
            boolean disc = false;
            if (rnd.nextInt(2000) == 0) {
                t += 3_600_000 + rnd.nextInt(60_000); // nothing published for an hour
                disc = true;
                msn = 0;
            } else if (rnd.nextInt(1500) == 0) {
                t += rnd.nextInt(5000); // the publisher reconnected
                disc = true;
                msn = 0;
            }
            if (rnd.nextInt(3000) == 0) {
                init++;
            }
            double d = rnd.nextInt(20) == 0 ? 1.0 + rnd.nextInt(3000) / 1000.0 : 2.0;
            out.add(new RecordedSegment("cam", "720p", msn++, t, d, 1000, "cam/720p/" + t + ".m4s", init, disc, -1, 90_000, "n1"));
            t += Math.round(d * 1000);
        }
        return out;
    }

    private static String rendered(DvrBlocks blocks, DvrTimes.Window w, long now, boolean event, boolean ended) {
        List<DvrBlocks.Piece> pieces = blocks.window("cam", "720p", w, now).result();
        return DvrPlaylists.mediaOf(pieces, event, ended).toString(StandardCharsets.US_ASCII);
    }

    @Test
    void assembledPlaylistsEqualRenderingTheWindowsRows() {
        List<RecordedSegment> rows = recording(7);
        ListIndex index = new ListIndex(rows);
        DvrBlocks blocks = new DvrBlocks(index, 256L << 20, 600_000);
        long now = T0 + 30 * H + 10 * 60_000; // the last blocks are still open
        Random rnd = new Random(11);
        int whole = 0;
        for (int i = 0; i < 300; i++) {
            long from = T0 + (long) (rnd.nextDouble() * 29 * H);
            long length = i % 3 == 0 ? 24 * H : 1000 + (long) (rnd.nextDouble() * 6 * H);
            DvrTimes.Window w = new DvrTimes.Window(from, Math.min(from + length, now), i % 7 == 0);
            String expected = DvrPlaylists.media(DvrPlaylists.inWindow(rows, w), w.open(), i % 2 == 0);
            assertEquals(expected, rendered(blocks, w, now, w.open(), i % 2 == 0), "window " + w);
            whole += blocks.window("cam", "720p", w, now).result().stream().filter(DvrBlocks.Piece::whole).count();
        }
        assertTrue(whole > 1000, "most blocks of long windows come whole: " + whole);
    }

    @Test
    void closedBlocksAreReadOnceAndForgetReadsThemAgain() {
        List<RecordedSegment> rows = recording(3);
        ListIndex index = new ListIndex(rows);
        DvrBlocks blocks = new DvrBlocks(index, 256L << 20, 600_000);
        long now = T0 + 30 * H + 10 * 60_000;
        DvrTimes.Window day = new DvrTimes.Window(T0 + 2 * H + 5000, T0 + 26 * H + 5000, false);
        String first = rendered(blocks, day, now, false, false);
        int afterFirst = index.queries.get();
        assertTrue(afterFirst <= 2, "one read of the missing blocks: " + afterFirst);
        for (int i = 1; i <= 20; i++) { // other windows over the same closed blocks: no more reads
            DvrTimes.Window w = new DvrTimes.Window(day.fromMs() + i * 60_000, day.toMs() - i * 60_000, false);
            rendered(blocks, w, now, false, false);
        }
        assertEquals(afterFirst, index.queries.get(), "closed blocks come from memory");
        assertEquals(first, rendered(blocks, day, now, false, false));
        long kept = blocks.bytes();
        blocks.forget("other", Long.MIN_VALUE, Long.MAX_VALUE);
        assertEquals(kept, blocks.bytes(), "another stream's deletion keeps these");
        blocks.forget("cam", Long.MIN_VALUE, T0 + 3 * H); // retention up to an hour into the window
        assertTrue(blocks.bytes() < kept && blocks.bytes() > kept * 3 / 4, "only the blocks before the cutoff go");
        rendered(blocks, day, now, false, false);
        assertEquals(afterFirst + 1, index.queries.get(), "the forgotten hour is read again, in one query");
        blocks.forget("cam", Long.MIN_VALUE, Long.MAX_VALUE);
        assertEquals(0, blocks.bytes());
    }

    @Test
    void openBlocksAreReadEveryTime() {
        List<RecordedSegment> rows = new ArrayList<>(recording(5));
        ListIndex index = new ListIndex(rows);
        DvrBlocks blocks = new DvrBlocks(index, 256L << 20, 600_000);
        RecordedSegment last = rows.get(rows.size() - 1);
        long now = last.endMillis() + 1000;
        DvrTimes.Window startOver = new DvrTimes.Window(now - 3 * H, now, true);
        String before = rendered(blocks, startOver, now, true, false);
        // the recorder adds a segment: a start-over playlist lists it at once
        RecordedSegment next = new RecordedSegment("cam", "720p", last.msn() + 1, last.endMillis(), 2.0, 1000, "x",
                last.initVersion(), false, -1, 90_000, "n1");
        rows.add(next);
        DvrTimes.Window later = new DvrTimes.Window(now - 3 * H, now + 2000, true);
        String after = rendered(blocks, later, now + 2000, true, false);
        assertTrue(after.contains("seg-" + next.pdtMillis() + ".m4s"), "the new segment is listed");
        assertTrue(!before.contains("seg-" + next.pdtMillis() + ".m4s"));
    }
}
