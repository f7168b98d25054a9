package io.tributary.media.cmaf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.testing.Mp4Boxes;
import io.tributary.media.testing.Mp4Boxes.Box;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CmafStructureTest {

    /** x264 High@3.0 640x360 record (from SyntheticAvSource). */
    static final byte[] AVCC = HexFormat.of().parseHex(
            "0164001effe100196764001eacd940a02ff9610000030001000003003c0f162d9601000468ef8fcbfdf8f800");
    /** AAC-LC 48 kHz stereo with the SBR-absent sync extension FFmpeg writes. */
    static final byte[] ASC = HexFormat.of().parseHex("119056e500");

    @Test
    void videoInitSegmentBoxTree() {
        AvcConfig cfg = AvcConfig.parse(AVCC);
        byte[] init = CmafInitSegment.video(cfg, 1, 90_000);
        List<Box> top = Mp4Boxes.parse(init);
        assertEquals(List.of("ftyp", "moov"), Mp4Boxes.types(top));

        Box ftyp = top.get(0);
        assertEquals("iso6", ftyp.fourcc(0));
        assertEquals(0, ftyp.u32(4));
        assertEquals(List.of("iso6", "cmfc", "mp41"),
                List.of(ftyp.fourcc(8), ftyp.fourcc(12), ftyp.fourcc(16)));
        assertEquals(28, ftyp.size());

        Box moov = top.get(1);
        assertEquals(List.of("mvhd", "trak", "mvex"), moov.childTypes());
        assertEquals(2, moov.child("mvhd").u32(96), "next_track_ID");
        Box trak = moov.child("trak");
        assertEquals(List.of("tkhd", "mdia"), trak.childTypes());
        Box tkhd = trak.child("tkhd");
        assertEquals(3, tkhd.flags());
        assertEquals(1, tkhd.u32(12), "track_ID");
        assertEquals(640L << 16, tkhd.u32(76));
        assertEquals(360L << 16, tkhd.u32(80));
        assertEquals(List.of("mdhd", "hdlr", "minf"), trak.child("mdia").childTypes());
        assertEquals(90_000, trak.path("mdia/mdhd").u32(12), "timescale");
        assertEquals("vide", trak.path("mdia/hdlr").fourcc(8));
        Box minf = trak.path("mdia/minf");
        assertEquals(List.of("vmhd", "dinf", "stbl"), minf.childTypes());
        assertEquals(1, minf.child("vmhd").flags());
        Box dref = minf.path("dinf/dref");
        assertEquals(1, dref.u32(4));
        assertEquals(List.of("url "), dref.childTypes());
        assertEquals(1, dref.child("url ").flags(), "self-contained");
        Box stbl = minf.child("stbl");
        assertEquals(List.of("stsd", "stts", "stsc", "stsz", "stco"), stbl.childTypes());
        for (String empty : List.of("stts", "stsc", "stco")) {
            assertEquals(0, stbl.child(empty).u32(4), empty + " entry_count");
        }
        assertEquals(0, stbl.child("stsz").u32(8), "stsz sample_count");
        Box avc1 = stbl.path("stsd/avc1");
        assertEquals(1, avc1.u16(6), "data_reference_index");
        assertEquals(640, avc1.u16(24));
        assertEquals(360, avc1.u16(26));
        assertEquals(1, avc1.u16(40), "frame_count");
        assertEquals(0x18, avc1.u16(74), "depth");
        assertEquals(List.of("avcC"), avc1.childTypes());
        assertArrayEquals(AVCC, avc1.child("avcC").payload());
        Box trex = moov.path("mvex/trex");
        assertEquals(1, trex.u32(4), "trex track_ID");
        assertEquals(1, trex.u32(8), "default_sample_description_index");
    }

    @Test
    void audioInitSegmentBoxTree() {
        AacConfig cfg = AacConfig.parse(ASC);
        byte[] init = CmafInitSegment.audio(cfg, 2);
        List<Box> top = Mp4Boxes.parse(init);
        assertEquals(List.of("ftyp", "moov"), Mp4Boxes.types(top));
        Box moov = top.get(1);
        assertEquals(3, moov.child("mvhd").u32(96), "next_track_ID");
        Box trak = moov.child("trak");
        assertEquals(2, trak.child("tkhd").u32(12));
        assertEquals(0x0100, trak.child("tkhd").u16(36), "audio volume");
        assertEquals(48_000, trak.path("mdia/mdhd").u32(12), "timescale = sample rate");
        assertEquals("soun", trak.path("mdia/hdlr").fourcc(8));
        assertEquals(List.of("smhd", "dinf", "stbl"), trak.path("mdia/minf").childTypes());
        Box mp4a = trak.path("mdia/minf/stbl/stsd/mp4a");
        assertEquals(2, mp4a.u16(16), "channelcount");
        assertEquals(16, mp4a.u16(18), "samplesize");
        assertEquals(48_000L << 16, mp4a.u32(24), "samplerate 16.16");
        Box esds = mp4a.child("esds");
        assertEquals(List.of("esds"), mp4a.childTypes());
        assertEquals(0, esds.version());

        // walk the descriptors independently of the writer
        byte[] p = esds.payload();
        int[] pos = {4};
        assertEquals(0x03, p[pos[0]++] & 0xFF, "ES_Descriptor tag");
        int esLen = descriptorLength(p, pos);
        assertEquals(p.length, pos[0] + esLen, "ES_Descriptor fills esds");
        assertEquals(2, (p[pos[0]] & 0xFF) << 8 | (p[pos[0] + 1] & 0xFF), "ES_ID");
        pos[0] += 3;
        assertEquals(0x04, p[pos[0]++] & 0xFF, "DecoderConfigDescriptor tag");
        int dcdLen = descriptorLength(p, pos);
        int dcdEnd = pos[0] + dcdLen;
        assertEquals(0x40, p[pos[0]] & 0xFF, "objectTypeIndication");
        assertEquals(0x15, p[pos[0] + 1] & 0xFF, "streamType audio");
        pos[0] += 13;
        assertEquals(0x05, p[pos[0]++] & 0xFF, "DecoderSpecificInfo tag");
        int dsiLen = descriptorLength(p, pos);
        byte[] dsi = new byte[dsiLen];
        System.arraycopy(p, pos[0], dsi, 0, dsiLen);
        assertArrayEquals(ASC, dsi);
        pos[0] += dsiLen;
        assertEquals(dcdEnd, pos[0], "DecoderConfigDescriptor length");
        assertEquals(0x06, p[pos[0]++] & 0xFF, "SLConfigDescriptor tag");
        assertEquals(1, descriptorLength(p, pos));
        assertEquals(0x02, p[pos[0]++] & 0xFF);
        assertEquals(p.length, pos[0]);
    }

    private static int descriptorLength(byte[] p, int[] pos) {
        int len = 0;
        int b;
        do {
            b = p[pos[0]++] & 0xFF;
            len = len << 7 | (b & 0x7F);
        } while ((b & 0x80) != 0);
        return len;
    }

    @Test
    void longAudioSpecificConfigUsesMultiByteDescriptorSizes() {
        // a 200-byte ASC (AAC-LC header then padding) forces 2-byte expandable sizes
        byte[] asc = new byte[200];
        asc[0] = 0x11;
        asc[1] = (byte) 0x90;
        byte[] init = CmafInitSegment.audio(AacConfig.parse(asc), 1);
        Box esds = Mp4Boxes.parse(init).get(1).path("trak/mdia/minf/stbl/stsd/mp4a/esds");
        byte[] p = esds.payload();
        int[] pos = {5};
        assertEquals(p.length - pos[0] - 2, descriptorLength(p, pos));
    }

    @Test
    void fragmentBoxTreeAndTrun() {
        List<CmafSample> samples = List.of(
                new CmafSample(3000, 6000, true, bytes(100, 1)),
                new CmafSample(3000, -3000, false, bytes(37, 2)),
                new CmafSample(3003, 0, false, bytes(0, 3)),
                new CmafSample(2997, 3000, false, bytes(5, 4)));
        long tfdtValue = 0x1_2345_6789L; // needs 64 bits
        byte[] frag = CmafFragment.write(42, 7, tfdtValue, samples);
        List<Box> top = Mp4Boxes.parse(frag);
        assertEquals(List.of("moof", "mdat"), Mp4Boxes.types(top));
        Box moof = top.get(0);
        Box mdat = top.get(1);
        assertEquals(List.of("mfhd", "traf"), moof.childTypes());
        assertEquals(42, moof.child("mfhd").u32(4));
        Box traf = moof.child("traf");
        assertEquals(List.of("tfhd", "tfdt", "trun"), traf.childTypes());
        Box tfhd = traf.child("tfhd");
        assertEquals(0x020000, tfhd.flags(), "default-base-is-moof only");
        assertEquals(7, tfhd.u32(4));
        assertEquals(16, tfhd.size());
        Box tfdt = traf.child("tfdt");
        assertEquals(1, tfdt.version());
        assertEquals(tfdtValue, tfdt.u64(4));
        Box trun = traf.child("trun");
        assertEquals(1, trun.version());
        assertEquals(0x000F01, trun.flags());
        assertEquals(4, trun.u32(4));
        assertEquals(mdat.payloadOffset() - moof.offset(), trun.u32(8), "data_offset -> mdat payload");
        int[][] expected = {{3000, 100, 0x02000000, 6000}, {3000, 37, 0x01010000, -3000},
            {3003, 0, 0x01010000, 0}, {2997, 5, 0x01010000, 3000}};
        for (int i = 0; i < expected.length; i++) {
            int base = 12 + 16 * i;
            assertEquals(expected[i][0], trun.u32(base), "duration " + i);
            assertEquals(expected[i][1], trun.u32(base + 4), "size " + i);
            assertEquals(expected[i][2], (int) trun.u32(base + 8), "flags " + i);
            assertEquals(expected[i][3], (int) trun.u32(base + 12), "composition offset " + i);
        }
        assertEquals(12 + 16 * 4, trun.payloadSize());
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        samples.forEach(s -> payload.writeBytes(s.data()));
        assertArrayEquals(payload.toByteArray(), mdat.payload());
    }

    @Test
    void concatenatedFragmentsKeepTheirOwnOffsets() {
        byte[] init = CmafInitSegment.video(AvcConfig.parse(AVCC), 1, 90_000);
        byte[] f1 = CmafFragment.write(1, 1, 0, List.of(new CmafSample(3000, 0, true, bytes(10, 9))));
        byte[] f2 = CmafFragment.write(2, 1, 3000,
                List.of(new CmafSample(3000, 0, false, bytes(20, 8)), new CmafSample(3000, 0, false, bytes(3, 7))));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(init);
        all.writeBytes(f1);
        all.writeBytes(f2);
        List<Box> top = Mp4Boxes.parse(all.toByteArray());
        assertEquals(List.of("ftyp", "moov", "moof", "mdat", "moof", "mdat"), Mp4Boxes.types(top));
        for (int i : new int[] {2, 4}) {
            Box moof = top.get(i);
            Box mdat = top.get(i + 1);
            assertEquals(mdat.payloadOffset() - moof.offset(), moof.path("traf/trun").u32(8));
        }
        assertEquals(2, top.get(4).child("mfhd").u32(4));
        assertEquals(3000, top.get(4).path("traf/tfdt").u64(4));
    }

    @Test
    void fragmentIsExactlySized() {
        byte[] frag = CmafFragment.write(1, 1, 0, List.of(new CmafSample(1024, 0, true, bytes(300, 1))));
        assertEquals(88 + 16 + 8 + 300, frag.length);
    }

    @Test
    void rejectsInvalidArguments() {
        CmafSample ok = new CmafSample(1, 0, true, new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> CmafFragment.write(1, 1, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> CmafFragment.write(1, 0, 0, List.of(ok)));
        assertThrows(IllegalArgumentException.class, () -> CmafFragment.write(1, 1, -1, List.of(ok)));
        assertThrows(IllegalArgumentException.class,
                () -> CmafFragment.write(1, 1, 0, List.of(new CmafSample(-1, 0, true, new byte[1]))));
        assertThrows(IllegalArgumentException.class, () -> CmafInitSegment.video(AvcConfig.parse(AVCC), 0, 90_000));
        assertThrows(IllegalArgumentException.class, () -> CmafInitSegment.video(AvcConfig.parse(AVCC), 1, 0));
    }

    private static byte[] bytes(int n, int fill) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }
}
