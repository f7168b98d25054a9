package io.tributary.media.srt.crypto;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES key wrap, RFC 3394 (section 2.2.1/2.2.2, default initial value A6A6A6A6A6A6A6A6), which SRT
 * uses to carry the stream keys under the passphrase-derived KEK. Written over AES/ECB so the
 * integrity check is explicit: a wrong KEK is an {@link #unwrap} that returns null.
 */
final class AesKeyWrap {

    private static final byte[] DEFAULT_IV = {
        (byte) 0xA6, (byte) 0xA6, (byte) 0xA6, (byte) 0xA6, (byte) 0xA6, (byte) 0xA6, (byte) 0xA6, (byte) 0xA6
    };

    private AesKeyWrap() {
    }

    /** Wraps {@code plain} (a multiple of 8 bytes, at least 16) under {@code kek} (16/24/32 bytes). */
    static byte[] wrap(byte[] kek, byte[] plain) {
        int n = checkedBlocks(plain.length);
        Cipher aes = aes(kek, Cipher.ENCRYPT_MODE);
        byte[] out = new byte[8 + plain.length];
        byte[] a = DEFAULT_IV.clone();
        System.arraycopy(plain, 0, out, 8, plain.length);
        byte[] block = new byte[16];
        for (int j = 0; j <= 5; j++) {
            for (int i = 1; i <= n; i++) {
                System.arraycopy(a, 0, block, 0, 8);
                System.arraycopy(out, 8 * i, block, 8, 8);
                ecb(aes, block);
                long t = (long) n * j + i;
                System.arraycopy(block, 0, a, 0, 8);
                xorCounter(a, t);
                System.arraycopy(block, 8, out, 8 * i, 8);
            }
        }
        System.arraycopy(a, 0, out, 0, 8);
        return out;
    }

    /** The unwrapped key data, or null when the integrity check fails (a different KEK). */
    static byte[] unwrap(byte[] kek, byte[] wrapped) {
        if (wrapped.length < 24 || wrapped.length % 8 != 0) {
            throw new IllegalArgumentException("wrapped data must be a multiple of 8 bytes, at least 24");
        }
        int n = wrapped.length / 8 - 1;
        Cipher aes = aes(kek, Cipher.DECRYPT_MODE);
        byte[] r = new byte[8 * n];
        System.arraycopy(wrapped, 8, r, 0, r.length);
        byte[] a = new byte[8];
        System.arraycopy(wrapped, 0, a, 0, 8);
        byte[] block = new byte[16];
        for (int j = 5; j >= 0; j--) {
            for (int i = n; i >= 1; i--) {
                long t = (long) n * j + i;
                xorCounter(a, t);
                System.arraycopy(a, 0, block, 0, 8);
                System.arraycopy(r, 8 * (i - 1), block, 8, 8);
                ecb(aes, block);
                System.arraycopy(block, 0, a, 0, 8);
                System.arraycopy(block, 8, r, 8 * (i - 1), 8);
            }
        }
        if (!MessageDigest.isEqual(a, DEFAULT_IV)) {
            java.util.Arrays.fill(r, (byte) 0);
            return null;
        }
        return r;
    }

    private static int checkedBlocks(int length) {
        if (length < 16 || length % 8 != 0) {
            throw new IllegalArgumentException("key data must be a multiple of 8 bytes, at least 16: " + length);
        }
        return length / 8;
    }

    private static void xorCounter(byte[] a, long t) {
        for (int k = 7; k >= 0; k--) {
            a[k] ^= (byte) t;
            t >>>= 8;
        }
    }

    private static Cipher aes(byte[] kek, int mode) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(mode, new SecretKeySpec(kek, "AES"));
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES unavailable or bad KEK length " + kek.length, e);
        }
    }

    private static void ecb(Cipher aes, byte[] block) {
        try {
            aes.doFinal(block, 0, 16, block, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES block operation failed", e);
        }
    }
}
