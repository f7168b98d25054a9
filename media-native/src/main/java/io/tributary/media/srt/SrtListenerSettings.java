package io.tributary.media.srt;

/**
 * @param latencyMs          this receiver's TSBPD latency; the connection uses the larger of it and the caller's
 * @param maxConnections     connections (pending and established) one listener holds; more are refused
 * @param idleTimeoutMicros  a connection that hears nothing for this long is closed
 * @param receiveWindow      packets a connection buffers ahead of delivery (its flow window)
 * @param keyLength          AES key bytes an encrypting caller must use (16, 24, 32), 0 for any
 * @param maxConnectionsPerAddress connections (pending and established) from one caller host; more are refused
 * @param maxHeldBytes       payload bytes all connections together hold in their receive windows; a packet past it
 *                           is dropped (the caller's retransmission may find room), never the listener's memory
 */
public record SrtListenerSettings(int latencyMs, int maxConnections, long idleTimeoutMicros, int receiveWindow, int keyLength,
                                  int maxConnectionsPerAddress, long maxHeldBytes) {

    /** 1000 callers at 2.5 Mbit/s hold about 50 MB within a 120 ms latency; this leaves room for loss and bursts. */
    public static final long DEFAULT_MAX_HELD_BYTES = 256L << 20;

    /** The default per-address cap (16) and held-bytes budget. */
    public SrtListenerSettings(int latencyMs, int maxConnections, long idleTimeoutMicros, int receiveWindow, int keyLength) {
        this(latencyMs, maxConnections, idleTimeoutMicros, receiveWindow, keyLength, 16, DEFAULT_MAX_HELD_BYTES);
    }

    public SrtListenerSettings {
        if (latencyMs < 0 || latencyMs > 0xFFFF) {
            throw new IllegalArgumentException("latency " + latencyMs + " ms out of 0..65535");
        }
        if (keyLength != 0 && keyLength != 16 && keyLength != 24 && keyLength != 32) {
            throw new IllegalArgumentException("key length " + keyLength + " is not 0, 16, 24 or 32");
        }
        if (maxConnections < 1 || maxConnectionsPerAddress < 1 || receiveWindow < 32 || idleTimeoutMicros < 1 || maxHeldBytes < 1) {
            throw new IllegalArgumentException("bad SRT listener limits");
        }
    }

    public static SrtListenerSettings defaults() {
        return new SrtListenerSettings(120, 1000, 5_000_000, 8192, 0);
    }
}
