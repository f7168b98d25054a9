package io.tributary.media.srt.crypto;

import io.tributary.media.srt.crypto.SrtCryptoException.Kind;
import java.util.Arrays;

/**
 * An SRT Key Material message (the body of KMREQ/KMRSP, SRT spec "Key Material"), bytes in wire
 * order:
 *
 * <pre>
 *  0: S(1) V(3) PT(4) | 1-2: Sign 0x2029 | 3: Resv(6) KK(2)
 *  4: KEKI (32)
 *  8: Cipher | 9: Auth | 10: SE | 11: Resv
 * 12: Resv(16) | 14: SLen/4 | 15: KLen/4
 * 16: Salt (SLen bytes), then the RFC 3394 wrapped key(s): 8 + KLen * (KK == 3 ? 2 : 1) bytes,
 *     even key first when both are present.
 * </pre>
 *
 * Immutable; the arrays handed out are copies.
 */
public final class SrtKeyMaterial {

    public static final int VERSION = 1;
    public static final int PACKET_TYPE_KM = 2;
    public static final int SIGN = 0x2029;

    public static final int KK_EVEN = 1;
    public static final int KK_ODD = 2;
    public static final int KK_BOTH = 3;

    public static final int CIPHER_NONE = 0;
    public static final int CIPHER_AES_CTR = 2;
    public static final int CIPHER_AES_GCM = 4;
    public static final int AUTH_NONE = 0;
    /** Stream encapsulation libsrt announces: MPEG-TS over SRT. */
    public static final int SE_MPEGTS_SRT = 2;

    static final int HEADER_LENGTH = 16;
    static final int MAX_SALT_LENGTH = 16;
    static final int WRAP_OVERHEAD = 8;
    /** The largest valid message: 16-byte salt and two wrapped 256-bit keys. */
    public static final int MAX_LENGTH = HEADER_LENGTH + MAX_SALT_LENGTH + WRAP_OVERHEAD + 2 * 32;

    private final int keyFlags;
    private final int keki;
    private final int cipher;
    private final int auth;
    private final int streamEncapsulation;
    private final byte[] salt;
    private final int keyLength;
    private final byte[] wrappedKeys;

    public SrtKeyMaterial(int keyFlags, int keki, int cipher, int auth, int streamEncapsulation,
            byte[] salt, int keyLength, byte[] wrappedKeys) {
        if (keyFlags < KK_EVEN || keyFlags > KK_BOTH) {
            throw new IllegalArgumentException("key flags must be 1 (even), 2 (odd) or 3 (both): " + keyFlags);
        }
        if (salt.length == 0 || salt.length > MAX_SALT_LENGTH || salt.length % 4 != 0) {
            throw new IllegalArgumentException("salt must be 4..16 bytes, a multiple of 4: " + salt.length);
        }
        if (keyLength != 16 && keyLength != 24 && keyLength != 32) {
            throw new IllegalArgumentException("key length must be 16, 24 or 32: " + keyLength);
        }
        int keys = keyFlags == KK_BOTH ? 2 : 1;
        if (wrappedKeys.length != WRAP_OVERHEAD + keys * keyLength) {
            throw new IllegalArgumentException("wrapped keys must be " + (WRAP_OVERHEAD + keys * keyLength)
                    + " bytes: " + wrappedKeys.length);
        }
        this.keyFlags = keyFlags;
        this.keki = keki;
        this.cipher = cipher & 0xFF;
        this.auth = auth & 0xFF;
        this.streamEncapsulation = streamEncapsulation & 0xFF;
        this.salt = salt.clone();
        this.keyLength = keyLength;
        this.wrappedKeys = wrappedKeys.clone();
    }

    public static SrtKeyMaterial parse(byte[] msg) {
        if (msg == null) {
            throw malformed("no key material");
        }
        return parse(msg, 0, msg.length);
    }

