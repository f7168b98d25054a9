package io.tributary.channel;

import io.tributary.config.Settings;

import java.time.Duration;

/**
 * FAST channels (the {@code channels.*} keys). Channels need VOD (their assets are VOD assets).
 *
 * @param enabled     false: no channel API, no playout
 * @param maxChannels channels the API creates at most (each is a live stream on some origin)
 * @param maxEntries  entries one schedule may have
 * @param refresh     how often a playout re-reads every channel (edits on any node also reach it at once)
 */
public record ChannelSettings(boolean enabled, int maxChannels, int maxEntries, Duration refresh) {

    public static ChannelSettings from(Settings s) {
        return new ChannelSettings(s.bool("channels.enabled"), s.integer("channels.max-channels", 1, 100_000),
                s.integer("channels.max-entries", 1, 100_000),
                s.duration("channels.refresh", Duration.ofSeconds(1), Duration.ofHours(1)));
    }
}
