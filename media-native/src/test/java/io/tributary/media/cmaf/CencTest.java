package io.tributary.media.cmaf;

import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.testing.Mp4Boxes;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link CencInit} and {@link CencSegment} write, read back by this test's own reading of the
 * boxes and decrypted with the JDK's AES/CTR over the ranges senc describes: the clear samples again.
 */
class CencTest {

    private static final byte[] KID = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
    private static final byte[] KEY = HexFormat.of().parseHex("0f0e0d0c0b0a09080706050403020100");

    @Test
    void theInitNamesTheSchemeTheKidAndTheOriginalEntry() {
        byte[] clear = CmafInitSegment.video(AvcConfig.parse(CmafStructureTest.AVCC), 1, 90_000);
        byte[] init = CencInit.protect(clear, KID);
        List<Mp4Boxes.Box> top = Mp4Boxes.parse(init); // every size chains
        Mp4Boxes.Box moov = Mp4Boxes.find(top, "moov");
        Mp4Boxes.Box encv = moov.path("trak/mdia/minf/stbl/stsd/encv");
        assertArrayEquals(CmafStructureTest.AVCC, encv.child("avcC").payload(), "the decoder configuration stays clear");
        Mp4Boxes.Box sinf = encv.child("sinf");
        assertEquals("avc1", sinf.child("frma").fourcc(0));
        assertEquals("cenc", sinf.child("schm").fourcc(4));
        assertEquals(0x00010000, sinf.child("schm").u32(8));
        Mp4Boxes.Box tenc = sinf.path("schi/tenc");
        assertEquals(1, tenc.u8(6), "default_isProtected");
        assertEquals(8, tenc.u8(7), "Per_Sample_IV_Size");
        assertArrayEquals(KID, Arrays.copyOfRange(tenc.payload(), 8, 24));
        Mp4Boxes.Box pssh = moov.child("pssh");
        assertArrayEquals(CencInit.COMMON_SYSTEM_ID, Arrays.copyOfRange(pssh.payload(), 4, 20));
        assertArrayEquals(KID, Arrays.copyOfRange(pssh.payload(), 24, 40));
        assertTrue(Fmp4Reader.init(init).video(), "still one video track to a reader");

        byte[] audio = CencInit.protect(CmafInitSegment.audio(AacConfig.parse(CmafStructureTest.ASC), 1), KID);
        Mp4Boxes.Box enca = Mp4Boxes.find(Mp4Boxes.parse(audio), "moov").path("trak/mdia/minf/stbl/stsd/enca");
        assertEquals("mp4a", enca.path("sinf/frma").fourcc(0));
    }

