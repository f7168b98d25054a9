package io.tributary.media.ts;

import java.util.Arrays;

/**
 * A picture's NAL units in MP4 form (each behind a 4-byte length), gathered in one array that a
 * stream reuses for every picture: the sample then costs one exact-size copy, not a growing
 * stream plus its copy (at hundreds of SRT publishers that garbage is what the collector pauses
 * for). Grows with the largest picture, which the PES assembler's limit bounds.
 */
final class AccessUnitBuffer {

    private byte[] bytes = new byte[64 * 1024];
    private int size;

    void clear() {
        size = 0;
    }

    int size() {
        return size;
    }

    void addLengthPrefixed(byte[] b, int off, int len) {
        int need = size + 4 + len;
        if (need > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
        }
        bytes[size] = (byte) (len >>> 24);
        bytes[size + 1] = (byte) (len >>> 16);
        bytes[size + 2] = (byte) (len >>> 8);
        bytes[size + 3] = (byte) len;
        System.arraycopy(b, off, bytes, size + 4, len);
        size = need;
    }

    /** The gathered picture, as its own array. */
    byte[] toArray() {
        return Arrays.copyOf(bytes, size);
    }
}
