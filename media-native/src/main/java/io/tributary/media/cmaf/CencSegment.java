package io.tributary.media.cmaf;

import io.tributary.media.codec.MediaFormatException;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * A media segment of a single-track fMP4 encrypted with the {@code cenc} scheme (ISO/IEC 23001-7),
 * sans-IO. Each sample is AES-128-CTR under its own 8-byte IV (the counter block is IV then a 64-bit
 * block count from 0). Audio is encrypted whole; H.264 video by subsample: each NAL unit's length
 * prefix and header byte stay clear, as do non-VCL units, and the protected part of a slice is a
 * whole number of AES blocks (the remainder joins the clear bytes, as packagers do), so a parser
 * still finds every NAL unit. Each traf gains senc, saiz and saio (the IVs and subsample map); the
 * trun data offsets and any sidx sizes follow the moof's growth.
 */
public final class CencSegment {

    /** senc flag: each sample has a subsample map. */
    private static final int USE_SUBSAMPLES = 0x2;
    private static final int MAX_CLEAR = 0xFFFF;

    private CencSegment() {
    }

    /** One sample's IV and, for video, its subsamples: {clear, protected} byte counts in order. */
    private record SampleInfo(byte[] iv, List<int[]> subsamples) {
    }

    /**
     * {@code segment} (of the track {@code track} describes) encrypted under {@code key}; sample
     * {@code i} of the segment (in decode order) has the IV {@code firstIv + i}. The caller keeps IVs
     * unique per key: a repeated IV under one key would reveal both samples.
     */
    public static byte[] encrypt(Fmp4Reader.Track track, byte[] segment, byte[] key, long firstIv) {
        int lengthSize = 0;
        if (track.video()) {
            if (!track.sampleEntry().equals("avc1") && !track.sampleEntry().equals("avc3")) {
                throw new MediaFormatException("only H.264 video is encrypted by subsample, not " + track.sampleEntry());
            }
            lengthSize = (track.config()[4] & 3) + 1;
        }
        List<Fmp4Reader.Fragment> fragments = Fmp4Reader.fragments(track, segment);
        ByteBuffer in = ByteBuffer.wrap(segment);
        ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length + 256 + 32 * sampleCount(fragments));
        int copied = 0;
        int[] moofs = new int[fragments.size()];
        int[] growth = new int[fragments.size()];
        List<int[]> ranges = new ArrayList<>(); // {new offset, length} of each protected range, per sample in order
        List<byte[]> ivs = new ArrayList<>();
        List<int[]> perSample = new ArrayList<>(); // {first range, range count}
        long iv = firstIv;
        int shift = 0;
        for (int f = 0; f < fragments.size(); f++) {
            Fmp4Reader.Fragment frag = fragments.get(f);
            List<SampleInfo> infos = new ArrayList<>();
            for (Fmp4Reader.Sample s : frag.samples()) {
                byte[] sampleIv = ByteBuffer.allocate(CencInit.IV_SIZE).putLong(0, iv++).array();
                List<int[]> subs = lengthSize == 0 ? List.of() : subsamples(s.data(), lengthSize);
                infos.add(new SampleInfo(sampleIv, subs));
            }
            byte[] moof = moof(segment, in, frag, infos, lengthSize != 0);
            out.write(segment, copied, frag.offset() - copied);
            out.write(moof, 0, moof.length);
            copied = frag.offset() + frag.moofSize();
            moofs[f] = frag.offset();
            growth[f] = moof.length - frag.moofSize();
            shift += growth[f];
            for (int i = 0; i < infos.size(); i++) {
                Fmp4Reader.Sample s = frag.samples().get(i);
                if (s.offset() < copied) {
                    throw new MediaFormatException("a sample lies before the end of its moof");
                }
                int at = s.offset() + shift;
                perSample.add(new int[] {ranges.size(), 0});
                ivs.add(infos.get(i).iv());
                if (lengthSize == 0) {
                    ranges.add(new int[] {at, s.data().length});
                } else {
                    for (int[] sub : infos.get(i).subsamples()) {
                        at += sub[0];
                        if (sub[1] > 0) {
                            ranges.add(new int[] {at, sub[1]});
                        }
                        at += sub[1];
                    }
                }
                perSample.get(perSample.size() - 1)[1] = ranges.size() - perSample.get(perSample.size() - 1)[0];
            }
        }
        out.write(segment, copied, segment.length - copied);
        byte[] result = out.toByteArray();
        patchSidx(segment, result, moofs, growth);
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            SecretKeySpec k = new SecretKeySpec(key, "AES");
            for (int i = 0; i < perSample.size(); i++) {
                c.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(ByteBuffer.allocate(16).put(ivs.get(i)).array()));
                int[] p = perSample.get(i);
                for (int r = p[0]; r < p[0] + p[1]; r++) { // one key stream runs through a sample's protected ranges
                    int[] range = ranges.get(r);
                    c.update(result, range[0], range[1], result, range[0]);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR is part of every JDK", e);
        }
        return result;
    }

    private static int sampleCount(List<Fmp4Reader.Fragment> fragments) {
        int n = 0;
        for (Fmp4Reader.Fragment f : fragments) {
            n += f.samples().size();
        }
        return n;
    }

    /**
     * An AVCC sample's subsamples: every NAL unit's length prefix and header clear; a slice (types
     * 1 to 5) protected from its second byte, cut to whole AES blocks; other units clear. Runs of
     * clear bytes join the next protected range's clear count (split where a count would pass 16 bits).
     */
    static List<int[]> subsamples(byte[] sample, int lengthSize) {
        List<int[]> out = new ArrayList<>();
        int clear = 0;
        for (int at = 0; at < sample.length; ) {
            if (at + lengthSize > sample.length) {
                throw new MediaFormatException("NAL length prefix runs past the sample");
            }
            long nal = 0;
            for (int i = 0; i < lengthSize; i++) {
                nal = nal << 8 | (sample[at + i] & 0xff);
            }
            if (nal < 1 || at + lengthSize + nal > sample.length) {
                throw new MediaFormatException("NAL unit of " + nal + " bytes runs past the sample");
            }
            int type = sample[at + lengthSize] & 0x1f;
            int protect = type >= 1 && type <= 5 ? (int) ((nal - 1) / 16 * 16) : 0;
            clear += lengthSize + (int) nal - protect;
            if (protect > 0) {
                for (; clear > MAX_CLEAR; clear -= MAX_CLEAR) {
                    out.add(new int[] {MAX_CLEAR, 0});
                }
                out.add(new int[] {clear, protect});
                clear = 0;
            }
            at += lengthSize + (int) nal;
        }
        for (; clear > 0; clear -= Math.min(clear, MAX_CLEAR)) {
            out.add(new int[] {Math.min(clear, MAX_CLEAR), 0});
        }
        return out;
    }

    /** The fragment's moof with senc, saiz and saio at the end of its traf, sizes and data offsets moved on. */
    private static byte[] moof(byte[] segment, ByteBuffer in, Fmp4Reader.Fragment frag, List<SampleInfo> infos, boolean subsamples) {
        int moof = frag.offset();
        int moofEnd = moof + frag.moofSize();
        int[] traf = Fmp4Reader.find(in, moof + 8, moofEnd, "traf");
        if (traf == null) {
            throw new MediaFormatException("moof without traf");
        }
        int trafEnd = traf[0] + traf[1];
        if (Fmp4Reader.find(in, trafEnd, moofEnd, "traf") != null) {
            throw new MediaFormatException("a moof with several tracks: only single-track fragments are encrypted");
        }
        List<Integer> dataOffsets = new ArrayList<>();
        for (int at = traf[0] + 8; at + 12 <= trafEnd; at += in.getInt(at)) {
            String type = Fmp4Reader.type(segment, at + 4);
            int flags = in.getInt(at + 8) & 0xffffff;
            if (type.equals("tfhd") && (flags & 0x1) != 0) {
                throw new MediaFormatException("tfhd with a base data offset: only moof-relative fragments are encrypted");
            }
            if (type.equals("senc") || type.equals("saiz") || type.equals("saio")) {
                throw new MediaFormatException("the fragment is encrypted already");
            }
            if (type.equals("trun") && (flags & 0x1) != 0) {
                dataOffsets.add(at + 16);
            }
        }
        int n = infos.size();
        int[] sizes = new int[n];
        boolean same = true;
        int sencSize = 16;
        for (int i = 0; i < n; i++) {
            sizes[i] = CencInit.IV_SIZE + (subsamples ? 2 + 6 * infos.get(i).subsamples().size() : 0);
            same &= sizes[i] == sizes[0];
            sencSize += sizes[i];
        }
        int saizSize = 17 + (same ? 0 : n);
        int saioSize = 20;
        int grow = saizSize + saioSize + sencSize;
        // senc first: a reader that takes both (FFmpeg) keeps the first, and saio then points just past its header
        BoxWriter w = new BoxWriter(grow);
        int senc = w.startFull("senc", 0, subsamples ? USE_SUBSAMPLES : 0);
        w.u32(n);
        for (SampleInfo info : infos) {
            w.bytes(info.iv());
            if (subsamples) {
                w.u16(info.subsamples().size());
                for (int[] sub : info.subsamples()) {
                    w.u16(sub[0]);
                    w.u32(sub[1]);
                }
            }
        }
        w.end(senc);
        int saiz = w.startFull("saiz", 0, 0);
        w.u8(same && n > 0 ? sizes[0] : 0); // default_sample_info_size
        w.u32(n);
        if (!same) {
            for (int s : sizes) {
                w.u8(s);
            }
        }
        w.end(saiz);
        int saio = w.startFull("saio", 0, 0);
        w.u32(1);
        w.u32(trafEnd - moof + 16); // the first IV, from the moof (the fragments' data base)
        w.end(saio);
        byte[] boxes = w.toByteArray();
        byte[] out = new byte[frag.moofSize() + grow];
        System.arraycopy(segment, moof, out, 0, trafEnd - moof);
        System.arraycopy(boxes, 0, out, trafEnd - moof, grow);
        System.arraycopy(segment, trafEnd, out, trafEnd - moof + grow, moofEnd - trafEnd);
        ByteBuffer o = ByteBuffer.wrap(out);
        o.putInt(0, frag.moofSize() + grow);
        o.putInt(traf[0] - moof, traf[1] + grow);
        for (int at : dataOffsets) {
            o.putInt(at - moof, o.getInt(at - moof) + grow); // the samples are that much further from the moof
        }
        return out;
    }

    /** Every top-level sidx's referenced sizes (and first offset) grown by the moofs they span. */
    private static void patchSidx(byte[] segment, byte[] result, int[] moofs, int[] growth) {
        ByteBuffer in = ByteBuffer.wrap(segment);
        ByteBuffer out = ByteBuffer.wrap(result);
        for (int at = 0; at + 8 <= segment.length; ) {
            long size = in.getInt(at) & 0xffffffffL;
            if (size < 8 || at + size > segment.length) {
                return; // 64-bit or open-ended boxes come after any sidx; fragments() checked the rest
            }
            if (Fmp4Reader.type(segment, at + 4).equals("sidx")) {
                int moved = grownBefore(moofs, growth, 0, at);
                int version = segment[at + 8];
                int p = at + 20 + (version == 0 ? 4 : 8); // header, reference_ID, timescale, earliest time
                long first = version == 0 ? in.getInt(p) & 0xffffffffL : in.getLong(p);
                long ref = at + size + first;
                long grownFirst = first + grownBefore(moofs, growth, at + (int) size, ref);
                if (version == 0) {
                    out.putInt(p + moved, (int) grownFirst);
                } else {
                    out.putLong(p + moved, grownFirst);
                }
                p += (version == 0 ? 4 : 8) + 2;
                int count = in.getShort(p) & 0xffff;
                p += 2;
                for (int i = 0; i < count && p + 12 <= at + size; i++, p += 12) {
                    int word = in.getInt(p);
                    long referenced = word & 0x7fffffffL;
                    long grown = referenced + grownBefore(moofs, growth, ref, ref + referenced);
                    out.putInt(p + moved, (word & 0x80000000) | (int) grown);
                    ref += referenced;
                }
            }
            at += (int) size;
        }
    }

    /** The growth of the moofs starting in [from, to). */
    private static int grownBefore(int[] moofs, int[] growth, long from, long to) {
        int sum = 0;
        for (int i = 0; i < moofs.length; i++) {
            if (moofs[i] >= from && moofs[i] < to) {
                sum += growth[i];
            }
        }
        return sum;
    }
}
