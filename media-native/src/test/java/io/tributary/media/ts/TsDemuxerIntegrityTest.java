package io.tributary.media.ts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.AvcConfig;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Loss and corruption against a stream whose access units are recognisable ({@link SyntheticTs}):
 * a damaged unit is dropped and counted, an intact one comes out whole, and no sample ever holds
 * bytes of two units.
 */
class TsDemuxerIntegrityTest {

    private static final long NEAR_WRAP = (1L << 33) - 3 * 90_000; // 3 s before the 33-bit wrap

    @Test
    void cleanStreamGivesEveryUnitOnAContinuousClockAcrossTheWrap() {
        SyntheticTs ts = SyntheticTs.build(250, NEAR_WRAP);
        TsDemuxer d = new TsDemuxer();
        List<MediaEvent> events = feedAll(d, ts.bytes());
        AvcConfig config = AvcConfig.parse(events.stream().filter(e -> e instanceof MediaEvent.VideoConfig)
                .map(e -> ((MediaEvent.VideoConfig) e).avcDecoderConfigurationRecord()).findFirst().orElseThrow());
        assertEquals(320, config.width());
        assertEquals(240, config.height());
        Set<Integer> video = checkVideo(events);
        Set<Integer> audio = checkAudio(events);
        assertEquals(250, video.size());
        assertTrue(audio.size() >= 460, "audio frames " + audio.size());
        TsStats s = d.stats();
        assertEquals(0, s.continuityErrors());
        assertEquals(0, s.droppedAccessUnits());
        assertTrue(s.pcrCount() >= 50);
        long last = Long.MIN_VALUE;
        for (MediaEvent e : events) {
            if (e instanceof MediaEvent.Sample v && v.sample().track() == Track.VIDEO) {
                assertTrue(v.sample().dts() > last, "monotonic through the wrap");
                last = v.sample().dts();
            }
        }
        assertTrue(last > (1L << 33) / 90, "the clock went on past 2^33 ticks: " + last);
    }

    @Test
    void oneLostPacketDropsExactlyTheUnitItBelongedTo() {
        SyntheticTs ts = SyntheticTs.build(60, 90_000);
        // the second packet of video AU 32 (a non-key frame long enough to span several packets)
        int seen = -1;
        int victim = -1;
        for (int i = 0; i < ts.packets.size(); i++) {
            byte[] p = ts.packets.get(i);
            if (ts.pidOf.get(i) == SyntheticTs.VIDEO_PID) {
                if ((p[1] & 0x40) != 0) {
                    seen++;
                } else if (seen == 32) {
                    victim = i;
                    break;
                }
            }
        }
        ts.packets.remove(victim);
        ts.pidOf.remove(victim);
        TsDemuxer d = new TsDemuxer();
        List<MediaEvent> events = feedAll(d, ts.bytes());
        Set<Integer> video = checkVideo(events);
        assertEquals(59, video.size());
        assertFalse(video.contains(32));
        assertEquals(1, d.stats().continuityErrors());
        assertEquals(1, d.stats().droppedAccessUnits());
        assertEquals(checkAudio(feedAll(new TsDemuxer(), SyntheticTs.build(60, 90_000).bytes())), checkAudio(events),
                "audio untouched");
    }

    @Test
    void corruptedStreamsNeverYieldASampleMixingTwoUnits() {
        SyntheticTs clean = SyntheticTs.build(400, NEAR_WRAP);
        long totalDropped = 0;
        long totalVideo = 0;
        for (long seed = 1; seed <= 40; seed++) {
            Random random = new Random(seed);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<byte[]> packets = clean.packets;
            int nextDamage = 20 + random.nextInt(60);
            for (int i = 0; i < packets.size(); i++) {
                byte[] p = packets.get(i);
                if (i < nextDamage || i > packets.size() - 30) {
                    // (loss right at the end of input is undetectable: nothing follows to show a gap)
                    out.write(p, 0, 188);
                    continue;
                }
                nextDamage = i + 50 + random.nextInt(100); // far enough apart that no PID loses 16 in a row
                switch (random.nextInt(5)) {
                    case 0 -> i += random.nextInt(7); // this and up to 6 more packets lost
                    case 1 -> { // duplicated
                        out.write(p, 0, 188);
                        out.write(p, 0, 188);
                    }
                    case 2 -> { // swapped with the next one
                        if (i + 1 < packets.size()) {
                            out.write(packets.get(i + 1), 0, 188);
                            out.write(p, 0, 188);
                            i++;
                        }
                    }
                    case 3 -> { // garbage between packets
                        byte[] junk = new byte[1 + random.nextInt(400)];
                        random.nextBytes(junk);
                        out.write(junk, 0, junk.length);
                        out.write(p, 0, 188);
                    }
                    default -> out.write(p, 0, 188 - 1 - random.nextInt(120)); // cut short
                }
            }
            TsDemuxer d = new TsDemuxer();
            List<MediaEvent> events = feedChunked(d, out.toByteArray(), random);
            Set<Integer> video = checkVideo(events);
            checkAudio(events);
            totalVideo += video.size();
            totalDropped += d.stats().droppedAccessUnits();
            assertTrue(video.size() > 250, "seed " + seed + ": most units survive, got " + video.size());
        }
        assertTrue(totalDropped > 40, "damage was done and counted: " + totalDropped);
        assertTrue(totalVideo < 40 * 400, "some units were lost");
    }

