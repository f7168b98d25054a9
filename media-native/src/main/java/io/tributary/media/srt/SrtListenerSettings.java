package io.tributary.media.srt;

/**
 * @param latencyMs          this receiver's TSBPD latency; the connection uses the larger of it and the caller's
 * @param maxConnections     connections (pending and established) one listener holds; more are refused
 * @param idleTimeoutMicros  a connection that hears nothing for this long is closed
 * @param receiveWindow      packets a connection buffers ahead of delivery (its flow window)
 */
public record SrtListenerSettings(int latencyMs, int maxConnections, long idleTimeoutMicros, int receiveWindow) {

    public SrtListenerSettings {
        if (latencyMs < 0 || latencyMs > 0xFFFF) {
            throw new IllegalArgumentException("latency " + latencyMs + " ms out of 0..65535");
        }
        if (maxConnections < 1 || receiveWindow < 32 || idleTimeoutMicros < 1) {
            throw new IllegalArgumentException("bad SRT listener limits");
        }
    }

    public static SrtListenerSettings defaults() {
        return new SrtListenerSettings(120, 1000, 5_000_000, 8192);
    }
}
