package io.tributary.media.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.VideoCodec;
import io.tributary.media.testing.EncodedClip;
import io.tributary.media.testing.Mp4Boxes;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Av1ConfigTest {

    /** A sequence header OBU payload with timing and decoder model info and two operating points. */
    static byte[] fullSequenceHeader(int profile, int level0, int width, int height) {
        return fullSequenceHeader(profile, level0, false, width, height);
    }

    static byte[] fullSequenceHeader(int profile, int level0, boolean tier0, int width, int height) {
        BitWriter w = new BitWriter();
        w.bits(profile, 3).flag(false).flag(false); // still_picture, reduced_still_picture_header
        w.flag(true).bits(1001, 32).bits(60000, 32).flag(true); // timing_info, equal_picture_interval
        w.bits(0, 3).bits(1, 1).bits(5, 3); // num_ticks_per_picture_minus_1 as uvlc(): 3 zeros, marker, 3 bits
        w.flag(true).bits(9, 5).bits(1, 32).bits(31, 5).bits(31, 5); // decoder_model_info, buffer delay 10 bits
        w.flag(true); // initial_display_delay_present_flag
        w.bits(1, 5); // two operating points
        w.bits(0x101, 12).bits(level0, 5);
        if (level0 > 7) {
            w.flag(tier0);
        }
        w.flag(true).bits(100, 10).bits(200, 10).flag(false); // decoder model for op 0
        w.flag(true).bits(3, 4); // initial display delay for op 0
        w.bits(0x102, 12).bits(8, 5).flag(true).flag(false).flag(false); // op 1: level 8, tier, no models
        w.bits(15, 4).bits(15, 4).bits(width - 1, 16).bits(height - 1, 16);
        return w.rbsp();
    }

    static byte[] reducedSequenceHeader(int profile, int level, int width, int height) {
        BitWriter w = new BitWriter();
        w.bits(profile, 3).flag(true).flag(true).bits(level, 5);
        w.bits(11, 4).bits(10, 4).bits(width - 1, 12).bits(height - 1, 11);
        return w.rbsp();
    }

    static byte[] av1C(int profile, int level, boolean tier, boolean high, boolean twelve, byte[] seqPayload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x81);
        o.write(profile << 5 | level);
        o.write((tier ? 0x80 : 0) | (high ? 0x40 : 0) | (twelve ? 0x20 : 0) | 0x0C); // 4:2:0
        o.write(0);
        o.write(0x0A); // OBU_SEQUENCE_HEADER with obu_size
        writeLeb(o, seqPayload.length);
        o.writeBytes(seqPayload);
        return o.toByteArray();
    }

    static void writeLeb(ByteArrayOutputStream o, int v) {
        do {
            int b = v & 0x7F;
            v >>>= 7;
            o.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }

    @Test
    void fullHeaderCodecStringAndSize() {
        Av1Config c = Av1Config.parse(av1C(0, 13, false, false, false, fullSequenceHeader(0, 13, 1920, 1080)));
        assertEquals(1920, c.width());
        assertEquals(1080, c.height());
        assertEquals("av01.0.13M.08", c.codecString());
        assertEquals(VideoCodec.AV1, c.codec());
        assertEquals("av01", c.sampleEntry());
    }

    @Test
    void professionalTwelveBitHighTier() {
        Av1Config c = Av1Config.parse(av1C(2, 12, true, true, true, fullSequenceHeader(2, 12, true, 640, 360)));
        assertEquals("av01.2.12H.12", c.codecString());
        Av1Config ten = Av1Config.parse(av1C(1, 4, false, true, false, reducedSequenceHeader(1, 4, 1280, 720)));
        assertEquals("av01.1.04M.10", ten.codecString());
        assertEquals(1280, ten.width());
        assertEquals(720, ten.height());
    }

    @Test
    void followsTheSequenceHeaderAndRefusesTruncation() {
        byte[] seq = fullSequenceHeader(0, 8, 320, 240);
        assertEquals("av01.0.08M.08", Av1Config.parse(av1C(0, 9, true, false, false, seq)).codecString(),
                "the sequence header's level and tier win over the record's copies");
        byte[] ok = av1C(0, 8, false, false, false, seq);
        Av1Config.parse(ok);
        assertThrows(MediaFormatException.class, () -> Av1Config.parse(Arrays.copyOf(ok, ok.length - 1)));
        assertThrows(MediaFormatException.class, () -> Av1Config.parse(Arrays.copyOf(ok, 4)), "no config OBUs");
        byte[] badMarker = ok.clone();
        badMarker[0] = 0x01;
        assertThrows(MediaFormatException.class, () -> Av1Config.parse(badMarker));
    }

    /** FFmpeg's av1C writer (mp4 muxer) over SVT-AV1 output. */
    @Test
    void parsesFfmpegsAv1CForSvtAv1(@TempDir Path dir) throws Exception {
        Path mp4 = dir.resolve("svt.mp4");
        EncodedClip.write(mp4.toString(), "mp4", "libsvtav1", 330, 190, 25, 10, 25, false);
        Mp4Boxes.Box moov = Mp4Boxes.parse(Files.readAllBytes(mp4)).stream()
                .filter(b -> b.type().equals("moov")).findFirst().orElseThrow();
        byte[] rec = moov.path("trak/mdia/minf/stbl/stsd/av01/av1C").payload();
        Av1Config c = Av1Config.parse(rec);
        assertEquals(330, c.width());
        assertEquals(190, c.height());
        assertEquals(8, c.bitDepth());
        assertTrue(c.codecString().matches("av01\\.0\\.\\d\\dM\\.08"), c.codecString());
    }
}