    @Test
    void randomMutationsOnlyEverThrowTheProtocolException() {
        byte[] clean = SyntheticTs.build(120, 0).bytes();
        int samples = 0;
        for (long seed = 1; seed <= 300; seed++) {
            Random random = new Random(seed);
            byte[] b = clean.clone();
            int edits = 1 + random.nextInt(200);
            for (int k = 0; k < edits; k++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            TsDemuxer d = new TsDemuxer(64 * 1024);
            try {
                for (MediaEvent e : feedChunked(d, b, random)) {
                    if (e instanceof MediaEvent.Sample) {
                        samples++;
                    }
                }
            } catch (TsFormatException expected) {
                // allowed
            }
        }
        assertTrue(samples > 0);
        byte[] noise = new byte[200_000];
        new Random(7).nextBytes(noise);
        assertThrows(TsFormatException.class, () -> new TsDemuxer().feed(noise, 0, noise.length),
                "random bytes are not a transport stream");
    }

    @Test
    void oversizedPesIsDroppedNotBuffered() {
        SyntheticTs ts = SyntheticTs.build(30, 0);
        TsDemuxer d = new TsDemuxer(1024); // smaller than most video units
        List<MediaEvent> events = feedAll(d, ts.bytes());
        for (int k : checkVideo(events)) {
            assertTrue(SyntheticTs.videoLength(k) < 1024, "unit " + k + " fitted");
        }
        assertTrue(d.stats().droppedAccessUnits() > 10);
    }

    @Test
    void otherStreamsAreIgnoredAndAnUnusableCodecIsReportedOnce() {
        SyntheticTs extra = new SyntheticTs();
        // a second audio in AC-3 and a private data stream, beside H.264 + AAC: both ignored
        extra.extraPmtEntries = new byte[] {(byte) 0x81, (byte) 0xE1, 0x02, (byte) 0xF0, 0, 0x06, (byte) 0xE1, 0x03, (byte) 0xF0, 0};
        List<MediaEvent> events = feedAll(new TsDemuxer(), SyntheticTs.build(extra, 60, 0).bytes());
        assertTrue(events.stream().noneMatch(e -> e instanceof MediaEvent.UnsupportedCodec));
        assertEquals(60, checkVideo(events).size());

        SyntheticTs ac3 = new SyntheticTs();
        ac3.audioStreamType = 0x81; // the only audio is AC-3
        List<MediaEvent> refused = feedAll(new TsDemuxer(), SyntheticTs.build(ac3, 60, 0).bytes());
        List<MediaEvent> unsupported = refused.stream().filter(e -> e instanceof MediaEvent.UnsupportedCodec).toList();
        assertEquals(List.of(new MediaEvent.UnsupportedCodec(Track.AUDIO, "ac-3")), unsupported, "once, though the PMT repeats");
        assertTrue(checkAudio(refused).isEmpty());
        assertEquals(60, checkVideo(refused).size(), "video still comes");
    }

    static List<MediaEvent> feedAll(TsDemuxer d, byte[] b) {
        List<MediaEvent> events = new ArrayList<>(d.feed(b, 0, b.length));
        events.addAll(d.flush());
        return events;
    }

    static List<MediaEvent> feedChunked(TsDemuxer d, byte[] b, Random random) {
        List<MediaEvent> events = new ArrayList<>();
        int pos = 0;
        while (pos < b.length) {
            int n = Math.min(b.length - pos, 1 + random.nextInt(1500));
            events.addAll(d.feed(b, pos, n));
            pos += n;
        }
        events.addAll(d.flush());
        return events;
    }

    /** Every video sample is exactly one whole unit k with k's times; returns the ks seen. */
    static Set<Integer> checkVideo(List<MediaEvent> events) {
        Set<Integer> seen = new HashSet<>();
        Long base = null;
        for (MediaEvent e : events) {
            if (!(e instanceof MediaEvent.Sample s) || s.sample().track() != Track.VIDEO) {
                continue;
            }
            MediaSample m = s.sample();
            byte[] d = m.data();
            int nalLength = (d[0] & 0xFF) << 24 | (d[1] & 0xFF) << 16 | (d[2] & 0xFF) << 8 | (d[3] & 0xFF);
            if (nalLength != d.length - 4) {
                fail("sample of " + d.length + " bytes is not exactly one slice NAL (" + nalLength + ")");
            }
            int k = (d[6] & 0x7F) | (d[5] & 0x7F) << 7; // d[4] is the NAL header
            byte[] want = SyntheticTs.pattern(k, SyntheticTs.videoLength(k));
            want[0] = (byte) (k % 25 == 0 ? 0x65 : 0x41);
            if (!java.util.Arrays.equals(want, 0, want.length, d, 4, d.length)) {
                fail("video sample claiming unit " + k + " holds other bytes (" + (d.length - 4) + " of "
                        + want.length + ")");
            }
            if (!seen.add(k)) {
                fail("unit " + k + " emitted twice");
            }
            if (base == null) {
                base = m.dts() - k * SyntheticTs.VIDEO_TICKS / 90;
            }
            assertEquals(base + k * SyntheticTs.VIDEO_TICKS / 90, m.dts(), "dts of unit " + k);
            assertEquals(40, m.compositionOffset());
            assertEquals(k % 25 == 0, m.keyframe());
        }
        return seen;
    }

    static Set<Integer> checkAudio(List<MediaEvent> events) {
        Set<Integer> seen = new HashSet<>();
        for (MediaEvent e : events) {
            if (!(e instanceof MediaEvent.Sample s) || s.sample().track() != Track.AUDIO) {
                continue;
            }
            byte[] d = s.sample().data();
            int j = (d[0] & 0x7F) | (d[1] & 0x7F) << 7;
            byte[] want = SyntheticTs.pattern(j, SyntheticTs.audioLength(j));
            if (!java.util.Arrays.equals(want, d)) {
                fail("audio sample claiming frame " + j + " holds other bytes");
            }
            if (!seen.add(j)) {
                fail("frame " + j + " emitted twice");
            }
        }
        return seen;
    }
}
