package io.tributary.media.codec;

/**
 * MSB-first bit reader over a byte range. Every overrun surfaces as
 * {@link MediaFormatException} so parsers never leak index exceptions.
 */
final class BitReader {

    private final byte[] buf;
    private final long endBit;
    private long pos;

    BitReader(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = (long) offset * 8;
        this.endBit = (long) (offset + length) * 8;
    }

    int bitsLeft() {
        return (int) (endBit - pos);
    }

    boolean flag() {
        return bits(1) == 1;
    }

    /** Reads up to 32 bits as an unsigned value. */
    long bitsLong(int n) {
        if (n < 0 || n > 32) {
            throw new IllegalArgumentException("n=" + n);
        }
        if (pos + n > endBit) {
            throw new MediaFormatException("bitstream truncated");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            int b = buf[(int) (pos >>> 3)] >> (7 - (int) (pos & 7)) & 1;
            v = (v << 1) | b;
            pos++;
        }
        return v;
    }

    /** Reads up to 31 bits. */
    int bits(int n) {
        if (n > 31) {
            throw new IllegalArgumentException("n=" + n);
        }
        return (int) bitsLong(n);
    }

    void skip(int n) {
        if (n < 0 || pos + n > endBit) {
            throw new MediaFormatException("bitstream truncated");
        }
        pos += n;
    }

    /** Exp-Golomb ue(v); values beyond 2^31-2 are treated as corrupt. */
    int ue() {
        int zeros = 0;
        while (bits(1) == 0) {
            if (++zeros > 31) {
                throw new MediaFormatException("exp-golomb code too long");
            }
        }
        long v = (1L << zeros) - 1 + bitsLong(zeros);
        if (v > Integer.MAX_VALUE) {
            throw new MediaFormatException("exp-golomb value out of range");
        }
        return (int) v;
    }

    /** Exp-Golomb ue(v) bounded by {@code max}, naming the field on failure. */
    int ue(String field, int max) {
        int v = ue();
        if (v > max) {
            throw new MediaFormatException(field + " out of range: " + v);
        }
        return v;
    }

    /** Signed Exp-Golomb se(v). */
    int se() {
        long k = ue();
        long v = (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
        return (int) v;
    }
}
