package io.tributary.media.srt.crypto;

import io.tributary.media.srt.crypto.SrtCryptoException.Kind;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The receiving (or sending) end of one SRT connection's encryption, as libsrt's HaiCrypt does it:
 *
 * <ul>
 *   <li>KEK = PBKDF2-HMAC-SHA1(passphrase bytes (UTF-8), the last 8 bytes of the KM salt, 2048
 *       iterations, key length = SEK length);
 *   <li>the stream encrypting keys (SEK, even and/or odd) travel RFC 3394-wrapped under the KEK in
 *       the KM message; a failed unwrap integrity check means a different passphrase;
 *   <li>payloads are AES-CTR with the counter block: 16 zero bytes, the packet's 32-bit sequence
 *       number big-endian at bytes 10..13, bytes 0..13 XORed with salt[0..13], bytes 14..15 the
 *       block counter from 0;
 *   <li>the KK bits of a data packet pick the key: 1 even, 2 odd. A later KM message (key
 *       rotation) replaces the keys it carries and leaves the other one in place.
 * </ul>
 *
 * Sans-IO and not thread-safe: one instance per connection, used from that connection's thread.
 * KM bytes are in wire order (the layout of {@link SrtKeyMaterial}).
 */
public final class SrtCrypto {

    /** libsrt SRT_KM_STATE values (the single word of a refusing KMRSP). */
    public static final int KM_UNSECURED = 0;
    public static final int KM_SECURING = 1;
    public static final int KM_SECURED = 2;
    public static final int KM_NOSECRET = 3;
    public static final int KM_BADSECRET = 4;
    /** libsrt 1.5.2+: the peer asked for a cipher mode this side does not do. */
    public static final int KM_BADCRYPTOMODE = 5;

    /** libsrt HAICRYPT_PBKDF2_ITER_CNT. */
    public static final int PBKDF2_ITERATIONS = 2048;
    /** libsrt HAICRYPT_PBKDF2_SALT_LEN: PBKDF2 salts with the last 8 bytes of the KM salt. */
    public static final int PBKDF2_SALT_LENGTH = 8;
    /** The passphrase lengths libsrt accepts (SRTO_PASSPHRASE), for validating configuration. */
    public static final int MIN_PASSPHRASE_LENGTH = 10;
    public static final int MAX_PASSPHRASE_LENGTH = 79;

    private static final int EVEN = 0;
    private static final int ODD = 1;

    private final byte[] passphrase;
    private final KeySlot[] slots = new KeySlot[2];
    private byte[] kekSalt;
    private byte[] kek;
    private byte[] kmResponse;
    private int keyLength;

    /**
     * Where a KEK comes from: PBKDF2 costs milliseconds, so a listener caches and rations it
     * (a stranger's KMREQ would otherwise buy CPU for free). May throw {@link SrtCryptoException}
     * of kind BUSY to refuse a derivation now.
     */
    @FunctionalInterface
    public interface KekSource {
        /** The KEK for {@code passphrase} and the KM message's whole {@code salt}, {@code keyLength} bytes. */
        byte[] kek(byte[] passphrase, byte[] salt, int keyLength);
    }

    /** Derives every time, no cache and no limit. */
    public static final KekSource DERIVE = SrtCrypto::deriveKek;

    private SrtCrypto(byte[] passphrase) {
        this.passphrase = passphrase;
    }

    /**
     * Unwraps the key(s) of a KMREQ (from the conclusion handshake) with {@code passphrase}.
     *
     * @throws SrtCryptoException MALFORMED for bytes that are not a KM message, NO_SECRET when the
     *     passphrase is null or empty, UNSUPPORTED for a cipher other than AES-CTR, BAD_SECRET when
     *     the key wrap integrity check fails (the passphrases differ)
     */
    public static SrtCrypto fromKmRequest(byte[] kmreq, String passphrase) {
        return fromKmRequest(kmreq, passphrase, DERIVE);
    }

    /** {@link #fromKmRequest(byte[], String)} with the KEK from {@code kekSource} (BUSY when it refuses). */
    public static SrtCrypto fromKmRequest(byte[] kmreq, String passphrase, KekSource kekSource) {
        SrtKeyMaterial km = SrtKeyMaterial.parse(kmreq);
        if (passphrase == null || passphrase.isEmpty()) {
            throw new SrtCryptoException(Kind.NO_SECRET, "the caller encrypts, no passphrase is configured");
        }
        SrtCrypto crypto = new SrtCrypto(passphrase.getBytes(StandardCharsets.UTF_8));
        crypto.install(km, kmreq, kekSource);
        return crypto;
    }

