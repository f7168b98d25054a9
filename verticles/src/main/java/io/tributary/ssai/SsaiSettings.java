package io.tributary.ssai;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;
import java.util.List;

/**
 * Server-side ad insertion on live streams and FAST channels (the {@code ssai.*} keys).
 *
 * @param enabled        false: every viewer gets the shared playlists, breaks are cues only
 * @param mode           {@code stitch}: ads spliced into each session's media playlists;
 *                       {@code interstitials}: an HLS Interstitial date range naming the session's asset list
 * @param streams        the stream or channel keys breaks are filled on; empty: every stream
 * @param decisionWait   how long a session's playlist waits for its pod before it plays the break as content
 * @param maxSessions    sessions whose pods the node keeps at most (the oldest idle go first)
 * @param sessionIdle    a session's pods are forgotten this long after its last request
 */
public record SsaiSettings(boolean enabled, Mode mode, List<String> streams, Duration decisionWait, int maxSessions,
                           Duration sessionIdle) {

    public enum Mode { STITCH, INTERSTITIALS }

    public static final SsaiSettings OFF = new SsaiSettings(false, Mode.STITCH, List.of(), Duration.ofSeconds(2), 1000,
            Duration.ofMinutes(10));

    public SsaiSettings {
        streams = List.copyOf(streams);
    }

    public static SsaiSettings from(Settings s) {
        String mode = s.string("ssai.mode").toLowerCase(java.util.Locale.ROOT);
        Mode m = switch (mode) {
            case "stitch" -> Mode.STITCH;
            case "interstitials" -> Mode.INTERSTITIALS;
            default -> throw new ConfigException("ssai.mode must be stitch or interstitials, not '" + mode + "'");
        };
        return new SsaiSettings(s.bool("ssai.enabled"), m, s.list("ssai.streams"),
                s.duration("ssai.decision-wait", Duration.ofMillis(100), Duration.ofSeconds(30)),
                s.integer("ssai.max-sessions", 1, 10_000_000),
                s.duration("ssai.session-idle", Duration.ofSeconds(10), Duration.ofHours(24)));
    }

    /** Whether breaks of {@code stream} get ads. */
    public boolean fills(String stream) {
        return enabled && (streams.isEmpty() || streams.contains(stream));
    }
}
