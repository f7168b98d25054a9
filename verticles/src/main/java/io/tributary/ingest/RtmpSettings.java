package io.tributary.ingest;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;
import io.tributary.config.StreamKeys;

import java.time.Duration;
import java.util.List;

/**
 * RTMP ingest and how its publications behave: the {@code rtmp.*} keys.
 *
 * @param instances        ingest verticle instances; 0 = one per core
 * @param maxMessageBytes  a declared RTMP message longer than this closes the connection
 * @param streamKeys       allowed keys; {@code any} allows every key
 * @param duplicatePublish what a second publisher on a live key gets
 * @param reconnectGrace   a publisher reconnecting within this continues the same playlist
 * @param endedRetention   how long an ended stream stays
 */
public record RtmpSettings(String host, int port, int instances, int maxMessageBytes, List<String> streamKeys,
                           DuplicatePublish duplicatePublish, Duration reconnectGrace, Duration endedRetention) {

    /** What happens when a second publisher claims a live key. */
    public enum DuplicatePublish { REJECT, TAKEOVER }

    public static RtmpSettings from(Settings s) {
        List<String> keys = s.list("rtmp.stream-keys");
        for (String k : keys) {
            if (!k.equals("any") && !StreamKeys.valid(k)) {
                throw ConfigException.invalid("rtmp.stream-keys", "keys of letters, digits, '-' and '_' (1-128)", k);
            }
        }
        return new RtmpSettings(s.string("rtmp.host"), s.integer("rtmp.port", 0, 65535), s.integer("rtmp.instances", 0, 256),
                s.integer("rtmp.max-message-bytes", 1024, 64 << 20), List.copyOf(keys),
                s.choice("rtmp.duplicate-publish", DuplicatePublish.class),
                s.duration("rtmp.reconnect-grace", Duration.ZERO, Duration.ofMinutes(10)),
                s.duration("rtmp.ended-retention", Duration.ZERO, Duration.ofHours(1)));
    }

    public boolean allows(String key) {
        return streamKeys.contains("any") || streamKeys.contains(key);
    }

    /** Ports of 0 mean "any free port" (tests). */
    public RtmpSettings withPort(int port) {
        return new RtmpSettings(host, port, instances, maxMessageBytes, streamKeys, duplicatePublish, reconnectGrace,
                endedRetention);
    }
}
