package io.tributary.media.ts;

/** Walks the NAL units of an Annex B byte stream (H.264 / H.265 elementary stream in a PES). */
final class AnnexB {

    interface NalVisitor {
        void nal(byte[] b, int off, int len);
    }

    private AnnexB() {
    }

    /** Calls {@code v} for each NAL unit in {@code b[off, off+len)}, without start codes or trailing zeros. */
    static void forEach(byte[] b, int off, int len, NalVisitor v) {
        int end = off + len;
        int start = -1;
        int i = off;
        while (i + 2 < end) {
            if ((b[i + 2] & 0xFF) > 1) {
                i += 3; // no start code can end at i+2 or before
            } else if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
                if (start >= 0) {
                    emit(b, start, i, v);
                }
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        if (start >= 0) {
            emit(b, start, end, v);
        }
    }

    private static void emit(byte[] b, int from, int to, NalVisitor v) {
        while (to > from && b[to - 1] == 0) {
            to--;
        }
        if (to > from) {
            v.nal(b, from, to - from);
        }
    }

    /** Exp-Golomb reader over an RBSP (emulation prevention removed on the fly). */
    static final class Rbsp {
        private final byte[] b;
        private final int end;
        private int pos;
        private int bit = 8;
        private int cur;
        private int zeros;

        Rbsp(byte[] b, int off, int len) {
            this.b = b;
            this.pos = off;
            this.end = off + len;
        }

        private int nextByte() {
            if (pos >= end) {
                throw new io.tributary.media.codec.MediaFormatException("parameter set truncated");
            }
            int v = b[pos++] & 0xFF;
            if (zeros >= 2 && v == 3) {
                zeros = 0;
                return nextByte();
            }
            zeros = v == 0 ? zeros + 1 : 0;
            return v;
        }

        int bits(int n) {
            int v = 0;
            for (int i = 0; i < n; i++) {
                if (bit == 8) {
                    cur = nextByte();
                    bit = 0;
                }
                v = v << 1 | (cur >> (7 - bit++) & 1);
            }
            return v;
        }

        int ue() {
            int z = 0;
            while (bits(1) == 0) {
                if (++z > 31) {
                    throw new io.tributary.media.codec.MediaFormatException("exp-golomb code too long");
                }
            }
            return (int) Math.min(Integer.MAX_VALUE, (1L << z) - 1 + (z == 0 ? 0 : bitsLong(z)));
        }

        private long bitsLong(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = v << 1 | bits(1);
            }
            return v;
        }
    }
}
