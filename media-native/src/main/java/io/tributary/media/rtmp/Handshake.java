package io.tributary.media.rtmp;

import java.util.concurrent.ThreadLocalRandom;

/** Plain (non-digest) RTMP handshake constants and packet builders. */
final class Handshake {
    static final int VERSION = 3;
    static final int PACKET_SIZE = 1536;

    private Handshake() {
    }

    /**
     * S1/C1: 4-byte time, 4 zero bytes, random fill. The zero "version" bytes tell
     * FFmpeg/librtmp peers not to look for the Flash digest scheme.
     */
    static byte[] randomPacket() {
        byte[] p = new byte[PACKET_SIZE];
        ThreadLocalRandom.current().nextBytes(p);
        for (int i = 0; i < 8; i++) {
            p[i] = 0;
        }
        return p;
    }
}
