package io.tributary.media.srt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The handshake control information (HSv5): the 48-byte fixed part and the extension
 * blocks that follow it in a conclusion (HSREQ/HSRSP, KMREQ/KMRSP, Stream ID, ...).
 */
public record SrtHandshake(int version, int encryption, int extensionField, int initialSequence, int mtu, int flowWindow,
                           int type, int socketId, int cookie, byte[] peerIp, List<Extension> extensions) {

    public static final int FIXED = 48;
    public static final int INDUCTION = 1;
    public static final int WAVEAHAND = 0;
    public static final int CONCLUSION = -1;
    public static final int AGREEMENT = -2;
    public static final int DONE = -3;
    /** A rejecting answer's type is this plus the reject reason. */
    public static final int FAILURE_BASE = 1000;
    /** The extension field of an HSv5 induction answer. */
    public static final int SRT_MAGIC = 0x4A17;

    public static final int EXT_FLAG_HSREQ = 1;
    public static final int EXT_FLAG_KMREQ = 2;
    public static final int EXT_FLAG_CONFIG = 4;

    public static final int CMD_HSREQ = 1;
    public static final int CMD_HSRSP = 2;
    public static final int CMD_KMREQ = 3;
    public static final int CMD_KMRSP = 4;
    public static final int CMD_SID = 5;
    public static final int CMD_CONGESTION = 6;
    public static final int CMD_FILTER = 7;
    public static final int CMD_GROUP = 8;

    // HSREQ/HSRSP flags
    public static final int FLAG_TSBPDSND = 0x1;
    public static final int FLAG_TSBPDRCV = 0x2;
    public static final int FLAG_HAICRYPT = 0x4;
    public static final int FLAG_TLPKTDROP = 0x8;
    public static final int FLAG_NAKREPORT = 0x10;
    public static final int FLAG_REXMITFLG = 0x20;
    public static final int FLAG_STREAM = 0x40;

    /** The Stream ID is at most 512 bytes (libsrt's limit). */
    public static final int MAX_STREAM_ID = 512;
    private static final int MAX_EXTENSIONS = 16;

    public record Extension(int type, byte[] content) {
    }

    /** Parses the control information of a handshake packet ({@code off}: after the 16-byte header). */
    public static SrtHandshake parse(byte[] b, int off, int len) {
        if (len < FIXED) {
            throw new SrtProtocolException("handshake of " + len + " bytes, needs " + FIXED);
        }
        int w1 = SrtPacket.word(b, off + 4);
        byte[] ip = new byte[16];
        System.arraycopy(b, off + 32, ip, 0, 16);
        List<Extension> extensions = new ArrayList<>();
        int p = off + FIXED;
        int end = off + len;
        while (end - p >= 4) {
            int header = SrtPacket.word(b, p);
            int type = header >>> 16;
            int words = header & 0xFFFF;
            p += 4;
            if ((long) words * 4 > end - p) {
                throw new SrtProtocolException("handshake extension " + type + " of " + words + " words overruns the packet");
            }
            if (extensions.size() == MAX_EXTENSIONS) {
                throw new SrtProtocolException("more than " + MAX_EXTENSIONS + " handshake extensions");
            }
            byte[] content = new byte[words * 4];
            System.arraycopy(b, p, content, 0, content.length);
            extensions.add(new Extension(type, content));
            p += content.length;
        }
        return new SrtHandshake(SrtPacket.word(b, off), w1 >>> 16, w1 & 0xFFFF, SrtPacket.word(b, off + 8) & SrtSeq.MAX,
                SrtPacket.word(b, off + 12), SrtPacket.word(b, off + 16), SrtPacket.word(b, off + 20), SrtPacket.word(b, off + 24),
                SrtPacket.word(b, off + 28), ip, List.copyOf(extensions));
    }

    public byte[] encode() {
        int size = FIXED;
        for (Extension e : extensions) {
            size += 4 + e.content.length;
        }
        byte[] b = new byte[size];
        SrtPacket.putWord(b, 0, version);
        SrtPacket.putWord(b, 4, (encryption << 16) | (extensionField & 0xFFFF));
        SrtPacket.putWord(b, 8, initialSequence);
        SrtPacket.putWord(b, 12, mtu);
        SrtPacket.putWord(b, 16, flowWindow);
        SrtPacket.putWord(b, 20, type);
        SrtPacket.putWord(b, 24, socketId);
        SrtPacket.putWord(b, 28, cookie);
        System.arraycopy(peerIp, 0, b, 32, 16);
        int p = FIXED;
        for (Extension e : extensions) {
            SrtPacket.putWord(b, p, (e.type << 16) | (e.content.length / 4));
            System.arraycopy(e.content, 0, b, p + 4, e.content.length);
            p += 4 + e.content.length;
        }
        return b;
    }

    public Extension extension(int type) {
        for (Extension e : extensions) {
            if (e.type == type) {
                return e;
            }
        }
        return null;
    }

    /** HSREQ/HSRSP content: SRT version, flags, receiver delay (high 16 bits) and sender delay (low 16 bits) in ms. */
    public static byte[] hsMessage(int srtVersion, int flags, int receiverDelayMs, int senderDelayMs) {
        byte[] c = new byte[12];
        SrtPacket.putWord(c, 0, srtVersion);
        SrtPacket.putWord(c, 4, flags);
        SrtPacket.putWord(c, 8, (receiverDelayMs << 16) | (senderDelayMs & 0xFFFF));
        return c;
    }

    /**
     * The Stream ID as libsrt puts it on the wire: the string in 32-bit words, each word's
     * bytes reversed (it copies the text into host-order words, then swaps every word).
     */
    public static String streamId(byte[] content) {
        if (content.length > MAX_STREAM_ID) {
            throw new SrtProtocolException("Stream ID longer than " + MAX_STREAM_ID + " bytes");
        }
        byte[] text = new byte[content.length];
        for (int i = 0; i + 3 < content.length; i += 4) {
            text[i] = content[i + 3];
            text[i + 1] = content[i + 2];
            text[i + 2] = content[i + 1];
            text[i + 3] = content[i];
        }
        int n = 0;
        while (n < text.length && text[n] != 0) {
            n++;
        }
        return new String(text, 0, n, StandardCharsets.UTF_8);
    }

    public static byte[] streamIdContent(String id) {
        byte[] text = id.getBytes(StandardCharsets.UTF_8);
        byte[] c = new byte[(text.length + 3) / 4 * 4];
        for (int i = 0; i < text.length; i++) {
            c[(i & ~3) + 3 - (i & 3)] = text[i];
        }
        return c;
    }
}
