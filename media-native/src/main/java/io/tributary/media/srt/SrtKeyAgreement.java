package io.tributary.media.srt;

/**
 * How a listener turns a caller's KMREQ and the stream's passphrase into a
 * {@link SrtDecryption}: the seam to the crypto package (PBKDF2, AES key wrap).
 */
public interface SrtKeyAgreement {

    /**
     * @throws Refused with {@link SrtReject#BADSECRET} when the passphrase does not unwrap the key,
     *                 {@link SrtReject#CRYPTO} when the key material is unusable
     */
    SrtDecryption agree(byte[] kmRequest, String passphrase) throws Refused;

    final class Refused extends Exception {
        private final int reason;

        public Refused(int reason, String message) {
            super(message);
            this.reason = reason;
        }

        public int reason() {
            return reason;
        }
    }
}
