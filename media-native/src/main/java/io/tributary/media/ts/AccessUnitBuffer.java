package io.tributary.media.ts;

import java.util.Arrays;

/**
 * A picture's NAL units in MP4 form (each behind a 4-byte length), gathered as places in the PES
 * they came from: the sample is then one exact-size array filled by one copy of each unit, with no
 * staging buffer in between (at hundreds of SRT publishers, every copy and every piece of garbage
 * per picture counts). The places are only good while the PES buffer is: {@link #toArray} runs
 * before the next PES. Reused for every picture of a stream.
 */
final class AccessUnitBuffer {

    private byte[] source;
    /** Offset and length of each unit in {@link #source}, in pairs. */
    private int[] units = new int[64];
    private int count;
    private int size;

    void clear() {
        source = null;
        count = 0;
        size = 0;
    }

    /** Bytes of the sample: every unit and its length prefix. */
    int size() {
        return size;
    }

    /** Adds {@code b[off, off + len)}, all from the same array during one picture. */
    void addLengthPrefixed(byte[] b, int off, int len) {
        if (source != null && source != b) {
            throw new IllegalStateException("a picture's NAL units come from one PES buffer");
        }
        source = b;
        if (count * 2 == units.length) {
            units = Arrays.copyOf(units, units.length * 2);
        }
        units[count * 2] = off;
        units[count * 2 + 1] = len;
        count++;
        size += 4 + len;
    }

    /** The gathered picture, as its own array. */
    byte[] toArray() {
        byte[] out = new byte[size];
        int at = 0;
        for (int i = 0; i < count; i++) {
            int off = units[i * 2];
            int len = units[i * 2 + 1];
            out[at] = (byte) (len >>> 24);
            out[at + 1] = (byte) (len >>> 16);
            out[at + 2] = (byte) (len >>> 8);
            out[at + 3] = (byte) len;
            System.arraycopy(source, off, out, at + 4, len);
            at += 4 + len;
        }
        return out;
    }
}
