package io.tributary.dvr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.PgServers;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * DVR playback end to end on a real node: a 720p publish transcoded to the seed ladder
 * (720p passed through, 360p encoded) is recorded by the node's recorder into its embedded
 * PostgreSQL and data-dir; the publisher then reconnects for a few more seconds. The same suite
 * runs on the external PostgreSQL in {@link DvrPlaybackExternalPgTest}. FFmpeg
 * (through JavaCV) plays the catch-up window as HLS and DASH and reads the export; ImageIO
 * decodes the thumbnail. Start-over and the live seek-back are watched while the stream is live.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DvrPlaybackTest {

    private static final String KEY = "dvrplay";
    private static final double FIRST_SECONDS = 34;
    private static final double SECOND_SECONDS = 8;

    private Path dataDir;
    private LiveNode live;
    private Node node;
    /** PDT of the first recorded segment (ms). */
    private long t0;
    private final List<String> startOver = new ArrayList<>();
    private String startOverEnded;
    private String seekBack;
    private String seekBackLiveOnly;
    private String seekBackBlocked;
    private long seekBackAskedMsn;
    private HttpResponse<String> seekBackBad;

    @BeforeAll
    void recordTwoPublications() throws Exception {
        dataDir = Files.createTempDirectory("dvrplay");
        Map<String, String> env = new java.util.HashMap<>(Map.of("TRIBUTARY_DVR_ENABLED", "true",
                "TRIBUTARY_DATA_DIR", dataDir.toString(), "TRIBUTARY_DVR_MAX_WINDOW", "10m"));
        env.putAll(pgEnv());
        pgUrl = env.get("TRIBUTARY_PG_URL");
        live = LiveNode.start(env);
        node = live.node();
        SyntheticAvSource first = new SyntheticAvSource(1280, 720, 30, 60, 0, true);
        List<io.tributary.media.MediaSample> firstMedia = first.next(FIRST_SECONDS);
        List<io.tributary.media.MediaSample> secondMedia = first.next(SECOND_SECONDS);
        TestPublication a = live.publish(KEY, first).sendPacedInBackground(firstMedia);
        live.awaitSegmentsInEach(KEY, List.of("720p", "360p"), 1, Duration.ofSeconds(40));
        Playlist early = new Playlist(TestNode.get(node, "/live/" + KEY + "/720p/index.m3u8").body());
        assertEquals(0, early.mediaSequence());
        t0 = Instant.parse(early.tag("EXT-X-PROGRAM-DATE-TIME").value()).toEpochMilli();
        String from = DvrTimes.seconds(t0);

        // start-over while live: an EVENT playlist that grows
        // (the first rows may not be indexed yet: 404 until they are)
        TestNode.await("start-over lists 3 segments", Duration.ofSeconds(30), () -> {
            HttpResponse<String> r = TestNode.get(node, "/dvr/" + KEY + "/720p/index.m3u8?from=" + from);
            return r.statusCode() == 200 && segments(r.body()) >= 3;
        });
        startOver.add(get("/dvr/" + KEY + "/720p/index.m3u8?from=" + from));
        TestNode.await("start-over grows", Duration.ofSeconds(20), () ->
                segments(get("/dvr/" + KEY + "/720p/index.m3u8?from=" + from)) >= segments(startOver.get(0)) + 2);
        startOver.add(get("/dvr/" + KEY + "/720p/index.m3u8?from=" + from));

        // the live seek-back once the live window (10 segments) no longer holds the start
        TestNode.await("the live window slides past msn 0", Duration.ofSeconds(40), () ->
                new Playlist(get("/live/" + KEY + "/720p/index.m3u8")).mediaSequence() >= 3);
        seekBackLiveOnly = get("/live/" + KEY + "/720p/index.m3u8");
        seekBack = get("/live/" + KEY + "/720p/index.m3u8?dvr=5m");
        Playlist sb = new Playlist(seekBack);
        seekBackAskedMsn = sb.segments().get(sb.segments().size() - 1).msn() + 1;
        seekBackBlocked = get("/live/" + KEY + "/720p/index.m3u8?dvr=5m&_HLS_msn=" + seekBackAskedMsn);
        seekBackBad = TestNode.get(node, "/live/" + KEY + "/720p/index.m3u8?dvr=forever");

        a.joinSender(60_000);
        a.rtmp().close(); // the publisher drops ...
        Thread.sleep(1500);
        // ... and reconnects within the grace: the same live stream goes on after a discontinuity
        SyntheticAvSource again = new SyntheticAvSource(1280, 720, 30, 60, 0, true);
        TestPublication b = live.publish(KEY, again).sendPacedInBackground(SECOND_SECONDS);
        b.joinSender(60_000);
        b.rtmp().close();
        TestNode.await("start-over ends with ENDLIST", Duration.ofSeconds(60), () ->
                get("/dvr/" + KEY + "/720p/index.m3u8?from=" + from).contains("#EXT-X-ENDLIST"));
        startOverEnded = get("/dvr/" + KEY + "/720p/index.m3u8?from=" + from);
    }

    @AfterAll
    void close() throws Exception {
        if (live != null) {
            live.close();
        }
        PgServers.drop(pgUrl);
    }

    /** The node's embedded PostgreSQL; the external one in {@link DvrPlaybackExternalPgTest}. */
    Map<String, String> pgEnv() {
        return Map.of();
    }

    private String pgUrl;

    private String get(String path) {
        HttpResponse<String> r = TestNode.get(node, path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    private static int segments(String playlist) {
        return new Playlist(playlist).segments().size();
    }

    private String window(long fromOffsetMs, long toOffsetMs) {
        return "from=" + DvrTimes.seconds(t0 + fromOffsetMs) + "&to=" + DvrTimes.seconds(t0 + toOffsetMs);
    }

    private static List<Long> pdts(Playlist p) {
        return p.tags("EXT-X-PROGRAM-DATE-TIME").stream().map(l -> Instant.parse(l.value()).toEpochMilli()).toList();
    }

    @Test
    void startOverGrewWhileLiveAndEndedWithEndlist() {
        Playlist first = new Playlist(startOver.get(0));
        Playlist later = new Playlist(startOver.get(1));
        assertEquals("EVENT", first.tag("EXT-X-PLAYLIST-TYPE").value());
        assertFalse(first.has("EXT-X-ENDLIST"));
        assertFalse(later.has("EXT-X-ENDLIST"));
        assertTrue(later.segments().size() > first.segments().size());
        // an EVENT playlist only appends
        assertEquals(first.segments().get(0).uri(), later.segments().get(0).uri());
        Playlist ended = new Playlist(startOverEnded);
        assertTrue(ended.has("EXT-X-ENDLIST"));
        assertTrue(ended.segments().size() >= (FIRST_SECONDS + SECOND_SECONDS) / 2 - 4, ended.text);
    }

    @Test
    void liveSeekBackListsThePastAndStillBlocksAndHints() {
        Playlist liveOnly = new Playlist(seekBackLiveOnly);
        Playlist sb = new Playlist(seekBack);
        assertEquals(0, sb.mediaSequence(), "the recorded past from the stream's first segment");
        assertTrue(sb.segments().size() > liveOnly.segments().size(), sb.text);
        assertTrue(sb.segments().get(0).uri().startsWith("/dvr/" + KEY + "/720p/seg-"), sb.text);
        assertTrue(sb.has("EXT-X-PART") && sb.has("EXT-X-PRELOAD-HINT"), "LL-HLS at the edge");
        assertTrue(sb.tag("EXT-X-SERVER-CONTROL").value().contains("CAN-BLOCK-RELOAD=YES"));
        // msn continuous from the past into the live window
        List<Playlist.Segment> segs = sb.segments();
        for (int i = 1; i < segs.size(); i++) {
            assertEquals(segs.get(i - 1).msn() + 1, segs.get(i).msn());
        }
        Playlist blocked = new Playlist(seekBackBlocked);
        assertTrue(blocked.segments().stream().anyMatch(s -> s.msn() == seekBackAskedMsn)
                || blocked.text.contains("part-" + seekBackAskedMsn + "."), "blocking reload answered with msn " + seekBackAskedMsn);
        assertEquals(0, blocked.mediaSequence());
        // the past segments play: one is served from disk
        HttpResponse<byte[]> seg = TestNode.getBytes(node, sb.segments().get(0).uri());
        assertEquals(200, seg.statusCode());
        assertTrue(seg.headers().firstValue("Cache-Control").orElse("").contains("immutable"));
        assertEquals("*", seg.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    }

    @Test
    void catchUpWindowPlaysInFfmpegWithEveryRungAligned() throws Exception {
        String w = window(10_000, 30_000);
        Playlist multi = new Playlist(get("/dvr/" + KEY + "/index.m3u8?" + w));
        assertEquals(2, multi.tags("EXT-X-STREAM-INF").size(), multi.text);
        assertTrue(multi.has("EXT-X-MEDIA"));
        Playlist hi = new Playlist(get("/dvr/" + KEY + "/720p/index.m3u8?" + w));
        Playlist lo = new Playlist(get("/dvr/" + KEY + "/360p/index.m3u8?" + w));
        Playlist audio = new Playlist(get("/dvr/" + KEY + "/audio/index.m3u8?" + w));
        assertEquals("VOD", hi.tag("EXT-X-PLAYLIST-TYPE").value());
        assertTrue(hi.has("EXT-X-ENDLIST") && audio.has("EXT-X-ENDLIST"));
        assertEquals(hi.segments().size(), hi.tags("EXT-X-PROGRAM-DATE-TIME").size(), "a PDT on every segment");
        List<Long> hiPdt = pdts(hi);
        List<Long> loPdt = pdts(lo);
        assertEquals(hiPdt.size(), loPdt.size(), "rungs aligned: " + hiPdt + " vs " + loPdt);
        for (int i = 0; i < hiPdt.size(); i++) {
            assertTrue(Math.abs(hiPdt.get(i) - loPdt.get(i)) <= 40, "segment " + i + ": " + hiPdt.get(i) + " vs " + loPdt.get(i));
        }
        double lastDuration = hi.segments().get(hi.segments().size() - 1).duration();
        long firstPdt = hiPdt.get(0);
        long lastEnd = hiPdt.get(hiPdt.size() - 1) + Math.round(lastDuration * 1000);
        long maxSeg = 2600;
        assertTrue(firstPdt <= t0 + 10_000 && firstPdt > t0 + 10_000 - maxSeg, "first segment at " + (firstPdt - t0));
        assertTrue(lastEnd >= t0 + 30_000 && lastEnd < t0 + 30_000 + maxSeg, "last ends at " + (lastEnd - t0));

        // FFmpeg's HLS demuxer plays the rung: its frames span what the playlist says, the window within a segment
        double[] span = frameSpan(node.httpUrl("/dvr/" + KEY + "/720p/index.m3u8?" + w), 1280);
        double listed = (lastEnd - firstPdt) / 1000.0;
        assertTrue(Math.abs(span[1] - listed) < 0.2, "decoded " + span[1] + " s of " + listed + " s listed");
        assertTrue(span[1] > 20 - 2 * maxSeg / 1000.0 && span[1] < 20 + 2 * maxSeg / 1000.0, "span " + span[1]);
        // and the multivariant playlist opens (video and audio)
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(node.httpUrl("/dvr/" + KEY + "/index.m3u8?" + w))) {
            g.start();
            assertTrue(g.hasVideo() && g.hasAudio());
            assertNotNull(g.grabImage());
        }
    }

    @Test
    void theSameWindowAsDashPlaysInFfmpeg() throws Exception {
        String w = window(10_000, 30_000);
        String mpd = get("/dvr/" + KEY + "/manifest.mpd?" + w);
        assertTrue(mpd.contains("type=\"static\"") && mpd.contains("SegmentTimeline"), mpd);
        double[] span = frameSpan(node.httpUrl("/dvr/" + KEY + "/manifest.mpd?" + w), -1);
        assertTrue(span[0] >= 500, "frames decoded: " + span[0]);
        assertTrue(span[1] > 16 && span[1] < 25, "span " + span[1]);
    }

    @Test
    void aReconnectLeavesADiscontinuity() {
        // to the end of the second run (~t0 + 44 s; the start-over ended >= 6 s after it, so this end is past:
        // a closed window ending in the future is a 400)
        Playlist p = new Playlist(get("/dvr/" + KEY + "/720p/index.m3u8?" + window(20_000, 48_000)));
        assertEquals(1, p.tags("EXT-X-DISCONTINUITY").size(), p.text);
        Playlist before = new Playlist(get("/dvr/" + KEY + "/720p/index.m3u8?" + window(0, 30_000)));
        assertEquals(0, before.tags("EXT-X-DISCONTINUITY").size(), before.text);
    }

    @Test
    void exportIsAnMp4OfTheRungAndAudioWithTheRequestedDuration() throws Exception {
        HttpResponse<byte[]> r = TestNode.getBytes(node, "/dvr/" + KEY + "/export.mp4?" + window(6_000, 18_000) + "&rendition=360p");
        assertEquals(200, r.statusCode(), new String(r.body()));
        assertEquals("video/mp4", r.headers().firstValue("Content-Type").orElse(""));
        Path file = dataDir.resolve("export.mp4");
        Files.write(file, r.body());
        int pictures = 0;
        int audio = 0;
        long first = -1;
        long last = -1;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.start();
            assertTrue(g.hasVideo() && g.hasAudio(), "video and audio tracks");
            assertEquals(640, g.getImageWidth());
            Frame f;
            while ((f = g.grab()) != null) {
                if (f.image != null) {
                    pictures++;
                    first = first < 0 ? f.timestamp : first;
                    last = f.timestamp;
                } else if (f.samples != null) {
                    audio++;
                }
            }
        }
        double seconds = (last - first) / 1e6;
        assertTrue(seconds > 12 - 2.6 && seconds < 12 + 2 * 2.6, "exported " + seconds + " s for 12 s asked");
        assertTrue(pictures > 30 * 10, "pictures " + pictures);
        assertTrue(audio > 300, "audio frames " + audio);
    }

    @Test
    void thumbnailIsAJpegOfTheAskedWidth() throws Exception {
        HttpResponse<byte[]> r = TestNode.getBytes(node, "/dvr/" + KEY + "/thumbnail.jpg?t=" + DvrTimes.seconds(t0 + 15_000) + "&width=200");
        assertEquals(200, r.statusCode(), new String(r.body()));
        assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
        assertNotNull(img);
        assertEquals(200, img.getWidth());
        assertEquals(112, img.getHeight());
        // cached: the same bytes again
        assertTrue(java.util.Arrays.equals(r.body(), TestNode.getBytes(node, "/dvr/" + KEY + "/thumbnail.jpg?t="
                + DvrTimes.seconds(t0 + 15_000) + "&width=200").body()));
    }

    @Test
    void badInputIs400Or404NamingTheProblem() {
        String base = "/dvr/" + KEY;
        String ok = window(10_000, 30_000);
        Object[][] cases = {
                {base + "/index.m3u8?" + window(30_000, 10_000), 400, "from"},
                {base + "/index.m3u8?from=yesterday&to=1", 400, "from"},
                {base + "/index.m3u8?from=" + DvrTimes.seconds(t0) + "&to=2026-99-01T00:00:00Z", 400, "to"},
                {base + "/index.m3u8?" + window(-600_000, -300_000), 400, "to"},
                {base + "/index.m3u8?" + window(400_000, 500_000), 400, "from"},
                {base + "/index.m3u8?from=" + DvrTimes.seconds(t0) + "&duration=2h", 400, "dvr.max-window"},
                {base + "/index.m3u8", 400, "from"},
                {base + "/manifest.mpd?" + window(30_000, 10_000), 400, "from"},
                {base + "/export.mp4?from=" + DvrTimes.seconds(t0), 400, "to"},
                // a window that has not ended would be served finished (ENDLIST, cached) and cut short
                {base + "/index.m3u8?from=" + DvrTimes.seconds(t0) + "&to=" + DvrTimes.seconds(System.currentTimeMillis() + 120_000), 400, "to:"},
                {base + "/export.mp4?from=" + DvrTimes.seconds(t0) + "&to=" + DvrTimes.seconds(System.currentTimeMillis() + 120_000), 400, "to:"},
                {base + "/thumbnail.jpg?t=" + DvrTimes.seconds(t0 + 5000) + "&width=5000", 400, "width"},
                {base + "/thumbnail.jpg?width=100", 400, "t"},
                {"/dvr/nosuchstream/index.m3u8?" + ok, 404, "nosuchstream"},
                {base + "/a.b/index.m3u8?" + ok, 400, "rendition"},
                {base + "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 404, ""},
                {base + "/720p/%2e%2e%2f%2e%2e%2fnode-id", 404, ""},
                {base + "/720p/seg-1.m4s", 404, "seg-1"},
                {base + "/720p/passwd", 404, "passwd"},
                {base + "/720p/t-5.m4s?p=abc&t0=1&ts=90000", 400, "p "},
        };
        for (Object[] c : cases) {
            HttpResponse<String> r = TestNode.get(node, (String) c[0]);
            assertEquals(c[1], r.statusCode(), c[0] + ": " + r.body());
            assertTrue(r.body().contains((String) c[2]), c[0] + ": " + r.body());
        }
        assertEquals(400, seekBackBad.statusCode(), seekBackBad.body());
        assertTrue(seekBackBad.body().startsWith("dvr "), seekBackBad.body());
    }

    /** Decodes every picture of {@code url}: {pictures, seconds from the first to the last picture's end}. */
    private static double[] frameSpan(String url, int width) throws Exception {
        int pictures = 0;
        long first = -1;
        long last = -1;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(url)) {
            g.setOption("rw_timeout", "10000000");
            g.start();
            Frame f;
            while ((f = g.grabImage()) != null) {
                if (width > 0) {
                    assertEquals(width, f.imageWidth);
                }
                pictures++;
                first = first < 0 ? f.timestamp : first;
                last = f.timestamp;
            }
        }
        return new double[]{pictures, (last - first) / 1e6 + 1 / 30.0};
    }
}
