package io.tributary.media.rtmp;

/**
 * Connection-level control messages both ends answer the same way: the peer's window
 * (answered with Acknowledgements) and pings.
 */
final class PeerControl {

    private final MessageWriter writer;
    private long peerWindow;
    private long lastAcknowledged;

    PeerControl(MessageWriter writer) {
        this.writer = writer;
    }

    /** @return true if the message was a connection-control message and has been handled */
    boolean handle(RtmpMessage m) {
        byte[] p = m.payload();
        switch (m.typeId()) {
            case RtmpMessage.SET_CHUNK_SIZE, RtmpMessage.ABORT, RtmpMessage.ACKNOWLEDGEMENT,
                    RtmpMessage.SET_PEER_BANDWIDTH:
                return true; // chunk-layer ones were applied by the decoder; the others need no answer
            case RtmpMessage.WINDOW_ACK_SIZE:
                requireLength(m, 4);
                peerWindow = u32(p, 0);
                return true;
            case RtmpMessage.USER_CONTROL:
                requireLength(m, 2);
                int event = ((p[0] & 0xFF) << 8) | (p[1] & 0xFF);
                if (event == MessageWriter.USER_CONTROL_PING_REQUEST) {
                    requireLength(m, 6);
                    writer.userControl(MessageWriter.USER_CONTROL_PING_RESPONSE, u32(p, 2));
                }
                return true;
            default:
                return false;
        }
    }

    /** Sends an Acknowledgement if the bytes received since the last one reached the peer's window. */
    void received(long totalBytes) {
        if (peerWindow > 0 && totalBytes - lastAcknowledged >= peerWindow) {
            writer.acknowledgement(totalBytes);
            lastAcknowledged = totalBytes;
        }
    }

    private static void requireLength(RtmpMessage m, int n) {
        if (m.payload().length < n) {
            throw new RtmpProtocolException("control message type " + m.typeId() + " of " + m.payload().length
                    + " bytes (need " + n + ")");
        }
    }

    static long u32(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }
}
