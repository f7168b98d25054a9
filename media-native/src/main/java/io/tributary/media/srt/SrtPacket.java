package io.tributary.media.srt;

/**
 * The 16-byte SRT packet header, read and written in place. Data packets carry
 * a 31-bit sequence number; control packets a type, a subtype and a type-specific word.
 */
public final class SrtPacket {

    public static final int HEADER = 16;

    public static final int HANDSHAKE = 0;
    public static final int KEEPALIVE = 1;
    public static final int ACK = 2;
    public static final int NAK = 3;
    public static final int CONGESTION_WARNING = 4;
    public static final int SHUTDOWN = 5;
    public static final int ACKACK = 6;
    public static final int DROPREQ = 7;
    public static final int PEERERROR = 8;
    /** HSv4 extension messages; in HSv5 only KMREQ/KMRSP for key rotation. */
    public static final int USER_DEFINED = 0x7FFF;
    public static final int SUBTYPE_KMREQ = 3;
    public static final int SUBTYPE_KMRSP = 4;

    private SrtPacket() {
    }

    /** Header checks every packet must pass before its fields are read. */
    public static void requireHeader(byte[] buf, int off, int len) {
        if (len < HEADER) {
            throw new SrtProtocolException("datagram of " + len + " bytes is shorter than the SRT header");
        }
        if (off < 0 || off + len > buf.length) {
            throw new SrtProtocolException("datagram outside its buffer");
        }
    }

    public static boolean isControl(byte[] buf, int off) {
        return (buf[off] & 0x80) != 0;
    }

    public static int word(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    public static void putWord(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    public static int destinationSocket(byte[] buf, int off) {
        return word(buf, off + 12);
    }

    public static int timestamp(byte[] buf, int off) {
        return word(buf, off + 8);
    }

    // ---- data packets ----

    public static int sequence(byte[] buf, int off) {
        return word(buf, off) & SrtSeq.MAX;
    }

    /** KK: 0 clear, 1 even key, 2 odd key. */
    public static int keyFlags(byte[] buf, int off) {
        return (word(buf, off + 4) >>> 27) & 3;
    }

    /** R: the sender marks a retransmission (negotiated with REXMITFLG, which every HSv5 caller sets). */
    public static boolean retransmitted(byte[] buf, int off) {
        return (word(buf, off + 4) & 0x04000000) != 0;
    }

    // ---- control packets ----

    public static int controlType(byte[] buf, int off) {
        return (word(buf, off) >>> 16) & 0x7FFF;
    }

    public static int subtype(byte[] buf, int off) {
        return word(buf, off) & 0xFFFF;
    }

    public static int typeInfo(byte[] buf, int off) {
        return word(buf, off + 4);
    }

    /** A control packet: header then {@code cifWords} 32-bit words of control information. */
    public static byte[] control(int type, int subtype, int typeInfo, int timestamp, int destination, int... cif) {
        byte[] b = new byte[HEADER + cif.length * 4];
        putWord(b, 0, 0x80000000 | (type << 16) | (subtype & 0xFFFF));
        putWord(b, 4, typeInfo);
        putWord(b, 8, timestamp);
        putWord(b, 12, destination);
        for (int i = 0; i < cif.length; i++) {
            putWord(b, HEADER + i * 4, cif[i]);
        }
        return b;
    }

    /** A control packet carrying raw control information bytes (handshakes, key material). */
    public static byte[] control(int type, int subtype, int typeInfo, int timestamp, int destination, byte[] cif) {
        byte[] b = new byte[HEADER + cif.length];
        putWord(b, 0, 0x80000000 | (type << 16) | (subtype & 0xFFFF));
        putWord(b, 4, typeInfo);
        putWord(b, 8, timestamp);
        putWord(b, 12, destination);
        System.arraycopy(cif, 0, b, HEADER, cif.length);
        return b;
    }

    /** A data packet (tests and the benchmark's caller): a single-packet message, in order flag clear. */
    public static byte[] data(int seq, int msgNo, boolean retransmitted, int keyFlags, int timestamp, int destination,
                              byte[] payload, int off, int len) {
        byte[] b = new byte[HEADER + len];
        putWord(b, 0, seq & SrtSeq.MAX);
        putWord(b, 4, 0xC0000000 | ((keyFlags & 3) << 27) | (retransmitted ? 0x04000000 : 0) | (msgNo & 0x03FFFFFF));
        putWord(b, 8, timestamp);
        putWord(b, 12, destination);
        System.arraycopy(payload, off, b, HEADER, len);
        return b;
    }
}
