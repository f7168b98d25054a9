package io.tributary.media.srt.crypto;

/**
 * A Key Material message that cannot be used. {@link #kind()} says why; {@link #kmState()} is the
 * libsrt KM state a listener answers with (the KMRSP of a refused KMREQ carries just that word).
 */
public final class SrtCryptoException extends RuntimeException {

    /** Why the key material was refused. */
    public enum Kind {
        /** The bytes are not a KM message (length, version, signature, sizes). */
        MALFORMED(SrtCrypto.KM_BADSECRET),
        /** The caller encrypts but this side has no passphrase. */
        NO_SECRET(SrtCrypto.KM_NOSECRET),
        /** The AES key wrap integrity check failed: the passphrases differ. */
        BAD_SECRET(SrtCrypto.KM_BADSECRET),
        /** A well-formed KM message for a cipher this side does not implement (e.g. AES-GCM). */
        UNSUPPORTED(SrtCrypto.KM_BADCRYPTOMODE),
        /** No KEK derivation allowed now (rate limit): the KM message is ignored, the peer repeats it. */
        BUSY(SrtCrypto.KM_SECURING);

        private final int kmState;

        Kind(int kmState) {
            this.kmState = kmState;
        }
    }

    private final Kind kind;

    public SrtCryptoException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The SRT_KM_S_* state to report to the peer for this refusal. */
    public int kmState() {
        return kind.kmState;
    }
}