    /** Parses {@code len} bytes at {@code off}; the whole range must be exactly one KM message. */
    public static SrtKeyMaterial parse(byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off > buf.length - len) {
            throw new IndexOutOfBoundsException("range " + off + "+" + len + " outside " + buf.length);
        }
        if (len < HEADER_LENGTH) {
            throw malformed("key material of " + len + " bytes, shorter than its 16-byte header");
        }
        int b0 = buf[off] & 0xFF;
        if ((b0 & 0x80) != 0) {
            throw malformed("key material with the S bit set");
        }
        int version = (b0 >> 4) & 0x7;
        if (version != VERSION) {
            throw malformed("key material version " + version + ", expected " + VERSION);
        }
        int type = b0 & 0xF;
        if (type != PACKET_TYPE_KM) {
            throw malformed("key material packet type " + type + ", expected " + PACKET_TYPE_KM);
        }
        int sign = ((buf[off + 1] & 0xFF) << 8) | (buf[off + 2] & 0xFF);
        if (sign != SIGN) {
            throw malformed(String.format("key material signature 0x%04x, expected 0x%04x", sign, SIGN));
        }
        int keyFlags = buf[off + 3] & 0x3;
        if (keyFlags == 0) {
            throw malformed("key material announcing no key (KK = 0)");
        }
        int keki = ((buf[off + 4] & 0xFF) << 24) | ((buf[off + 5] & 0xFF) << 16)
                | ((buf[off + 6] & 0xFF) << 8) | (buf[off + 7] & 0xFF);
        int cipher = buf[off + 8] & 0xFF;
        int auth = buf[off + 9] & 0xFF;
        int se = buf[off + 10] & 0xFF;
        int saltLength = (buf[off + 14] & 0xFF) * 4;
        int keyLength = (buf[off + 15] & 0xFF) * 4;
        if (saltLength == 0 || saltLength > MAX_SALT_LENGTH) {
            throw malformed("key material salt of " + saltLength + " bytes (1..16 allowed)");
        }
        if (keyLength != 16 && keyLength != 24 && keyLength != 32) {
            throw malformed("key material key length " + keyLength + " (16, 24 or 32 allowed)");
        }
        int keys = keyFlags == KK_BOTH ? 2 : 1;
        int expected = HEADER_LENGTH + saltLength + WRAP_OVERHEAD + keys * keyLength;
        if (len != expected) {
            throw malformed("key material of " + len + " bytes, its header implies " + expected);
        }
        int p = off + HEADER_LENGTH;
        byte[] salt = Arrays.copyOfRange(buf, p, p + saltLength);
        byte[] wrapped = Arrays.copyOfRange(buf, p + saltLength, off + len);
        return new SrtKeyMaterial(keyFlags, keki, cipher, auth, se, salt, keyLength, wrapped);
    }

    /** The message in wire order, as {@link #parse} reads it. */
    public byte[] encode() {
        byte[] out = new byte[HEADER_LENGTH + salt.length + wrappedKeys.length];
        out[0] = (byte) ((VERSION << 4) | PACKET_TYPE_KM);
        out[1] = (byte) (SIGN >> 8);
        out[2] = (byte) SIGN;
        out[3] = (byte) keyFlags;
        out[4] = (byte) (keki >>> 24);
        out[5] = (byte) (keki >>> 16);
        out[6] = (byte) (keki >>> 8);
        out[7] = (byte) keki;
        out[8] = (byte) cipher;
        out[9] = (byte) auth;
        out[10] = (byte) streamEncapsulation;
        out[14] = (byte) (salt.length / 4);
        out[15] = (byte) (keyLength / 4);
        System.arraycopy(salt, 0, out, HEADER_LENGTH, salt.length);
        System.arraycopy(wrappedKeys, 0, out, HEADER_LENGTH + salt.length, wrappedKeys.length);
        return out;
    }

    /** KK: 1 even key, 2 odd key, 3 both (even first in {@link #wrappedKeys()}). */
    public int keyFlags() {
        return keyFlags;
    }

    public boolean hasEvenKey() {
        return (keyFlags & KK_EVEN) != 0;
    }

    public boolean hasOddKey() {
        return (keyFlags & KK_ODD) != 0;
    }

    public int keyCount() {
        return keyFlags == KK_BOTH ? 2 : 1;
    }

    /** Key-encrypting-key index; 0 is the passphrase-derived KEK. */
    public int keki() {
        return keki;
    }

    public int cipher() {
        return cipher;
    }

    public int auth() {
        return auth;
    }

    public int streamEncapsulation() {
        return streamEncapsulation;
    }

    public byte[] salt() {
        return salt.clone();
    }

    /** SEK length in bytes: 16, 24 or 32 (AES-128/192/256, the caller's pbkeylen). */
    public int keyLength() {
        return keyLength;
    }

    public byte[] wrappedKeys() {
        return wrappedKeys.clone();
    }

    @Override
    public String toString() {
        return "SrtKeyMaterial[kk=" + keyFlags + ", keki=" + keki + ", cipher=" + cipher + ", auth=" + auth
                + ", se=" + streamEncapsulation + ", salt=" + salt.length + "B, key=" + keyLength + "B]";
    }

    private static SrtCryptoException malformed(String why) {
        return new SrtCryptoException(Kind.MALFORMED, why);
    }
}
