package io.tributary.media.srt;

/**
 * One connection's payload decryption, as the crypto package provides it after a
 * KMREQ was accepted (AES-CTR keyed by the even/odd stream encrypting keys).
 */
public interface SrtDecryption {

    /** Decrypts in place; false when the key the packet names ({@code keyFlags}: 1 even, 2 odd) is not known. */
    boolean decrypt(byte[] payload, int off, int len, int sequence, int keyFlags);

    /** A later KMREQ (key rotation): takes the new key(s), gives the KMRSP content; throws SrtProtocolException when unusable. */
    byte[] rekey(byte[] kmRequest);

    /** The KMRSP content answering the handshake's KMREQ. */
    byte[] kmResponse();

    /** Key length in bytes (16, 24, 32). */
    int keyLength();
}
