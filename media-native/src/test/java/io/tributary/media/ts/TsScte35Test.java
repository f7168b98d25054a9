package io.tributary.media.ts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaEvent;
import io.tributary.media.Track;
import io.tributary.media.scte35.Scte35Sections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SCTE-35 sections injected as their own PID into an FFmpeg-made TS come out as cues on the samples' clock. */
class TsScte35Test {

    @Test
    void spliceInsertAndTimeSignalBecomeCuesAtTheirMediaTimes() throws Exception {
        byte[] ts = TsFixtures.encode(75, "libx264");
        long firstPts = firstVideoPts(ts);
        // the splice times are PTS; cues come on the decode clock (minus the keyframes' PTS - DTS)
        TsFixtures.RefPacket firstVideo = refPts(ts).get(0);
        long delay = firstVideo.pts() - firstVideo.dts();
        assertTrue(delay > 0, "B-frames delay presentation");
        byte[] outSection = Scte35Sections.spliceInsert(1001, true, firstPts + 90_000, 2 * 90_000);
        byte[] inSection = Scte35Sections.spliceInsert(1001, false, firstPts + 2 * 90_000 + 3 * 3600, 0);
        byte[] poStart = Scte35Sections.timeSignal(firstPts + 45_000, 7, 0x34, 30 * 90_000);
        byte[] withCues = TsFixtures.inject(ts, List.of(
                new TsFixtures.Injection(firstPts + 5 * 3600, poStart), // after the first keyframe: its delay is known
                new TsFixtures.Injection(firstPts + 10 * 3600, outSection), // pre-roll: sent 0.6 s ahead
                new TsFixtures.Injection(firstPts + 2 * 90_000, inSection)));
        TsDemuxer d = new TsDemuxer();
        List<MediaEvent> events = TsDemuxerIntegrityTest.feedAll(d, withCues);
        List<MediaEvent.Cue> cues = events.stream().filter(e -> e instanceof MediaEvent.Cue)
                .map(e -> (MediaEvent.Cue) e).toList();
        assertEquals(3, cues.size(), cues.toString());
        assertEquals(3, d.stats().cues());
        assertEquals(0, d.stats().sectionErrors());

        MediaEvent.Cue po = cues.get(0);
        assertTrue(po.out());
        assertEquals("7", po.id());
        assertEquals(30.0, po.durationSeconds(), 1e-9);
        assertEquals(Math.floorDiv(firstPts + 45_000 - delay, 90), po.mediaTimeMs());

        MediaEvent.Cue out = cues.get(1);
        assertTrue(out.out());
        assertEquals("1001", out.id());
        assertEquals(2.0, out.durationSeconds(), 1e-9);
        assertArrayEquals(outSection, out.scte35());
        long firstVideoDtsMs = TsDemuxerFfmpegTest.samples(events, Track.VIDEO).get(0).dts();
        assertEquals(firstVideoDtsMs + 1000, out.mediaTimeMs(),
                "one second after the first frame, on the decode clock of the samples");

        MediaEvent.Cue in = cues.get(2);
        assertFalse(in.out());
        assertEquals(firstVideoDtsMs + 2120, in.mediaTimeMs());
        // the samples are untouched by the extra PID
        assertEquals(75, TsDemuxerFfmpegTest.samples(events, Track.VIDEO).size());

        // a damaged section (one byte flipped) is refused and counted, the media goes on
        byte[] bad = outSection.clone();
        bad[16] ^= 1;
        TsDemuxer d2 = new TsDemuxer();
        List<MediaEvent> events2 = TsDemuxerIntegrityTest.feedAll(d2,
                TsFixtures.inject(ts, List.of(new TsFixtures.Injection(firstPts, bad))));
        assertTrue(events2.stream().noneMatch(e -> e instanceof MediaEvent.Cue));
        assertEquals(1, d2.stats().sectionErrors());
        assertEquals(75, TsDemuxerFfmpegTest.samples(events2, Track.VIDEO).size());

        // mutations of the whole stream, cues included: only the demuxer's own exception may escape
        for (long seed = 1; seed <= 60; seed++) {
            java.util.Random random = new java.util.Random(seed);
            byte[] b = withCues.clone();
            for (int k = 0, n = 1 + random.nextInt(300); k < n; k++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            try {
                TsDemuxerIntegrityTest.feedChunked(new TsDemuxer(), b, random);
            } catch (TsFormatException expected) {
                // allowed
            }
        }
    }

    static long firstVideoPts(byte[] ts) {
        long min = Long.MAX_VALUE;
        for (TsFixtures.RefPacket p : refPts(ts)) {
            min = Math.min(min, p.pts());
        }
        return min;
    }

    private static List<TsFixtures.RefPacket> refPts(byte[] ts) {
        try {
            return TsFixtures.ffmpegPackets(ts).stream().filter(TsFixtures.RefPacket::video).toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
