package io.tributary.live;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;
import io.tributary.config.StreamKeys;

import java.time.Duration;
import java.util.List;

/**
 * How publications behave, whatever protocol they come in by. The keys keep their
 * historical {@code rtmp.} prefix (configs in use name them so); they apply to every ingest.
 *
 * @param streamKeys       allowed keys; {@code any} allows every key
 * @param duplicatePublish what a second publisher on a live key gets
 * @param reconnectGrace   a publisher reconnecting within this continues the same playlist
 * @param endedRetention   how long an ended stream stays
 * @param onPublish        an HTTP endpoint asked before every publish (allow, refuse, rename); "" for none
 */
public record PublishSettings(List<String> streamKeys, DuplicatePublish duplicatePublish, Duration reconnectGrace,
                              Duration endedRetention, String onPublish) {

    /** What happens when a second publisher claims a live key. */
    public enum DuplicatePublish { REJECT, TAKEOVER }

    public static PublishSettings from(Settings s) {
        List<String> keys = s.list("rtmp.stream-keys");
        for (String k : keys) {
            if (!k.equals("any") && !StreamKeys.valid(k)) {
                throw ConfigException.invalid("rtmp.stream-keys", "keys of letters, digits, '-' and '_' (1-128)", k);
            }
        }
        return new PublishSettings(List.copyOf(keys), s.choice("rtmp.duplicate-publish", DuplicatePublish.class),
                s.duration("rtmp.reconnect-grace", Duration.ZERO, Duration.ofMinutes(10)),
                s.duration("rtmp.ended-retention", Duration.ZERO, Duration.ofHours(1)), onPublish(s));
    }

    private static String onPublish(Settings s) {
        Object v = s.optional("rtmp.on-publish");
        String url = v == null ? "" : String.valueOf(v).trim();
        if (!url.isEmpty() && !url.matches("https?://\\S+")) {
            throw ConfigException.invalid("rtmp.on-publish", "empty or an http(s) URL", url);
        }
        return url;
    }

    public boolean allows(String key) {
        return streamKeys.contains("any") || streamKeys.contains(key);
    }
}