    @Test
    void videoSubsamplesDecryptToTheClearSamplesWithHeadersInTheClear() throws Exception {
        Random r = new Random(7);
        byte[] init = CmafInitSegment.video(AvcConfig.parse(CmafStructureTest.AVCC), 1, 90_000);
        Fmp4Reader.Track track = Fmp4Reader.init(init);
        // an SEI (clear), an IDR slice, a slice shorter than a block, and an SEI too long for one clear count
        List<CmafSample> first = List.of(
                new CmafSample(3600, 0, true, avcc(r, nal(r, 6, 40), nal(r, 5, 5000))),
                new CmafSample(3600, 0, false, avcc(r, nal(r, 1, 9))),
                new CmafSample(3600, 0, false, avcc(r, nal(r, 6, 70_000), nal(r, 1, 333))));
        List<CmafSample> second = List.of(new CmafSample(3600, 0, false, avcc(r, nal(r, 1, 1024), nal(r, 1, 17))));
        ByteArrayOutputStream clear = new ByteArrayOutputStream();
        clear.write(sidxStyp(2));
        int sidxSize = clear.size() - 24;
        byte[] f1 = CmafFragment.write(1, 1, 0, first);
        byte[] f2 = CmafFragment.write(2, 1, 10_800, second);
        clear.write(f1);
        clear.write(f2);
        byte[] segment = clear.toByteArray();
        ByteBuffer.wrap(segment).putInt(24 + 32, f1.length).putInt(24 + 44, f2.length); // the sidx references

        byte[] enc = CencSegment.encrypt(track, segment, KEY, 1000);
        List<byte[]> decrypted = decrypt(track, enc, KEY, true);
        List<Fmp4Reader.Sample> plain = Fmp4Reader.samples(track, segment);
        assertEquals(plain.size(), decrypted.size());
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i).data(), decrypted.get(i), "sample " + i);
        }
        List<Fmp4Reader.Sample> wire = Fmp4Reader.samples(track, enc);
        byte[] idr = wire.get(0).data();
        assertArrayEquals(Arrays.copyOfRange(plain.get(0).data(), 0, 4 + 40 + 4 + 1), Arrays.copyOfRange(idr, 0, 4 + 40 + 4 + 1),
                "the SEI and the slice's length and header are clear");
        assertFalse(Arrays.equals(plain.get(0).data(), idr), "the slice is not");
        assertArrayEquals(plain.get(1).data(), wire.get(1).data(), "a slice shorter than a block stays clear");

        // the sidx spans the grown fragments: each reference ends where the next moof starts
        List<Mp4Boxes.Box> top = Mp4Boxes.parse(enc);
        Mp4Boxes.Box sidx = Mp4Boxes.find(top, "sidx");
        List<Mp4Boxes.Box> moofs = top.stream().filter(b -> b.type().equals("moof")).toList();
        assertEquals(moofs.get(1).offset() - moofs.get(0).offset(), sidx.u32(24) & 0x7fffffffL);
        assertEquals(enc.length - moofs.get(1).offset(), sidx.u32(36) & 0x7fffffffL);
        assertEquals(sidxSize, sidx.size());
    }

    @Test
    void audioIsEncryptedWholeUnderDistinctIvs() throws Exception {
        byte[] init = CmafInitSegment.audio(AacConfig.parse(CmafStructureTest.ASC), 1);
        Fmp4Reader.Track track = Fmp4Reader.init(init);
        Random r = new Random(3);
        List<CmafSample> samples = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            samples.add(new CmafSample(1024, 0, true, random(r, 100 + 37 * i)));
        }
        byte[] segment = CmafFragment.write(1, 1, 0, samples);
        byte[] enc = CencSegment.encrypt(track, segment, KEY, Long.MAX_VALUE - 2); // the 64-bit IV wraps, no counter overlaps
        List<byte[]> decrypted = decrypt(track, enc, KEY, false);
        for (int i = 0; i < samples.size(); i++) {
            assertArrayEquals(samples.get(i).data(), decrypted.get(i));
            assertFalse(Arrays.equals(samples.get(i).data(), Fmp4Reader.samples(track, enc).get(i).data()));
        }
        Mp4Boxes.Box traf = Mp4Boxes.find(Mp4Boxes.parse(enc), "moof").child("traf");
        assertEquals(8, traf.child("saiz").u8(4), "one IV a sample, no subsamples");
        assertEquals(0, traf.child("senc").flags());
        assertFalse(Arrays.equals(decrypt(track, enc, HexFormat.of().parseHex("00000000000000000000000000000001"), false).get(0),
                samples.get(0).data()), "another key opens nothing");
    }

    /**
     * This test's own reading: saio gives where the senc's IVs start (from the moof); saiz their sizes;
     * each sample's protected ranges run through one AES-CTR key stream from IV || 0.
     */
    private static List<byte[]> decrypt(Fmp4Reader.Track track, byte[] enc, byte[] key, boolean subsamples) throws Exception {
        List<byte[]> out = new ArrayList<>();
        List<Fmp4Reader.Sample> wire = Fmp4Reader.samples(track, enc);
        int next = 0;
        for (Mp4Boxes.Box moof : Mp4Boxes.parse(enc).stream().filter(b -> b.type().equals("moof")).toList()) {
            Mp4Boxes.Box traf = moof.child("traf");
            Mp4Boxes.Box senc = traf.child("senc");
            assertEquals(subsamples ? 2 : 0, senc.flags());
            int count = (int) senc.u32(4);
            assertEquals(count, traf.child("saiz").u32(5));
            assertEquals(1, traf.child("saio").u32(4));
            int at = moof.offset() + (int) traf.child("saio").u32(8);
            assertEquals(senc.payloadOffset() + 8, at, "saio points at the first IV");
            ByteBuffer b = ByteBuffer.wrap(enc);
            for (int i = 0; i < count; i++) {
                byte[] iv = Arrays.copyOf(Arrays.copyOfRange(enc, at, at + 8), 16);
                at += 8;
                Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
                byte[] sample = wire.get(next++).data().clone();
                if (!subsamples) {
                    out.add(c.doFinal(sample));
                    continue;
                }
                int n = b.getShort(at) & 0xffff;
                at += 2;
                int pos = 0;
                for (int s = 0; s < n; s++) {
                    pos += b.getShort(at) & 0xffff;
                    int protectedBytes = b.getInt(at + 2);
                    at += 6;
                    assertEquals(0, protectedBytes % 16, "whole blocks");
                    if (protectedBytes > 0) {
                        System.arraycopy(c.update(sample, pos, protectedBytes), 0, sample, pos, protectedBytes);
                    }
                    pos += protectedBytes;
                }
                assertEquals(sample.length, pos, "the subsamples cover the sample");
                out.add(sample);
            }
        }
        return out;
    }

    private static byte[] nal(Random r, int type, int size) {
        byte[] n = random(r, size);
        n[0] = (byte) (0x60 | type);
        return n;
    }

    private static byte[] avcc(Random r, byte[]... nals) {
        ByteBuffer b = ByteBuffer.allocate(Arrays.stream(nals).mapToInt(n -> n.length + 4).sum());
        for (byte[] n : nals) {
            b.putInt(n.length).put(n);
        }
        return b.array();
    }

    private static byte[] random(Random r, int size) {
        byte[] b = new byte[size];
        r.nextBytes(b);
        return b;
    }

    /** styp, then a version 0 sidx with {@code references} entries (sizes filled in by the caller). */
    private static byte[] sidxStyp(int references) {
        ByteBuffer b = ByteBuffer.allocate(24 + 32 + 12 * references);
        b.putInt(24).put("styp".getBytes()).put("msdh".getBytes()).putInt(0).put("msdh".getBytes()).put("msix".getBytes());
        b.putInt(32 + 12 * references).put("sidx".getBytes()).putInt(0).putInt(1).putInt(90_000).putInt(0).putInt(0)
                .putShort((short) 0).putShort((short) references);
        for (int i = 0; i < references; i++) {
            b.putInt(0).putInt(3600).putInt(0x90000000);
        }
        return b.array();
    }
}
