package io.tributary.media.rtmp;

import io.tributary.media.IngestBudget;

/**
 * Limits applied while decoding, before anything is buffered: what one connection may make
 * the node hold. A peer past one is cut with an {@link RtmpProtocolException#overLimit()}.
 *
 * @param maxMessageLength        largest RTMP message (declared length) accepted from the peer
 * @param maxChunkSize            largest Set Chunk Size accepted from the peer
 * @param maxMessageBeforePublish largest message before the peer asked to publish (connect,
 *                                createStream and the like are a few hundred bytes)
 * @param maxBufferedBytes        bytes of unfinished messages held at once, over all chunk streams
 * @param maxPartialMessages      messages unfinished at once (an encoder interleaves two or three)
 * @param maxChunkStreams         chunk stream ids with state (an encoder uses a handful; 65,599 exist)
 * @param budget                  the node-wide budget every reassembly buffer is reserved from
 */
public record RtmpLimits(int maxMessageLength, int maxChunkSize, int maxMessageBeforePublish, long maxBufferedBytes,
                         int maxPartialMessages, int maxChunkStreams, IngestBudget budget) {

    public static final int DEFAULT_MESSAGE_BEFORE_PUBLISH = 64 * 1024;
    public static final int DEFAULT_PARTIAL_MESSAGES = 8;
    public static final int DEFAULT_CHUNK_STREAMS = 64;

    public RtmpLimits {
        if (maxMessageLength <= 0) {
            throw new IllegalArgumentException("maxMessageLength must be positive: " + maxMessageLength);
        }
        if (maxChunkSize < 128) {
            throw new IllegalArgumentException("maxChunkSize must be at least 128 (the RTMP default): " + maxChunkSize);
        }
        if (maxMessageBeforePublish <= 0 || maxBufferedBytes < maxMessageLength || maxPartialMessages < 1
                || maxChunkStreams < 8 || budget == null) {
            throw new IllegalArgumentException("invalid RTMP limits");
        }
    }

    /** The given message and chunk limits; the others their defaults, buffered bytes twice the message limit. */
    public RtmpLimits(int maxMessageLength, int maxChunkSize) {
        this(maxMessageLength, maxChunkSize, Math.min(DEFAULT_MESSAGE_BEFORE_PUBLISH, maxMessageLength),
                2L * maxMessageLength, DEFAULT_PARTIAL_MESSAGES, DEFAULT_CHUNK_STREAMS, IngestBudget.unlimited());
    }

    public static RtmpLimits defaults() {
        return new RtmpLimits(4 * 1024 * 1024, 1 << 20);
    }

    public RtmpLimits withBudget(IngestBudget b) {
        return new RtmpLimits(maxMessageLength, maxChunkSize, maxMessageBeforePublish, maxBufferedBytes,
                maxPartialMessages, maxChunkStreams, b);
    }
}
