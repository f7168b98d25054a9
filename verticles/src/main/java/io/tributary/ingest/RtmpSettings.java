package io.tributary.ingest;

import io.tributary.config.Settings;
import io.tributary.media.IngestBudget;
import io.tributary.media.rtmp.RtmpLimits;

/**
 * The RTMP listener: the {@code rtmp.*} keys it reads (the publish rules under {@code rtmp.}
 * are every protocol's: {@link io.tributary.live.PublishSettings}).
 *
 * @param instances        ingest verticle instances; 0 = one per core
 * @param maxMessageBytes  a declared RTMP message longer than this closes the connection
 * @param maxBufferedBytes unfinished messages one connection may hold at once
 * @param memoryBudget     bytes all RTMP connections of the node may hold together
 *                         ({@code rtmp.memory-budget} MiB, 0 = a quarter of the heap)
 * @param idleTimeout      a connection the node reads and that sends nothing this long is closed
 */
public record RtmpSettings(String host, int port, int instances, int maxMessageBytes, int maxBufferedBytes,
                           long memoryBudget, java.time.Duration idleTimeout) {

    public static RtmpSettings from(Settings s) {
        int maxMessage = s.integer("rtmp.max-message-bytes", 1024, 64 << 20);
        int maxBuffered = s.integer("rtmp.max-buffered-bytes", 1024, 1 << 30);
        if (maxBuffered < maxMessage) {
            throw new io.tributary.config.ConfigException("rtmp.max-buffered-bytes (" + maxBuffered
                    + ") must be at least rtmp.max-message-bytes (" + maxMessage + ")");
        }
        int budgetMib = s.integer("rtmp.memory-budget", 0, 1 << 20);
        long budget = budgetMib == 0 ? Runtime.getRuntime().maxMemory() / 4 : budgetMib * (1L << 20);
        return new RtmpSettings(s.string("rtmp.host"), s.integer("rtmp.port", 0, 65535), s.integer("rtmp.instances", 0, 256),
                maxMessage, maxBuffered, budget,
                s.duration("rtmp.idle-timeout", java.time.Duration.ofSeconds(1), java.time.Duration.ofHours(1)));
    }

    /** What one connection may make the node hold; every connection draws on the node's {@code budget}. */
    public RtmpLimits limits(IngestBudget budget) {
        return new RtmpLimits(maxMessageBytes, RtmpLimits.defaults().maxChunkSize(),
                Math.min(RtmpLimits.DEFAULT_MESSAGE_BEFORE_PUBLISH, maxMessageBytes), maxBufferedBytes,
                RtmpLimits.DEFAULT_PARTIAL_MESSAGES, RtmpLimits.DEFAULT_CHUNK_STREAMS, budget);
    }

    /** Ports of 0 mean "any free port" (tests). */
    public RtmpSettings withPort(int port) {
        return new RtmpSettings(host, port, instances, maxMessageBytes, maxBufferedBytes, memoryBudget, idleTimeout);
    }
}
