package io.tributary.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.Node;
import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.scte35.Scte35Sections;
import io.tributary.media.ts.TsDemuxer;
import io.tributary.media.ts.TsFixtures;
import io.tributary.testing.TestNode;
import io.vertx.core.Context;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SCTE-35 in a transport stream reaches the live playlists: an FFmpeg-made TS with splice_insert
 * and time_signal sections injected on their own PID is demuxed and published in real time through
 * the publication API (as the SRT ingest does); the LL-HLS media playlists then carry
 * EXT-X-DATERANGE and EXT-X-CUE-OUT/IN at the part that starts at each cue's media time; a
 * time_signal that is no break (a programme start) becomes a date range with SCTE35-CMD only.
 */
class Scte35PlaylistTest {

    private static final Pattern DATERANGE = Pattern.compile("#EXT-X-DATERANGE:ID=\"([^\"]+)\",START-DATE=\"([^\"]+)\"(.*)");

    @Test
    void cuesInTheTsBecomeDateRangesAtTheirMediaTimes() throws Exception {
        byte[] ts = TsFixtures.encode(300, "libx264"); // 12 s at 25 fps
        long firstPts = TsFixtures.ffmpegPackets(ts).stream().filter(TsFixtures.RefPacket::video)
                .mapToLong(TsFixtures.RefPacket::pts).min().orElseThrow();
        byte[] out = Scte35Sections.spliceInsert(1001, true, firstPts + 3 * 90_000, 4 * 90_000);
        byte[] in = Scte35Sections.spliceInsert(1001, false, firstPts + 7 * 90_000, 0);
        byte[] poStart = Scte35Sections.timeSignal(firstPts + 9 * 90_000 + 9_000, 42, 0x34, 135_000);
        byte[] poEnd = Scte35Sections.timeSignal(firstPts + 10 * 90_000 + 54_000, 42, 0x35, 0);
        byte[] programStart = Scte35Sections.timeSignal(firstPts + 8 * 90_000, 77, 0x10, 0);
        byte[] withCues = TsFixtures.inject(ts, List.of(
                new TsFixtures.Injection(firstPts + 2 * 90_000, out), // one second of pre-roll
                new TsFixtures.Injection(firstPts + 6 * 90_000, in),
                new TsFixtures.Injection(firstPts + 7 * 90_000 + 45_000, programStart),
                new TsFixtures.Injection(firstPts + 9 * 90_000, poStart),
                new TsFixtures.Injection(firstPts + 10 * 90_000, poEnd)));
        TsDemuxer demuxer = new TsDemuxer();
        List<MediaEvent> events = new ArrayList<>(demuxer.feed(withCues, 0, withCues.length));
        events.addAll(demuxer.flush());
        long firstVideoDts = events.stream().filter(e -> e instanceof MediaEvent.Sample s
                && s.sample().track() == Track.VIDEO).mapToLong(e -> ((MediaEvent.Sample) e).sample().dts())
                .findFirst().orElseThrow();
        List<MediaEvent.Cue> cues = events.stream().filter(e -> e instanceof MediaEvent.Cue).map(e -> (MediaEvent.Cue) e).toList();
        assertEquals(5, cues.size());
        assertEquals(io.tributary.media.CueKind.CMD, cues.get(2).kind(), "the programme start is a command");
        // the splice at +3 s is the keyframe presented then, decoded its PTS - DTS earlier
        assertTrue(cues.get(0).mediaTimeMs() < Math.floorDiv(firstPts, 90) + 3000, "on the decode clock");

        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_RTMP_STREAM_KEYS", "scte"));
        try (Replay replay = new Replay(node, "scte", events)) {
            for (String rendition : List.of("video", "audio")) {
                TestNode.await("five date ranges in the " + rendition + " playlist", Duration.ofSeconds(40), () -> {
                    HttpResponse<String> r = TestNode.get(node, "/live/scte/" + rendition + "/index.m3u8");
                    return r.statusCode() == 200 && r.body().split("#EXT-X-DATERANGE", -1).length - 1 >= 5;
                });
            }
            String video = TestNode.get(node, "/live/scte/video/index.m3u8").body();
            String audio = TestNode.get(node, "/live/scte/audio/index.m3u8").body();
            long seg0 = firstPdt(video);

            List<String[]> ranges = dateRanges(video);
            assertEquals(5, ranges.size(), video);
            // splice_insert out at +3 s (4 s break), in at +7 s; time_signal PO start at +9.1 s (1.5 s), end at +10.6 s
            String[] o = ranges.get(0);
            assertTrue(o[2].contains("PLANNED-DURATION=4.000"), o[2]);
            assertTrue(o[2].contains(",SCTE35-OUT=0x" + HexFormat.of().withUpperCase().formatHex(out)), o[2]);
            long outDate = Instant.parse(o[1]).toEpochMilli();
            assertAligned(seg0 + (cues.get(0).mediaTimeMs() - firstVideoDts), outDate, "splice out");
            String[] i = ranges.get(1);
            assertEquals(o[0], i[0], "the in closes the out's range");
            assertEquals(o[1], i[1], "same START-DATE for the same ID");
            assertTrue(i[2].contains(",SCTE35-IN=0x" + HexFormat.of().withUpperCase().formatHex(in)), i[2]);
            Matcher d = Pattern.compile("DURATION=([0-9.]+)").matcher(i[2]);
            assertTrue(d.find(), i[2]);
            assertEquals(4.0, Double.parseDouble(d.group(1)), 0.55, "measured break length");
            String[] cmd = ranges.get(2);
            assertTrue(cmd[0].startsWith("77-"), cmd[0]);
            assertEquals(",SCTE35-CMD=0x" + HexFormat.of().withUpperCase().formatHex(programStart), cmd[2],
                    "a command: no duration, no OUT/IN");
            assertAligned(seg0 + (cues.get(2).mediaTimeMs() - firstVideoDts), Instant.parse(cmd[1]).toEpochMilli(), "programme start");
            String[] ps = ranges.get(3);
            assertTrue(ps[0].startsWith("42-"), ps[0]);
            assertTrue(ps[2].contains("PLANNED-DURATION=1.500"), ps[2]);
            assertAligned(seg0 + (cues.get(3).mediaTimeMs() - firstVideoDts), Instant.parse(ps[1]).toEpochMilli(), "PO start");
            assertAligned(seg0 + (cues.get(1).mediaTimeMs() - firstVideoDts), Instant.parse(i[1]).toEpochMilli()
                    + Math.round(Double.parseDouble(d.group(1)) * 1000), "splice in");
            String[] pe = ranges.get(4);
            assertEquals(ps[0], pe[0]);
            assertTrue(pe[2].contains("SCTE35-IN=0x"), pe[2]);

            // each break starts a segment at the first keyframe from the splice time on, to the ms
            List<Long> segments = segmentDates(video);
            assertTrue(segments.contains(outDate), "out " + outDate + " on a segment start " + segments + "\n" + video);
            assertEquals(seg0 + keyframeFrom(events, cues.get(0).mediaTimeMs()) - firstVideoDts, outDate, 2.0,
                    "the out is the keyframe at or after the splice time");
            long psDate = Instant.parse(ps[1]).toEpochMilli();
            assertTrue(segments.contains(psDate), "PO start on a segment start too\n" + video);
            assertEquals(seg0 + keyframeFrom(events, cues.get(3).mediaTimeMs()) - firstVideoDts, psDate, 2.0);
            assertTrue(video.contains("#EXT-X-CUE-OUT:DURATION=4.000\n"), video);
            assertTrue(video.contains("#EXT-X-CUE-OUT:DURATION=1.500\n"), video);
            assertEquals(2, video.split("#EXT-X-CUE-IN\n", -1).length - 1, video);
            assertEquals(2, video.split("#EXT-X-CUE-OUT", -1).length - 1, "the command is no break:\n" + video);
            assertEquals(5, dateRanges(audio).size(), "the audio playlist carries them too:\n" + audio);
            assertNotNull(replay);
        } finally {
            TestNode.stop(node);
        }
    }

