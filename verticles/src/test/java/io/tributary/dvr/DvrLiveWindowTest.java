package io.tributary.dvr;

import io.tributary.StatusException;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class DvrLiveWindowTest {

    /** An index that answers {@code rows} segments per query and counts the queries. */
    private static final class CountingIndex implements DvrIndex {
        final AtomicInteger queries = new AtomicInteger();
        final int rows;

        CountingIndex(int rows) {
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
            List<RecordedSegment> list = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                list.add(new RecordedSegment(stream, rendition, i, toMs - (rows - i) * 2000L, 2.0, 100,
                        "f" + i, 1, false, -1, 90000, "n"));
            }
            return Future.succeededFuture(list);
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

    @Test
    void windowIsRoundedUpToWholeMinutesAndClampedToTheMaximum() {
        DvrLiveWindow w = new DvrLiveWindow(new CountingIndex(0), 0, 86_400_000);
        assertEquals(86_400_000, w.windowMs("86399.001"));
        assertEquals(86_400_000, w.windowMs("86399.002"));
        assertEquals(60_000, w.windowMs("0.001"));
        assertEquals(120_000, w.windowMs("61"));
        assertEquals(7_200_000, w.windowMs("2h"));
        assertThrows(StatusException.class, () -> w.windowMs("86400.001"));
        DvrLiveWindow odd = new DvrLiveWindow(new CountingIndex(0), 0, 90_500);
        assertEquals(90_500, odd.windowMs("61"), "rounded up past dvr.max-window: clamped to it");
    }

    @Test
    void millisecondVariantsOfOneWindowShareOneFetch() {
        CountingIndex index = new CountingIndex(10);
        DvrLiveWindow w = new DvrLiveWindow(index, 0, 86_400_000);
        for (int i = 1; i <= 500; i++) {
            long ms = w.windowMs(String.format(java.util.Locale.ROOT, "86399.%03d", i));
            w.recorded("k", "v0", ms);
        }
        assertEquals(1, index.queries.get());
        assertEquals(1, w.cached());
    }

    @Test
    void cacheIsBoundedByEntriesAndRows() {
        DvrLiveWindow few = new DvrLiveWindow(new CountingIndex(1), 0, 86_400_000);
        for (int i = 1; i <= 1440; i++) {
            few.recorded("k", "v0", i * 60_000L);
        }
        assertTrue(few.cached() <= DvrLiveWindow.CACHED, "entries: " + few.cached());

        int big = DvrRoutes.MAX_ROWS; // each fetch the largest an index answers
        DvrLiveWindow heavy = new DvrLiveWindow(new CountingIndex(big), 0, 86_400_000);
        for (int i = 1; i <= 10; i++) {
            heavy.recorded("k", "v0", i * 60_000L);
        }
        assertTrue((long) heavy.cached() * big <= DvrLiveWindow.CACHED_ROWS, "entries of max rows: " + heavy.cached());
    }

    @Test
    void entriesPastTheirReuseTimeAreDropped() throws InterruptedException {
        DvrLiveWindow w = new DvrLiveWindow(new CountingIndex(1), 0, 86_400_000);
        for (int i = 1; i <= 20; i++) {
            w.recorded("k", "v0", i * 60_000L);
        }
        assertEquals(20, w.cached());
        Thread.sleep(DvrLiveWindow.REUSE_MS + 50);
        w.recorded("k", "v1", 60_000);
        assertEquals(1, w.cached());
    }

    @Test
    void pastIsRenderedOncePerLiveWindowStart() {
        CountingIndex index = new CountingIndex(5);
        DvrLiveWindow w = new DvrLiveWindow(index, 0, 86_400_000);
        DvrLiveWindow.Recorded r = w.recorded("k", "v0", 60_000).result();
        var a = r.past(5);
        assertEquals(5, a.segments());
        assertSame(a, r.past(5), "same live window start: the rendering is reused");
        assertNotSame(a, r.past(4));
        assertEquals(4, r.past(4).segments());
    }
}