    /**
     * A KMREQ arriving later (key rotation, or a repeat): installs the key(s) it carries. On any
     * exception nothing changes and the keys in use stay.
     */
    public void update(byte[] kmreq) {
        update(kmreq, DERIVE);
    }

    /** {@link #update(byte[])} with the KEK, when the salt is new, from {@code kekSource}. */
    public void update(byte[] kmreq, KekSource kekSource) {
        install(SrtKeyMaterial.parse(kmreq), kmreq, kekSource);
    }

    /** What to answer in KMRSP: libsrt echoes the accepted KM message. */
    public byte[] kmResponse() {
        return kmResponse.clone();
    }

    /** The KMRSP body refusing a KMREQ: one 32-bit word with the SRT_KM_S_* state, big-endian. */
    public static byte[] kmRefusal(int kmState) {
        return new byte[] {(byte) (kmState >>> 24), (byte) (kmState >>> 16), (byte) (kmState >>> 8), (byte) kmState};
    }

    /** SEK length in bytes of the last accepted KM message: 16, 24 or 32. */
    public int keyLength() {
        return keyLength;
    }

    /** Whether the key a data packet's KK bits (1 even, 2 odd) name is installed. */
    public boolean hasKey(int keyFlags) {
        return slot(keyFlags) != null;
    }

    /**
     * Decrypts a data packet payload in place.
     *
     * @param packetSeqNo the packet's sequence number (header word 0, the flag bit clear)
     * @param keyFlags the KK bits of the packet's header: 1 even, 2 odd
     * @return false, leaving the bytes as they were, when that key is not known
     */
    public boolean decrypt(byte[] payload, int off, int len, int packetSeqNo, int keyFlags) {
        return crypt(payload, off, len, packetSeqNo, keyFlags);
    }

    /** Encrypts a payload in place (AES-CTR is its own inverse); the mirror of {@link #decrypt}. */
    public boolean encrypt(byte[] payload, int off, int len, int packetSeqNo, int keyFlags) {
        return crypt(payload, off, len, packetSeqNo, keyFlags);
    }

    /**
     * A KM message announcing {@code evenSek} and/or {@code oddSek} (either may be null, not both),
     * wrapped under the KEK derived from {@code passphrase} and {@code salt}; AES-CTR, as libsrt
     * sends it. For tests and an SRT sender.
     */
    public static byte[] buildKmRequest(String passphrase, int keyLen, byte[] salt, byte[] evenSek, byte[] oddSek) {
        if (passphrase == null || passphrase.isEmpty()) {
            throw new IllegalArgumentException("a passphrase is required");
        }
        if (evenSek == null && oddSek == null) {
            throw new IllegalArgumentException("at least one key is required");
        }
        if ((evenSek != null && evenSek.length != keyLen) || (oddSek != null && oddSek.length != keyLen)) {
            throw new IllegalArgumentException("keys must be " + keyLen + " bytes");
        }
        int kk = (evenSek != null ? SrtKeyMaterial.KK_EVEN : 0) | (oddSek != null ? SrtKeyMaterial.KK_ODD : 0);
        byte[] plain = new byte[(kk == SrtKeyMaterial.KK_BOTH ? 2 : 1) * keyLen];
        int p = 0;
        if (evenSek != null) {
            System.arraycopy(evenSek, 0, plain, p, keyLen);
            p += keyLen;
        }
        if (oddSek != null) {
            System.arraycopy(oddSek, 0, plain, p, keyLen);
        }
        byte[] kek = deriveKek(passphrase.getBytes(StandardCharsets.UTF_8), salt, keyLen);
        byte[] wrapped = AesKeyWrap.wrap(kek, plain);
        Arrays.fill(plain, (byte) 0);
        return new SrtKeyMaterial(kk, 0, SrtKeyMaterial.CIPHER_AES_CTR, SrtKeyMaterial.AUTH_NONE,
                SrtKeyMaterial.SE_MPEGTS_SRT, salt, keyLen, wrapped).encode();
    }