    /**
     * The cue lands where the break's first picture decodes on its own: the splice made the
     * packager start a segment at the first keyframe from the cue's time, at most a GOP (1 s) later.
     */
    private static void assertAligned(long expected, long actual, String what) {
        System.out.println(what + ": START-DATE " + (actual - expected) + " ms after the cue's media time");
        assertTrue(actual >= expected - 5 && actual <= expected + 1000 + 40,
                what + ": START-DATE " + actual + " vs media time " + expected + " (" + (actual - expected) + " ms)");
    }

    /** Decode time of the first video keyframe at or after {@code ms}. */
    private static long keyframeFrom(List<MediaEvent> events, long ms) {
        return events.stream().filter(e -> e instanceof MediaEvent.Sample s && s.sample().track() == Track.VIDEO
                && s.sample().keyframe() && s.sample().dts() >= ms).mapToLong(e -> ((MediaEvent.Sample) e).sample().dts())
                .findFirst().orElseThrow();
    }

    private static List<Long> segmentDates(String playlist) {
        List<Long> out = new ArrayList<>();
        for (String line : playlist.split("\n")) {
            if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
                out.add(Instant.parse(line.substring(line.indexOf(':') + 1)).toEpochMilli());
            }
        }
        return out;
    }

    private static long firstPdt(String playlist) {
        for (String line : playlist.split("\n")) {
            if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
                assertEquals("#EXT-X-MEDIA-SEQUENCE:0", line, "segment 0 still listed");
            }
            if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
                return Instant.parse(line.substring(line.indexOf(':') + 1)).toEpochMilli();
            }
        }
        throw new AssertionError("no program date-time:\n" + playlist);
    }

    private static List<String[]> dateRanges(String playlist) {
        List<String[]> out = new ArrayList<>();
        for (String line : playlist.split("\n")) {
            Matcher m = DATERANGE.matcher(line);
            if (m.matches()) {
                out.add(new String[] {m.group(1), m.group(2), m.group(3)});
            }
        }
        return out;
    }

    /** Hands demuxed TS events to a publication in real time, samples paced by their dts. */
    private static final class Replay implements PublishSource, AutoCloseable {
        private final Node node;
        private final List<MediaEvent> events;
        private final Context context;
        private Publication publication;
        private int cursor;
        private long base = Long.MIN_VALUE;
        private long startedAt;
        private long timer = -1;

        Replay(Node node, String key, List<MediaEvent> events) throws Exception {
            this.node = node;
            this.events = events;
            this.context = node.vertx().getOrCreateContext();
            CompletableFuture<Void> opened = new CompletableFuture<>();
            context.runOnContext(v -> node.publications().open(key, "test-ts", this).onComplete(ar -> {
                if (ar.failed()) {
                    opened.completeExceptionally(ar.cause());
                    return;
                }
                publication = ar.result();
                startedAt = System.currentTimeMillis();
                timer = node.vertx().setPeriodic(10, id -> tick());
                opened.complete(null);
            }));
            opened.get(20, TimeUnit.SECONDS);
        }

        private void tick() {
            long due = System.currentTimeMillis() - startedAt;
            while (cursor < events.size()) {
                MediaEvent e = events.get(cursor);
                if (e instanceof MediaEvent.Sample s) {
                    MediaSample m = s.sample();
                    if (base == Long.MIN_VALUE) {
                        base = m.dts();
                    }
                    if (m.dts() - base > due) {
                        return;
                    }
                }
                publication.accept(e);
                cursor++;
            }
        }

        @Override
        public void close() {
            CompletableFuture<Void> done = new CompletableFuture<>();
            context.runOnContext(v -> {
                if (timer >= 0) {
                    node.vertx().cancelTimer(timer);
                }
                if (publication != null) {
                    publication.close();
                }
                done.complete(null);
            });
            done.join();
        }

        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }

        @Override
        public void takenOver() {
        }

        @Override
        public void failed(PublishException error) {
        }

        @Override
        public boolean active() {
            return true;
        }

        @Override
        public String describe() {
            return "TS replay";
        }
    }
}
