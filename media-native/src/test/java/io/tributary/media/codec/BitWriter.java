package io.tributary.media.codec;

import java.io.ByteArrayOutputStream;

/** Test helper: MSB-first bit writer with Exp-Golomb codes, for hand-built parameter sets. */
final class BitWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int cur;
    private int n;

    BitWriter bits(long value, int count) {
        for (int i = count - 1; i >= 0; i--) {
            cur = cur << 1 | (int) (value >>> i & 1);
            if (++n == 8) {
                out.write(cur);
                cur = 0;
                n = 0;
            }
        }
        return this;
    }

    BitWriter flag(boolean f) {
        return bits(f ? 1 : 0, 1);
    }

    BitWriter ue(long v) {
        long x = v + 1;
        int len = 64 - Long.numberOfLeadingZeros(x);
        bits(0, len - 1);
        return bits(x, len);
    }

    BitWriter se(long v) {
        return ue(v <= 0 ? -2 * v : 2 * v - 1);
    }

    /** rbsp_trailing_bits and the bytes. */
    byte[] rbsp() {
        bits(1, 1);
        while (n != 0) {
            bits(0, 1);
        }
        return out.toByteArray();
    }

    /** Inserts emulation-prevention bytes (H.264 7.4.1). */
    static byte[] escape(byte[] rbsp) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int zeros = 0;
        for (byte b : rbsp) {
            int v = b & 0xFF;
            if (zeros >= 2 && v <= 3) {
                o.write(3);
                zeros = 0;
            }
            o.write(v);
            zeros = v == 0 ? zeros + 1 : 0;
        }
        return o.toByteArray();
    }

    /** avcC record around one SPS NAL (header byte included) and a dummy PPS. */
    static byte[] avcC(byte[] spsNal, int lengthSizeMinusOne) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(1);
        o.write(spsNal[1]);
        o.write(spsNal[2]);
        o.write(spsNal[3]);
        o.write(0xFC | lengthSizeMinusOne);
        o.write(0xE1);
        o.write(spsNal.length >>> 8);
        o.write(spsNal.length);
        o.write(spsNal, 0, spsNal.length);
        o.write(1);
        byte[] pps = {0x68, (byte) 0xCE, 0x38, (byte) 0x80};
        o.write(0);
        o.write(pps.length);
        o.write(pps, 0, pps.length);
        return o.toByteArray();
    }
}
