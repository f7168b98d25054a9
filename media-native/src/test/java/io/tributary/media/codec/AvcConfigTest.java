package io.tributary.media.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.testing.SyntheticAvSource;
import java.util.Arrays;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AvcConfigTest {

    /** Real x264 headers: size, profile cap, level, pixel format, extra x264 params -> expected facts. */
    static Stream<Arguments> x264Configs() {
        int p420 = avutil.AV_PIX_FMT_YUV420P;
        return Stream.of(
                Arguments.of(320, 240, "baseline", 13, p420, null, 66, "avc1.42c00d"),
                Arguments.of(1280, 720, "main", 31, p420, null, 77, "avc1.4d401f"),
                Arguments.of(1920, 1080, "high", 40, p420, null, 100, "avc1.640028"),
                // interlaced: frame_mbs_only_flag = 0, crop unit doubles
                Arguments.of(1920, 1080, "high", 40, p420, "interlaced=1", 100, "avc1.640028"),
                // custom quant matrices: seq_scaling_matrix_present_flag with lists to skip
                Arguments.of(1920, 1080, "high", 40, p420, "cqm=jvt", 100, "avc1.640028"),
                // right and bottom cropping not multiple of 16
                Arguments.of(650, 366, "high", 30, p420, null, 100, "avc1.64001e"),
                Arguments.of(1280, 720, "high422", 31, avutil.AV_PIX_FMT_YUV422P, null, 122, "avc1.7a001f"),
                Arguments.of(1920, 1080, "high444", 40, avutil.AV_PIX_FMT_YUV444P, null, 244, "avc1.f40028"),
                Arguments.of(1918, 1082, "high444", 40, avutil.AV_PIX_FMT_YUV444P, "cqm=jvt", 244, "avc1.f40028"));
    }

    @ParameterizedTest(name = "{0}x{1} {2} level {3} params {5}")
    @MethodSource("x264Configs")
    void parsesRealX264Records(int width, int height, String profile, int level, int pixFmt, String params,
            int expectedProfileIdc, String expectedCodec) {
        byte[] record;
        try (SyntheticAvSource src = SyntheticAvSource.builder().size(width, height).audio(false)
                .preset("veryfast").profile(profile).level(level).pixelFormat(pixFmt).x264Params(params).build()) {
            record = src.avcDecoderConfigurationRecord();
        }
        AvcConfig c = AvcConfig.parse(record);
        assertEquals(width, c.width(), "width");
        assertEquals(height, c.height(), "height");
        assertEquals(expectedProfileIdc, c.profileIdc(), "profile_idc");
        assertEquals(level, c.levelIdc(), "level_idc");
        assertEquals(4, c.nalLengthSize());
        assertEquals(expectedCodec, c.codecString());
        assertTrue(Arrays.equals(record, c.record()));
    }

    @Test
    void recordIsCopiedAndEqualityIsByContent() {
        byte[] rec = BitWriter.avcC(spsNal(baseline(40, 30, 0, 0)), 3);
        AvcConfig a = AvcConfig.parse(rec);
        AvcConfig b = AvcConfig.parse(rec.clone());
        rec[10] ^= 0x55;
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(640, a.width());
        assertEquals(480, a.height());
    }

    /** Baseline SPS, frame_mbs_only, optional crop (in 4:2:0 units of 2 pixels). */
    private static BitWriter baseline(int widthMbs, int heightMbs, int cropRight, int cropBottom) {
        BitWriter w = new BitWriter().bits(66, 8).bits(0xC0, 8).bits(30, 8)
                .ue(0).ue(0).ue(0).ue(4) // sps_id, log2_max_frame_num-4, poc type 0, log2_max_poc_lsb-4
                .ue(1).flag(false) // max_num_ref_frames, gaps
                .ue(widthMbs - 1).ue(heightMbs - 1).flag(true).flag(true);
        boolean crop = cropRight != 0 || cropBottom != 0;
        w.flag(crop);
        if (crop) {
            w.ue(0).ue(cropRight).ue(0).ue(cropBottom);
        }
        return w.flag(false); // vui_parameters_present_flag
    }

    private static byte[] spsNal(BitWriter w) {
        byte[] esc = BitWriter.escape(w.rbsp());
        byte[] nal = new byte[esc.length + 1];
        nal[0] = 0x67;
        System.arraycopy(esc, 0, nal, 1, esc.length);
        return nal;
    }

    @Test
    void removesEmulationPreventionBytesBeforeReadingDimensions() {
        // pic_order_cnt_type 1 with huge offsets puts long zero runs ahead of the size fields,
        // so the escaped SPS contains 00 00 03 sequences that must be stripped
        BitWriter w = new BitWriter().bits(77, 8).bits(0x40, 8).bits(31, 8)
                .ue(0).ue(0).ue(1) // sps_id, log2_max_frame_num-4, poc type 1
                .flag(false).se(-(1L << 29)).se(1L << 29).ue(3) // always_zero, non_ref, top_to_bottom, cycle
                .se(1L << 28).se(-(1L << 28) + 3).se(7)
                .ue(4).flag(false) // max_num_ref_frames, gaps
                .ue(79).ue(44).flag(true).flag(true) // 1280x720
                .flag(false).flag(false);
        byte[] rbsp = w.rbsp();
        byte[] escaped = BitWriter.escape(rbsp);
        assertTrue(escaped.length > rbsp.length, "test SPS must actually need emulation prevention");
        AvcConfig c = AvcConfig.parse(BitWriter.avcC(spsNalRaw(escaped), 1));
        assertEquals(1280, c.width());
        assertEquals(720, c.height());
        assertEquals(2, c.nalLengthSize());
        assertEquals("avc1.4d401f", c.codecString());
    }

    private static byte[] spsNalRaw(byte[] escapedPayload) {
        byte[] nal = new byte[escapedPayload.length + 1];
        nal[0] = 0x67;
        System.arraycopy(escapedPayload, 0, nal, 1, escapedPayload.length);
        return nal;
    }

    @Test
    void appliesCroppingInChromaUnits() {
        // 4:2:0 frame: crop units are 2x2 -> 1920x1088 cropped by 8 rows = 1080
        AvcConfig c = AvcConfig.parse(BitWriter.avcC(spsNal(baseline(120, 68, 0, 4)), 3));
        assertEquals(1920, c.width());
        assertEquals(1080, c.height());
        AvcConfig odd = AvcConfig.parse(BitWriter.avcC(spsNal(baseline(41, 23, 3, 1)), 3));
        assertEquals(656 - 6, odd.width());
        assertEquals(368 - 2, odd.height());
    }

    @Test
    void rejectsMalformedRecords() {
        byte[] good = BitWriter.avcC(spsNal(baseline(40, 30, 0, 0)), 3);
        assertThrows(MediaFormatException.class, () -> AvcConfig.parse(null));
        assertThrows(MediaFormatException.class, () -> AvcConfig.parse(new byte[0]));
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThrows(MediaFormatException.class, () -> AvcConfig.parse(cut), "truncated to " + len);
        }
        byte[] version = good.clone();
        version[0] = 2;
        assertThrows(MediaFormatException.class, () -> AvcConfig.parse(version));
        byte[] noSps = good.clone();
        noSps[5] = (byte) 0xE0;
        assertThrows(MediaFormatException.class, () -> AvcConfig.parse(noSps));
        byte[] notSps = good.clone();
        notSps[8] = 0x68; // NAL type 8 where the SPS belongs
        assertThrows(MediaFormatException.class, () -> AvcConfig.parse(notSps));
        byte[] lengthSize3 = good.clone();
        lengthSize3[4] = (byte) 0xFE;
        assertThrows(MediaFormatException.class, () -> AvcConfig.parse(lengthSize3));
        // cropping larger than the coded picture
        assertThrows(MediaFormatException.class,
                () -> AvcConfig.parse(BitWriter.avcC(spsNal(baseline(2, 2, 16, 0)), 3)));
    }

    @Test
    void rejectsTruncatedRbspInsideSps() {
        byte[] sps = spsNal(baseline(40, 30, 0, 0));
        for (int len = 4; len < sps.length; len++) { // avcC copies bytes 1..3 of the SPS
            byte[] nal = Arrays.copyOf(sps, len);
            assertThrows(MediaFormatException.class, () -> AvcConfig.parse(BitWriter.avcC(nal, 3)),
                    "SPS cut to " + len);
        }
    }
}
