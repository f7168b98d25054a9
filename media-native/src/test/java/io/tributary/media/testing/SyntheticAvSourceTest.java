package io.tributary.media.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticAvSourceTest {

    @Test
    void handsOutRtmpShapedSamples() {
        List<List<MediaSample>> windows = new ArrayList<>();
        byte[] avcC;
        byte[] asc;
        try (SyntheticAvSource src = new SyntheticAvSource(320, 240, 30, 30, 2, true)) {
            avcC = src.avcDecoderConfigurationRecord();
            asc = src.audioSpecificConfig();
            for (int i = 0; i < 3; i++) {
                windows.add(src.next(1.0));
            }
        }
        AvcConfig avc = AvcConfig.parse(avcC);
        assertEquals(320, avc.width());
        assertEquals(240, avc.height());
        assertEquals(4, avc.nalLengthSize());
        if (avc.profileIdc() == 100) {
            // high profile: the record carries chroma_format/bit depth after the PPS
            assertEquals(0xFD, avcC[avcC.length - 4] & 0xFF, "chroma_format_idc 1");
        }
        AacConfig aac = AacConfig.parse(asc);
        assertEquals(48000, aac.sampleRate());
        assertEquals(2, aac.channels());

        long previousWindowEnd = Long.MIN_VALUE;
        List<MediaSample> all = new ArrayList<>();
        for (List<MediaSample> w : windows) {
            assertTrue(w.get(0).dts() > previousWindowEnd, "windows do not overlap");
            previousWindowEnd = w.get(w.size() - 1).dts();
            all.addAll(w);
        }
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i).dts() >= all.get(i - 1).dts(), "interleaved in dts order at " + i);
        }
        List<MediaSample> video = all.stream().filter(s -> s.track() == Track.VIDEO).toList();
        List<MediaSample> audio = all.stream().filter(s -> s.track() == Track.AUDIO).toList();
        assertTrue(Math.abs(video.size() - 90) <= 1, "~30 fps for 3 s: " + video.size());
        assertTrue(Math.abs(audio.size() - 3 * 48000 / 1024) <= 1, "~46.9 AAC frames/s: " + audio.size());
        long firstDts = Math.min(video.get(0).dts(), audio.get(0).dts());
        assertEquals(0, firstDts, "timeline starts at 0 like FLV");

        boolean sawBFrames = false;
        for (int i = 0; i < video.size(); i++) {
            MediaSample s = video.get(i);
            assertEquals(i % 30 == 0, s.keyframe(), "fixed 30-frame GOP at frame " + i);
            assertTrue(s.compositionOffset() >= 0);
            sawBFrames |= s.compositionOffset() > 0;
            if (i > 0) {
                long step = s.dts() - video.get(i - 1).dts();
                assertTrue(step == 33 || step == 34, "frame step " + step);
            }
            boolean idr = false;
            int pos = 0;
            byte[] d = s.data();
            while (pos < d.length) {
                int len = (d[pos] & 0xFF) << 24 | (d[pos + 1] & 0xFF) << 16 | (d[pos + 2] & 0xFF) << 8 | (d[pos + 3] & 0xFF);
                assertTrue(len > 0 && pos + 4 + len <= d.length, "AVCC length prefix in frame " + i);
                int type = d[pos + 4] & 0x1F;
                assertTrue(type != 7 && type != 8 && type != 9, "no in-band SPS/PPS/AUD");
                idr |= type == 5;
                pos += 4 + len;
            }
            assertEquals(s.keyframe(), idr, "keyframes are IDR access units");
        }
        assertTrue(sawBFrames);
        for (int i = 0; i < audio.size(); i++) {
            MediaSample s = audio.get(i);
            assertTrue(s.keyframe());
            assertEquals(0, s.compositionOffset());
            long expected = audio.get(0).dts() + Math.round(i * 1024 * 1000.0 / 48000);
            assertTrue(Math.abs(s.dts() - expected) <= 1, "audio frame " + i + " at " + s.dts());
        }
    }

    @Test
    void videoOnlyHasNoAudio() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 25, 50, 0, false)) {
            assertNull(src.audioSpecificConfig());
            List<MediaSample> s = src.next(1.0);
            assertTrue(s.stream().allMatch(m -> m.track() == Track.VIDEO));
            assertEquals(25, s.size());
            assertTrue(s.stream().allMatch(m -> m.compositionOffset() == 0), "no B-frames");
            assertEquals(0, s.get(0).dts());
        }
    }

    @Test
    void isDeterministic() {
        List<MediaSample> a;
        List<MediaSample> b;
        try (SyntheticAvSource s1 = new SyntheticAvSource(160, 120, 30, 30, 2, true);
                SyntheticAvSource s2 = new SyntheticAvSource(160, 120, 30, 30, 2, true)) {
            a = s1.next(0.7);
            b = s2.next(0.7);
        }
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).dts(), b.get(i).dts());
            assertEquals(a.get(i).compositionOffset(), b.get(i).compositionOffset());
            assertArrayEquals(a.get(i).data(), b.get(i).data(), "sample " + i);
        }
    }
}
