package io.tributary.media.codec;

import io.tributary.media.testing.SyntheticAvSource;
import static io.tributary.media.testing.A53Captions.lengthPrefixed;
import static io.tributary.media.testing.A53Captions.sei;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CEA-608/708 in A/53 SEI is found in H.264 and H.265 samples; anything else, or garbage, is "no captions". */
class CaptionProbeTest {

    @Test
    void findsA53CaptionsInH264AndH265() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 0, false)) {
            AvcConfig avc = AvcConfig.parse(src.avcDecoderConfigurationRecord());
            List<MediaSample> video = src.next(0.2).stream().filter(s -> s.track() == Track.VIDEO).toList();
            byte[] picture = video.get(0).data();
            assertFalse(CaptionProbe.hasCaptions(avc, picture), "x264's own SEI (user data unregistered) is not captions");
            byte[] captioned = concat(lengthPrefixed(sei(new byte[]{0x06}, 4, io.tributary.media.testing.A53Captions.payload())), picture);
            assertTrue(CaptionProbe.hasCaptions(avc, captioned));
        }
        HevcConfig hevc = new HevcConfig(new byte[0], 0, 0, 0, false, 1, 0, 0L, 93, 1, 8, 8, 4, List.of());
        assertTrue(CaptionProbe.hasCaptions(hevc, lengthPrefixed(sei(new byte[]{0x4E, 0x01}, 4, io.tributary.media.testing.A53Captions.payload()))));
        assertFalse(CaptionProbe.hasCaptions(hevc, lengthPrefixed(sei(new byte[]{0x06}, 4, io.tributary.media.testing.A53Captions.payload()))),
                "0x06 is not an SEI header in H.265");
    }

    @Test
    void otherRegisteredDataIsNotCaptions() {
        AvcConfig avc = avc4();
        byte[] afd = io.tributary.media.testing.A53Captions.payload();
        afd[6] = 0x35; // "GA95": not A/53
        assertFalse(CaptionProbe.hasCaptions(avc, lengthPrefixed(sei(new byte[]{0x06}, 4, afd))));
        byte[] bars = io.tributary.media.testing.A53Captions.payload();
        bars[7] = 0x06; // A/53 bar data, not cc_data
        assertFalse(CaptionProbe.hasCaptions(avc, lengthPrefixed(sei(new byte[]{0x06}, 4, bars))));
        assertFalse(CaptionProbe.hasCaptions(avc, lengthPrefixed(sei(new byte[]{0x06}, 5, io.tributary.media.testing.A53Captions.payload()))), "unregistered");
    }

    @Test
    void garbageEndsTheScan() {
        AvcConfig avc = avc4();
        byte[] good = lengthPrefixed(sei(new byte[]{0x06}, 4, io.tributary.media.testing.A53Captions.payload()));
        for (int cut = 0; cut < good.length - 1; cut++) {
            assertFalse(CaptionProbe.hasCaptions(avc, java.util.Arrays.copyOf(good, cut)), "cut at " + cut);
        }
        assertFalse(CaptionProbe.hasCaptions(avc, new byte[]{0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 6}));
        assertFalse(CaptionProbe.hasCaptions(avc, new byte[]{0, 0, 0, 0}));
        byte[] sizeTooLarge = lengthPrefixed(new byte[]{0x06, 0x04, (byte) 0xF0, (byte) 0xB5});
        assertFalse(CaptionProbe.hasCaptions(avc, sizeTooLarge));
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[r.nextInt(64)];
            r.nextBytes(junk);
            CaptionProbe.hasCaptions(avc, junk); // never throws
        }
    }

    private static AvcConfig avc4() {
        try (SyntheticAvSource src = new SyntheticAvSource(160, 120, 30, 30, 0, false)) {
            return AvcConfig.parse(src.avcDecoderConfigurationRecord());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
