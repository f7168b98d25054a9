package io.tributary.ingest;

import io.tributary.config.Settings;

/**
 * The RTMP listener: the {@code rtmp.*} keys it reads (the publish rules under {@code rtmp.}
 * are every protocol's: {@link io.tributary.live.PublishSettings}).
 *
 * @param instances        ingest verticle instances; 0 = one per core
 * @param maxMessageBytes  a declared RTMP message longer than this closes the connection
 */
public record RtmpSettings(String host, int port, int instances, int maxMessageBytes) {

    public static RtmpSettings from(Settings s) {
        return new RtmpSettings(s.string("rtmp.host"), s.integer("rtmp.port", 0, 65535), s.integer("rtmp.instances", 0, 256),
                s.integer("rtmp.max-message-bytes", 1024, 64 << 20));
    }

    /** Ports of 0 mean "any free port" (tests). */
    public RtmpSettings withPort(int port) {
        return new RtmpSettings(host, port, instances, maxMessageBytes);
    }
}
