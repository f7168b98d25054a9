package io.tributary.media.rtmp;

/**
 * Limits applied while decoding, before anything is buffered.
 *
 * @param maxMessageLength largest RTMP message (declared length) accepted from the peer
 * @param maxChunkSize     largest Set Chunk Size accepted from the peer
 */
public record RtmpLimits(int maxMessageLength, int maxChunkSize) {

    public RtmpLimits {
        if (maxMessageLength <= 0) {
            throw new IllegalArgumentException("maxMessageLength must be positive: " + maxMessageLength);
        }
        if (maxChunkSize < 128) {
            throw new IllegalArgumentException("maxChunkSize must be at least 128 (the RTMP default): " + maxChunkSize);
        }
    }

    public static RtmpLimits defaults() {
        return new RtmpLimits(4 * 1024 * 1024, 1 << 20);
    }
}
