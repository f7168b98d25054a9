package io.tributary.media.srt.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * PBKDF2 with HMAC-SHA1 (RFC 8018 section 5.2) over raw password bytes. JCA's
 * PBKDF2WithHmacSHA1 takes a char[] and chooses the encoding itself; SRT derives from the
 * passphrase bytes as given, so the derivation is spelled out here.
 */
final class Pbkdf2 {

    private static final int H_LEN = 20;

    private Pbkdf2() {
    }

    static byte[] hmacSha1(byte[] password, byte[] salt, int iterations, int keyLength) {
        if (iterations < 1 || keyLength < 1) {
            throw new IllegalArgumentException("iterations and key length must be positive");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            // an empty key is legal for HMAC but SecretKeySpec refuses it; one zero byte is
            // equivalent (HMAC pads the key with zeros to the block size)
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA1"));
            byte[] out = new byte[keyLength];
            byte[] u = new byte[H_LEN];
            byte[] t = new byte[H_LEN];
            for (int block = 1, pos = 0; pos < keyLength; block++, pos += H_LEN) {
                mac.update(salt);
                mac.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
                mac.doFinal(u, 0);
                System.arraycopy(u, 0, t, 0, H_LEN);
                for (int i = 1; i < iterations; i++) {
                    mac.update(u);
                    mac.doFinal(u, 0);
                    for (int k = 0; k < H_LEN; k++) {
                        t[k] ^= u[k];
                    }
                }
                System.arraycopy(t, 0, out, pos, Math.min(H_LEN, keyLength - pos));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }
}
