package io.tributary.media.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.VideoCodec;
import io.tributary.media.testing.EncodedClip;
import io.tributary.media.testing.Mp4Boxes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HevcConfigTest {

    static final byte[] VPS = {0x40, 0x01, 0x0C, 0x01, (byte) 0xFF, (byte) 0xFF};
    static final byte[] PPS = {0x44, 0x01, (byte) 0xC1, 0x72, (byte) 0xB4, 0x62, 0x40};

    /** An SPS NAL (header included) with the given profile_tier_level and picture fields. */
    static byte[] sps(int profileSpace, boolean highTier, int profile, long compat, long constraints, int level,
            int subLayersMinus1, int chroma, int width, int height, int[] window, int bitDepth) {
        BitWriter w = new BitWriter();
        w.bits(0, 4).bits(subLayersMinus1, 3).flag(true);
        w.bits(profileSpace, 2).flag(highTier).bits(profile, 5).bits(compat, 32).bits(constraints, 48).bits(level, 8);
        for (int i = 0; i < subLayersMinus1; i++) {
            w.flag(true).flag(true); // sub-layer profile and level present
        }
        if (subLayersMinus1 > 0) {
            w.bits(0, 2 * (8 - subLayersMinus1));
        }
        for (int i = 0; i < subLayersMinus1; i++) {
            w.bits(0x1234, 16).bits(0, 32).bits(0, 32).bits(0, 8); // 88 bits of sub-layer profile
            w.bits(level, 8);
        }
        w.ue(0).ue(chroma);
        if (chroma == 3) {
            w.flag(false);
        }
        w.ue(width).ue(height);
        w.flag(window != null);
        if (window != null) {
            w.ue(window[0]).ue(window[1]).ue(window[2]).ue(window[3]);
        }
        w.ue(bitDepth - 8).ue(bitDepth - 8).ue(4);
        byte[] rbsp = BitWriter.escape(w.rbsp());
        byte[] nal = new byte[rbsp.length + 2];
        nal[0] = 0x42;
        nal[1] = 0x01;
        System.arraycopy(rbsp, 0, nal, 2, rbsp.length);
        return nal;
    }

    @Test
    void mainProfileRecordAndCodecString() {
        byte[] sps = sps(0, false, 1, 0x6000_0000L, 0xB000_0000_0000L, 93, 0, 1, 1920, 1088, new int[] {0, 0, 0, 4}, 8);
        byte[] rec = HevcConfig.fromParameterSets(List.of(VPS), List.of(sps), List.of(PPS));
        assertEquals(1, rec[0]);
        assertEquals(0x01, rec[1]);
        assertArrayEquals(new byte[] {0x60, 0, 0, 0, (byte) 0xB0, 0, 0, 0, 0, 0, 93}, Arrays.copyOfRange(rec, 2, 13));
        assertEquals(0xFD, rec[16] & 0xFF, "chromaFormat 1");
        assertEquals(0xF8, rec[17] & 0xFF, "8-bit luma");
        assertEquals(3, rec[21] & 3, "4-byte NAL lengths");
        assertEquals(3, rec[22], "three NAL arrays");
        HevcConfig c = HevcConfig.parse(rec);
        assertEquals(1920, c.width());
        assertEquals(1080, c.height(), "conformance window counts in chroma rows");
        assertEquals("hvc1.1.6.L93.B0", c.codecString());
        assertEquals(4, c.nalLengthSize());
        assertEquals(3, c.parameterSets().size());
        assertArrayEquals(sps, c.parameterSets().get(1));
        assertEquals(VideoCodec.H265, c.codec());
        assertEquals("hvc1", c.sampleEntry());
    }

    @Test
    void hvc1RecordMarksParameterSetArraysComplete() {
        byte[] sps = sps(0, false, 1, 0x6000_0000L, 0xB000_0000_0000L, 93, 0, 1, 64, 64, null, 8);
        byte[] rec = HevcConfig.fromParameterSets(List.of(VPS), List.of(sps), List.of(PPS));
        int[] arrays = {23, 23 + 3 + 2 + VPS.length, 23 + 3 + 2 + VPS.length + 3 + 2 + sps.length};
        for (int at : arrays) {
            rec[at] &= 0x3F; // as FFmpeg's flv muxer writes it
        }
        byte[] hvc1 = HevcConfig.parse(rec).hvc1Record();
        for (int at : arrays) {
            assertEquals(0x80, hvc1[at] & 0x80, "array_completeness at " + at);
            assertEquals(rec[at] & 0x3F, hvc1[at] & 0x3F, "NAL type kept");
        }
        hvc1[arrays[0]] = rec[arrays[0]];
        hvc1[arrays[1]] = rec[arrays[1]];
        hvc1[arrays[2]] = rec[arrays[2]];
        assertArrayEquals(rec, hvc1, "nothing else changes");
    }

    @Test
    void main10HighTierWithSubLayers() {
        byte[] sps = sps(0, true, 2, 0x2000_0000L, 0x9000_0000_0001L, 153, 2, 1, 3840, 2160, null, 10);
        HevcConfig c = HevcConfig.parse(HevcConfig.fromParameterSets(List.of(VPS), List.of(sps), List.of(PPS)));
        assertEquals(3840, c.width());
        assertEquals(2160, c.height());
        assertEquals(10, c.bitDepthLuma());
        // every constraint byte up to the last non-zero one is written
        assertEquals("hvc1.2.4.H153.90.0.0.0.0.1", c.codecString());
        assertEquals(3, c.record()[21] >> 3 & 7, "numTemporalLayers");
    }

    @Test
    void profileSpaceLetterAnd444Chroma() {
        byte[] sps = sps(1, false, 4, 0x0800_0000L, 0, 120, 0, 3, 640, 360, new int[] {1, 1, 0, 0}, 8);
        HevcConfig c = HevcConfig.parse(HevcConfig.fromParameterSets(List.of(VPS), List.of(sps), List.of(PPS)));
        assertEquals("hvc1.A4.10.L120", c.codecString());
        assertEquals(638, c.width(), "4:4:4 crops in luma samples");
        assertEquals(3, c.chromaFormat());
    }

    @Test
    void refusesWhatIsNotAnHvcC() {
        byte[] sps = sps(0, false, 1, 0x6000_0000L, 0xB000_0000_0000L, 93, 0, 1, 64, 64, null, 8);
        assertThrows(MediaFormatException.class, () -> HevcConfig.fromParameterSets(List.of(), List.of(sps),
                List.of(PPS)));
        assertThrows(MediaFormatException.class, () -> HevcConfig.fromParameterSets(List.of(VPS), List.of(PPS),
                List.of(PPS)), "a PPS in the SPS list");
        byte[] rec = HevcConfig.fromParameterSets(List.of(VPS), List.of(sps), List.of(PPS));
        assertThrows(MediaFormatException.class, () -> HevcConfig.parse(Arrays.copyOf(rec, rec.length - 1)));
        byte[] noPps = rec.clone();
        noPps[22] = 2;
        assertThrows(MediaFormatException.class, () -> HevcConfig.parse(Arrays.copyOf(noPps, rec.length - 2 - 2
                - PPS.length - 1)));
        byte[] zeroWidth = sps(0, false, 1, 0, 0, 93, 0, 1, 0, 64, null, 8);
        assertThrows(MediaFormatException.class, () -> HevcConfig.fromParameterSets(List.of(VPS),
                List.of(zeroWidth), List.of(PPS)));
    }

    /** FFmpeg's own hvcC writer (mp4 muxer) over libx265 output: both directions agree with it. */
    @Test
    void agreesWithFfmpegsHvcCForX265(@TempDir Path dir) throws Exception {
        Path mp4 = dir.resolve("x265.mp4");
        EncodedClip.write(mp4.toString(), "mp4", "libx265", 330, 190, 25, 10, 25, false);
        byte[] ffmpeg = hvcC(Files.readAllBytes(mp4));
        HevcConfig c = HevcConfig.parse(ffmpeg);
        assertEquals(330, c.width());
        assertEquals(190, c.height());
        assertEquals(1, c.profileIdc(), "x265 defaults to Main");
        assertTrue(c.codecString().matches("hvc1\\.1\\.6\\.L\\d+(\\.[0-9A-F]{1,2})*"), c.codecString());
        List<byte[]> vps = new ArrayList<>();
        List<byte[]> sps = new ArrayList<>();
        List<byte[]> pps = new ArrayList<>();
        for (byte[] nal : c.parameterSets()) {
            int type = nal[0] >> 1 & 0x3F;
            (type == 32 ? vps : type == 33 ? sps : pps).add(nal);
        }
        byte[] ours = HevcConfig.fromParameterSets(vps, sps, pps);
        // profile, compatibility, constraints, level; chroma and bit depths; NAL length size
        assertArrayEquals(Arrays.copyOfRange(ffmpeg, 1, 13), Arrays.copyOfRange(ours, 1, 13));
        assertArrayEquals(Arrays.copyOfRange(ffmpeg, 16, 19), Arrays.copyOfRange(ours, 16, 19));
        assertEquals(ffmpeg[21] & 3, ours[21] & 3);
        assertEquals(c.codecString(), HevcConfig.parse(ours).codecString());
    }

    static byte[] hvcC(byte[] mp4) {
        Mp4Boxes.Box moov = Mp4Boxes.parse(mp4).stream().filter(b -> b.type().equals("moov")).findFirst()
                .orElseThrow();
        Mp4Boxes.Box stsd = moov.path("trak/mdia/minf/stbl/stsd");
        // FFmpeg's mp4 muxer tags HEVC hev1 unless told otherwise; the record is the same
        Mp4Boxes.Box entry = stsd.childTypes().contains("hvc1") ? stsd.child("hvc1") : stsd.child("hev1");
        return entry.child("hvcC").payload();
    }
}
