package io.tributary.media.ts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.codec.H264Bitstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demuxer against FFmpeg's own mpegts demuxer on a TS FFmpeg wrote (libx264 with B-frames + AAC). */
class TsDemuxerFfmpegTest {

    private static byte[] ts;
    private static List<TsFixtures.RefPacket> ref;

    @BeforeAll
    static void encode() throws Exception {
        ts = TsFixtures.encode(100, "libx264");
        ref = TsFixtures.ffmpegPackets(ts);
    }

    static List<MediaEvent> demux(byte[] input, long seed) {
        TsDemuxer d = new TsDemuxer();
        List<MediaEvent> events = new ArrayList<>();
        Random random = new Random(seed);
        int pos = 0;
        while (pos < input.length) {
            int n = Math.min(input.length - pos, 1 + random.nextInt(seed == 0 ? 1316 : 700));
            events.addAll(d.feed(input, pos, n));
            pos += n;
        }
        events.addAll(d.flush());
        return events;
    }

    @Test
    void videoSamplesMatchFfmpegFrameForFrame() {
        List<MediaEvent> events = demux(ts, 1);
        assertInstanceOf(MediaEvent.VideoConfig.class, events.stream()
                .filter(e -> e instanceof MediaEvent.VideoConfig || e instanceof MediaEvent.Sample s
                        && s.sample().track() == Track.VIDEO).findFirst().orElseThrow());
        List<MediaEvent.VideoConfig> configs = events.stream().filter(e -> e instanceof MediaEvent.VideoConfig)
                .map(e -> (MediaEvent.VideoConfig) e).toList();
        assertEquals(1, configs.size(), "SPS/PPS repeat with every IDR but the config is emitted once");
        AvcConfig config = AvcConfig.parse(configs.get(0).avcDecoderConfigurationRecord());
        assertEquals(TsFixtures.WIDTH, config.width());
        assertEquals(TsFixtures.HEIGHT, config.height());

        List<MediaSample> ours = samples(events, Track.VIDEO);
        List<TsFixtures.RefPacket> theirs = ref.stream().filter(TsFixtures.RefPacket::video).toList();
        assertEquals(100, theirs.size());
        assertEquals(theirs.size(), ours.size(), "one sample per FFmpeg video packet");
        for (int i = 0; i < ours.size(); i++) {
            MediaSample s = ours.get(i);
            TsFixtures.RefPacket r = theirs.get(i);
            assertEquals(Math.floorDiv(r.dts(), 90), s.dts(), "dts of frame " + i);
            assertEquals(Math.floorDiv(r.pts(), 90), s.pts(), "pts of frame " + i);
            assertEquals(r.key(), s.keyframe(), "keyframe flag of frame " + i);
            assertEquals(s.keyframe(), H264Bitstream.containsIdr(s.data()));
            assertArrayEquals(H264Bitstream.toAvcc(r.data(), r.data().length, 4), s.data(), "bytes of frame " + i);
        }
        assertTrue(ours.stream().anyMatch(s -> s.compositionOffset() > 0), "B-frames give composition offsets");
    }

    @Test
    void audioSamplesMatchFfmpegFrameForFrame() {
        List<MediaEvent> events = demux(ts, 2);
        List<MediaEvent.AudioConfig> configs = events.stream().filter(e -> e instanceof MediaEvent.AudioConfig)
                .map(e -> (MediaEvent.AudioConfig) e).toList();
        assertEquals(1, configs.size());
        AacConfig asc = AacConfig.parse(configs.get(0).audioSpecificConfig());
        assertEquals(TsFixtures.SAMPLE_RATE, asc.sampleRate());
        assertEquals(2, asc.channels());
        assertEquals(2, asc.objectType());

        List<MediaSample> ours = samples(events, Track.AUDIO);
        List<TsFixtures.RefPacket> theirs = ref.stream().filter(r -> !r.video()).toList();
        assertTrue(theirs.size() > 150, "4 s of 48 kHz AAC is ~187 frames, FFmpeg saw " + theirs.size());
        assertEquals(theirs.size(), ours.size(), "one sample per ADTS frame");
        for (int i = 0; i < ours.size(); i++) {
            MediaSample s = ours.get(i);
            TsFixtures.RefPacket r = theirs.get(i);
            assertEquals(Math.floorDiv(r.pts(), 90), s.dts(), "time of AAC frame " + i);
            byte[] raw = r.data().length > 7 && (r.data()[0] & 0xFF) == 0xFF
                    ? java.util.Arrays.copyOfRange(r.data(), 7, r.data().length) : r.data();
            assertArrayEquals(raw, s.data(), "bytes of AAC frame " + i);
        }
    }

    @Test
    void chunkingDoesNotMatter() {
        List<MediaEvent> whole = new ArrayList<>();
        TsDemuxer d = new TsDemuxer();
        whole.addAll(d.feed(ts, 0, ts.length));
        whole.addAll(d.flush());
        assertEquals(0, d.stats().continuityErrors());
        assertEquals(0, d.stats().droppedAccessUnits());
        assertEquals(ts.length / 188, d.stats().packets());
        assertTrue(d.stats().pcrCount() > 0);
        for (long seed = 3; seed < 8; seed++) {
            List<MediaEvent> chunked = demux(ts, seed);
            assertEquals(describe(whole), describe(chunked), "seed " + seed);
        }
        // byte by byte
        TsDemuxer one = new TsDemuxer();
        List<MediaEvent> bytewise = new ArrayList<>();
        for (int i = 0; i < ts.length; i++) {
            bytewise.addAll(one.feed(ts, i, 1));
        }
        bytewise.addAll(one.flush());
        assertEquals(describe(whole), describe(bytewise));
    }

    static List<MediaSample> samples(List<MediaEvent> events, Track track) {
        return events.stream().filter(e -> e instanceof MediaEvent.Sample s && s.sample().track() == track)
                .map(e -> ((MediaEvent.Sample) e).sample()).toList();
    }

    static List<String> describe(List<MediaEvent> events) {
        List<String> out = new ArrayList<>();
        for (MediaEvent e : events) {
            if (e instanceof MediaEvent.Sample s) {
                out.add(s.sample().track() + " " + s.sample().dts() + " " + s.sample().compositionOffset() + " "
                        + s.sample().keyframe() + " " + java.util.Arrays.hashCode(s.sample().data()));
            } else {
                out.add(e.getClass().getSimpleName());
            }
        }
        return out;
    }
}
