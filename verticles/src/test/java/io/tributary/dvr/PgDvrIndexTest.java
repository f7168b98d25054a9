package io.tributary.dvr;

import io.tributary.db.PgSettings;
import io.tributary.db.Postgres;
import io.tributary.testing.PgServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The index's queries on both PostgreSQL columns, on rows written the way the recorder writes
 * them (one multi-row INSERT): windows, rendition order, ranges and gaps, deletion of a range.
 */
class PgDvrIndexTest {

    @TempDir
    Path dataDir;
    private Vertx vertx;
    private Postgres pg;
    private String url;

    @AfterEach
    void close() throws Exception {
        if (pg != null) {
            await(pg.close());
        }
        if (vertx != null) {
            await(vertx.close());
        }
        PgServers.drop(url);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static final long T0 = 1_800_000_000_000L;

    private static RecordedSegment seg(String rendition, long msn, long pdt, double duration, boolean disc) {
        return new RecordedSegment("cam", rendition, msn, pdt, duration, 1000 + msn,
                DvrFiles.segmentFile("cam", rendition, pdt), 0, disc, msn * 90_000 * 2, 90_000, "n1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "external"})
    void windowsRangesGapsAndDeletion(String column) throws Exception {
        PgSettings settings = PgServers.settings(column);
        url = settings.url();
        vertx = Vertx.vertx();
        pg = await(Postgres.start(vertx, settings, dataDir));
        PgDvrIndex index = new PgDvrIndex(pg.pool(), dataDir.resolve("dvr"), "n1");
        // 720p and audio: 10 segments of 2 s, a 60 s gap, 5 more (after a discontinuity); 360p only the first run
        List<RecordedSegment> rows = new ArrayList<>();
        for (String r : List.of("720p", "360p", "audio")) {
            for (int i = 0; i < 10; i++) {
                rows.add(seg(r, i, T0 + i * 2000L, 2.0, i == 0));
            }
            if (!r.equals("360p")) {
                for (int i = 10; i < 15; i++) {
                    rows.add(seg(r, i, T0 + 80_000 + (i - 10) * 2000L, 2.0, i == 10));
                }
            }
        }
        assertEquals(rows.size(), await(index.insert(rows)));
        assertEquals(0, await(index.insert(rows.subList(0, 3))), "a row already there is kept, not doubled");
        await(index.rendition("cam", "720p", "avc1.64001f", 1280, 720, 3_000_000, false));
        await(index.rendition("cam", "360p", "avc1.64001e", 640, 360, 800_000, false));
        await(index.rendition("cam", "audio", "mp4a.40.2", 0, 0, 130_000, true));

        assertTrue(await(index.knows("cam")));
        long[] span = await(index.span("cam"));
        assertEquals(T0, span[0]);
        assertEquals(T0 + 90_000, span[1], "the end of the last segment of any rendition");
        assertEquals(0, await(index.span("other")).length);
        assertFalse(await(index.knows("other")));

        List<RecordedRendition> all = await(index.renditions("cam", 0, Long.MAX_VALUE / 2));
        assertEquals(List.of("720p", "360p", "audio"), all.stream().map(RecordedRendition::rendition).toList(),
                "video highest first, then audio");
        assertEquals(T0, all.get(0).firstPdtMillis());
        assertEquals(T0 + 90_000, all.get(0).lastPdtMillis());
        assertEquals(T0 + 20_000, all.get(1).lastPdtMillis());
        assertEquals("avc1.64001f", all.get(0).codecs());
        assertEquals(720, all.get(0).height());
        assertTrue(all.get(2).audio());

        // a window starting inside segment 3 and ending inside segment 5: 3, 4, 5
        List<RecordedSegment> window = await(index.segments("cam", "720p", T0 + 7000, T0 + 10_500, 100));
        assertEquals(List.of(3L, 4L, 5L), window.stream().map(RecordedSegment::msn).toList());
        assertEquals(rows.get(3), window.get(0), "every column comes back as written");
        assertEquals(2, await(index.segments("cam", "720p", 0, Long.MAX_VALUE / 2, 2)).size(), "the limit holds");
        // the gap's window: only the 720p and audio second runs are later
        assertEquals(List.of("720p", "audio"), await(index.renditions("cam", T0 + 30_000, T0 + 200_000)).stream()
                .map(RecordedRendition::rendition).toList());

        List<PgDvrIndex.Range> ranges = await(index.ranges("cam", 0, Long.MAX_VALUE / 2, 1000, 100));
        List<PgDvrIndex.Range> video = ranges.stream().filter(r -> r.rendition().equals("720p")).toList();
        assertEquals(2, video.size(), "the 60 s pause is a gap: " + ranges);
        assertEquals(new PgDvrIndex.Range("720p", T0, T0 + 20_000, 10 * 1000 + 45, 10), video.get(0));
        assertEquals(T0 + 80_000, video.get(1).fromMs());
        assertEquals(1, ranges.stream().filter(r -> r.rendition().equals("360p")).count());

        // deleting the first run removes every rendition's segments overlapping it, and only those
        List<PgDvrIndex.Removed> removed = await(index.deleteRange("cam", T0, T0 + 20_000));
        assertEquals(30, removed.size());
        assertTrue(removed.stream().allMatch(r -> r.node().equals("n1") && r.file().startsWith("cam/")));
        assertEquals(List.of("720p", "audio"), await(index.renditions("cam", 0, Long.MAX_VALUE / 2)).stream()
                .map(RecordedRendition::rendition).toList());
        assertEquals(T0 + 80_000, await(index.span("cam"))[0], "the span follows the deletion");

        // init versions: the newest digest, and whether this node has a copy
        await(index.insertInit("cam", "720p", 0, DvrFiles.initFile("cam", "720p", 0), 700, "aa"));
        await(index.insertInit("cam", "720p", 1, DvrFiles.initFile("cam", "720p", 1), 710, "bb"));
        Object[] latest = await(index.latestInit("cam", "720p"));
        assertEquals(1, latest[0]);
        assertEquals("bb", latest[1]);
        assertEquals(true, latest[2]);
        Optional<Path> init = await(index.initFile("cam", "720p", 1));
        assertEquals(dataDir.resolve("dvr").toAbsolutePath().normalize().resolve("cam/720p/init-1.mp4"), init.orElseThrow());
        assertTrue(await(index.initFile("cam", "720p", 7)).isEmpty());
    }
}
