package io.tributary.media.rtmp;

import java.util.Arrays;

/** Growable big-endian byte buffer for outbound data. */
final class ByteOut {
    private static final byte[] EMPTY = new byte[0];

    private byte[] buf = new byte[512];
    private int size;

    int size() {
        return size;
    }

    private void ensure(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }

    void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void u24(int v) {
        ensure(3);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void u32(long v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void u32le(int v) {
        ensure(4);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 24);
    }

    void bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    void bytes(byte[] b) {
        bytes(b, 0, b.length);
    }

    /** Returns the contents and empties the buffer. */
    byte[] drain() {
        if (size == 0) {
            return EMPTY;
        }
        byte[] out = Arrays.copyOf(buf, size);
        size = 0;
        if (buf.length > 1 << 20) {
            buf = new byte[512]; // do not pin a large buffer after a burst
        }
        return out;
    }
}
