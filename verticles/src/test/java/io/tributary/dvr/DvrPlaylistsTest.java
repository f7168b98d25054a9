package io.tributary.dvr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Playlists from constructed index rows: what a player reads for each shape of recording. */
class DvrPlaylistsTest {

    static final long T0 = 1_796_600_000_000L;

    static RecordedSegment seg(String rendition, long msn, long pdt, double d, int init, boolean disc) {
        return new RecordedSegment("cam", rendition, msn, pdt, d, 1000, "cam/" + rendition + "/" + pdt + ".m4s", init, disc,
                Math.round((pdt - T0) * 90.0), 90_000, "n1");
    }

    /** {@code n} 2 s segments from {@code start}. */
    static List<RecordedSegment> run(String rendition, long start, int n, long firstMsn, int init, boolean disc) {
        List<RecordedSegment> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(seg(rendition, firstMsn + i, start + i * 2000L, 2.0, init, disc && i == 0));
        }
        return out;
    }

    private static long count(String text, String line) {
        return text.lines().filter(l -> line.startsWith("#EXT-X-DISCONTINUITY") ? l.equals(line) : l.startsWith(line)).count();
    }

    @Test
    void catchUpIsAVodPlaylistWithAPdtOnEverySegment() {
        List<RecordedSegment> segs = run("720p", T0, 30, 0, 0, false);
        DvrTimes.Window w = new DvrTimes.Window(T0 + 20_000, T0 + 40_000, false);
        List<RecordedSegment> in = DvrPlaylists.inWindow(segs, w);
        assertEquals(10, in.size());
        assertEquals(T0 + 20_000, in.get(0).pdtMillis());
        String p = DvrPlaylists.media(in, false, false);
        assertTrue(p.contains("#EXT-X-PLAYLIST-TYPE:VOD\n"));
        assertTrue(p.endsWith("#EXT-X-ENDLIST\n"));
        assertEquals(10, count(p, "#EXT-X-PROGRAM-DATE-TIME:"));
        assertEquals(10, count(p, "#EXTINF:2.00000,"));
        assertEquals(1, count(p, "#EXT-X-MAP:URI=\"init-0.mp4\""));
        assertEquals(0, count(p, "#EXT-X-DISCONTINUITY"));
        assertTrue(p.contains("#EXT-X-TARGETDURATION:2\n"));
        assertTrue(p.contains("seg-" + (T0 + 20_000) + ".m4s\n"));
    }

    @Test
    void timesAreFormattedAsTheJdkFormatsThem() {
        java.time.format.DateTimeFormatter iso = java.time.format.DateTimeFormatter
                .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(java.time.ZoneOffset.UTC);
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 10_000; i++) {
            long ms = 946_684_800_000L + (long) (r.nextDouble() * 6_000_000_000_000L);
            StringBuilder b = new StringBuilder();
            DvrPlaylists.pdt(b, ms);
            assertEquals(iso.format(java.time.Instant.ofEpochMilli(ms)), b.toString());
            double d = r.nextInt(1_000_000) / 1000.0;
            StringBuilder e = new StringBuilder();
            DvrPlaylists.seconds(e, d);
            assertEquals(String.format(java.util.Locale.ROOT, "%.5f", d), e.toString());
        }
    }

    @Test
    void aWindowEdgeInsideASegmentKeepsThatSegment() {
        List<RecordedSegment> segs = run("720p", T0, 10, 0, 0, false);
        List<RecordedSegment> in = DvrPlaylists.inWindow(segs, new DvrTimes.Window(T0 + 3_000, T0 + 7_000, false));
        assertEquals(List.of(T0 + 2000, T0 + 4000, T0 + 6000), in.stream().map(RecordedSegment::pdtMillis).toList());
    }

    @Test
    void rungsMsApartKeepTheSameSegmentsAtAWindowEdgeOnABoundary() {
        List<RecordedSegment> hi = run("720p", T0, 10, 0, 0, false);
        List<RecordedSegment> lo = run("360p", T0 - 7, 10, 0, 0, false); // cut 7 ms earlier
        DvrTimes.Window w = new DvrTimes.Window(T0 + 4_000, T0 + 10_000, false);
        assertEquals(3, DvrPlaylists.inWindow(hi, w).size());
        assertEquals(3, DvrPlaylists.inWindow(lo, w).size());
    }

    @Test
    void reconnectAndGapAreDiscontinuitiesAndTheGapIsNotMedia() {
        List<RecordedSegment> segs = new ArrayList<>(run("720p", T0, 5, 10, 0, false));
        // the publisher reconnected at once: msn restarts, a new init
        segs.addAll(run("720p", T0 + 10_000, 5, 0, 1, true));
        // an hour of nothing, then the same publisher session again
        segs.addAll(run("720p", T0 + 20_000 + 3_600_000, 5, 5, 1, false));
        String p = DvrPlaylists.media(segs, false, false);
        assertEquals(2, count(p, "#EXT-X-DISCONTINUITY"));
        assertEquals(15, count(p, "#EXTINF:"));
        assertEquals(2, count(p, "#EXT-X-MAP:"), "one per init version");
        String[] lines = p.split("\n");
        int disc = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].equals("#EXT-X-DISCONTINUITY")) {
                disc++;
                // the first segment after each break: the reconnect's, then the one after the hour
                String uri = lines[i + (disc == 1 ? 4 : 3)];
                assertEquals("seg-" + (disc == 1 ? T0 + 10_000 : T0 + 20_000 + 3_600_000) + ".m4s", uri);
            }
        }
    }

    @Test
    void startOverIsAnEventPlaylistEndedOnlyWhenTheStreamIs() {
        List<RecordedSegment> segs = run("720p", T0, 4, 0, 0, false);
        String growing = DvrPlaylists.media(segs, true, false);
        assertTrue(growing.contains("#EXT-X-PLAYLIST-TYPE:EVENT\n"));
        assertFalse(growing.contains("#EXT-X-ENDLIST"));
        String ended = DvrPlaylists.media(segs, true, true);
        assertTrue(ended.endsWith("#EXT-X-ENDLIST\n"));
    }

    @Test
    void multivariantListsEveryRungAndTheAudioWithTheWindow() {
        List<RecordedRendition> rs = List.of(
                new RecordedRendition("cam", "360p", "avc1.64001e", 640, 360, 800_000, false, T0, T0 + 60_000),
                new RecordedRendition("cam", "720p", "avc1.64001f", 1280, 720, 2_500_000, false, T0, T0 + 60_000),
                new RecordedRendition("cam", "audio", "mp4a.40.2", 0, 0, 128_000, true, T0, T0 + 60_000));
        String p = DvrPlaylists.multivariant(rs, "from=1796600020&to=1796600040");
        assertTrue(p.contains("URI=\"audio/index.m3u8?from=1796600020&to=1796600040\""));
        int hi = p.indexOf("720p/index.m3u8?from=1796600020&to=1796600040");
        int lo = p.indexOf("360p/index.m3u8?from=1796600020&to=1796600040");
        assertTrue(hi > 0 && lo > hi, "highest rung first");
        assertTrue(p.contains("RESOLUTION=1280x720"));
        assertTrue(p.contains("CODECS=\"avc1.64001f,mp4a.40.2\""));
    }
}
