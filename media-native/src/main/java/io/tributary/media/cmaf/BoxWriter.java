package io.tributary.media.cmaf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Big-endian writer into a byte array. Boxes are opened with a placeholder size that
 * {@link #end(int)} patches, so callers need no per-box arrays. Grows only if the
 * initial capacity was too small; fragment writing sizes it exactly.
 */
final class BoxWriter {

    private byte[] buf;
    private int pos;

    BoxWriter(int capacity) {
        buf = new byte[capacity];
    }

    int position() {
        return pos;
    }

    /** Opens a box; returns its start for {@link #end(int)}. */
    int start(String type) {
        int at = pos;
        u32(0);
        fourcc(type);
        return at;
    }

    /** Opens a full box (version + 24-bit flags). */
    int startFull(String type, int version, int flags) {
        int at = start(type);
        u32((version << 24) | (flags & 0xFFFFFF));
        return at;
    }

    void end(int start) {
        putU32(start, pos - start);
    }

    void u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    void u24(int v) {
        ensure(3);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    void u32(int v) {
        ensure(4);
        putU32(pos, v);
        pos += 4;
    }

    void u64(long v) {
        u32((int) (v >>> 32));
        u32((int) v);
    }

    void zeros(int n) {
        ensure(n);
        pos += n; // arrays start zeroed and are never rewound
    }

    void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    void fourcc(String s) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[pos++] = (byte) s.charAt(i);
        }
    }

    /** Null-terminated UTF-8 string. */
    void cstring(String s) {
        bytes(s.getBytes(StandardCharsets.UTF_8));
        u8(0);
    }

    void putU32(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    /** The written bytes; the backing array itself when it was sized exactly. */
    byte[] toByteArray() {
        return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