    /** libsrt's KEK: PBKDF2-HMAC-SHA1 over the last (up to) 8 salt bytes, 2048 rounds. */
    public static byte[] deriveKek(byte[] passphrase, byte[] salt, int keyLength) {
        int n = Math.min(PBKDF2_SALT_LENGTH, salt.length);
        byte[] pbkdfSalt = Arrays.copyOfRange(salt, salt.length - n, salt.length);
        return Pbkdf2.hmacSha1(passphrase, pbkdfSalt, PBKDF2_ITERATIONS, keyLength);
    }

    private void install(SrtKeyMaterial km, byte[] raw, KekSource kekSource) {
        if (km.cipher() != SrtKeyMaterial.CIPHER_AES_CTR) {
            throw new SrtCryptoException(Kind.UNSUPPORTED, "cipher " + km.cipher() + " not supported, only AES-CTR (2)");
        }
        if (km.auth() != SrtKeyMaterial.AUTH_NONE) {
            throw new SrtCryptoException(Kind.UNSUPPORTED, "authentication " + km.auth() + " not supported");
        }
        if (km.keki() != 0) {
            throw new SrtCryptoException(Kind.UNSUPPORTED, "KEK index " + km.keki() + ", only the passphrase KEK (0)");
        }
        byte[] salt = km.salt();
        int len = km.keyLength();
        byte[] kekForSalt = kek != null && kek.length == len && Arrays.equals(kekSalt, salt)
                ? kek : kekSource.kek(passphrase, salt, len);
        byte[] plain = AesKeyWrap.unwrap(kekForSalt, km.wrappedKeys());
        if (plain == null) {
            throw new SrtCryptoException(Kind.BAD_SECRET, "bad passphrase: the stream key does not unwrap");
        }
        byte[] nonce = Arrays.copyOf(salt, 16);
        int p = 0;
        KeySlot even = slots[EVEN];
        KeySlot odd = slots[ODD];
        if (km.hasEvenKey()) {
            even = new KeySlot(Arrays.copyOfRange(plain, p, p + len), nonce);
            p += len;
        }
        if (km.hasOddKey()) {
            odd = new KeySlot(Arrays.copyOfRange(plain, p, p + len), nonce);
        }
        Arrays.fill(plain, (byte) 0);
        slots[EVEN] = even;
        slots[ODD] = odd;
        kek = kekForSalt;
        kekSalt = salt;
        keyLength = len;
        kmResponse = raw.clone();
    }

    private KeySlot slot(int keyFlags) {
        return switch (keyFlags) {
            case SrtKeyMaterial.KK_EVEN -> slots[EVEN];
            case SrtKeyMaterial.KK_ODD -> slots[ODD];
            default -> null;
        };
    }

    private boolean crypt(byte[] buf, int off, int len, int seq, int keyFlags) {
        if (off < 0 || len < 0 || off > buf.length - len) {
            throw new IndexOutOfBoundsException("range " + off + "+" + len + " outside " + buf.length);
        }
        KeySlot slot = slot(keyFlags);
        if (slot == null) {
            return false;
        }
        slot.apply(buf, off, len, seq);
        return true;
    }

    /** One SEK with the salt of the KM message that brought it, and its reusable AES-CTR cipher. */
    private static final class KeySlot {
        private final SecretKeySpec key;
        private final byte[] nonce;
        private final byte[] iv = new byte[16];
        private final Cipher ctr;

        KeySlot(byte[] sek, byte[] nonce) {
            this.key = new SecretKeySpec(sek, "AES");
            this.nonce = nonce;
            try {
                this.ctr = Cipher.getInstance("AES/CTR/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/CTR unavailable", e);
            }
        }

        void apply(byte[] buf, int off, int len, int seq) {
            System.arraycopy(nonce, 0, iv, 0, 14);
            iv[10] ^= (byte) (seq >>> 24);
            iv[11] ^= (byte) (seq >>> 16);
            iv[12] ^= (byte) (seq >>> 8);
            iv[13] ^= (byte) seq;
            iv[14] = 0;
            iv[15] = 0;
            try {
                // ENCRYPT_MODE both ways: CTR XORs the same key stream
                ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
                ctr.doFinal(buf, off, len, buf, off);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-CTR failed", e);
            }
        }
    }
}
