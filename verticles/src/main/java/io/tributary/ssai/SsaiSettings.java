package io.tributary.ssai;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

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
 * @param modeRules      {@code mode} per stream or channel key, first match wins ({@code news-*=interstitials})
 */
public record SsaiSettings(boolean enabled, Mode mode, List<String> streams, Duration decisionWait, int maxSessions,
                           Duration sessionIdle, List<ModeRule> modeRules) {

    public enum Mode { STITCH, INTERSTITIALS }

    /** {@code PATTERN=MODE}; {@code *} is any run of characters. */
    public record ModeRule(String pattern, Mode mode, Pattern regex) {

        public ModeRule(String pattern, Mode mode) {
            this(pattern, mode, Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q")));
        }
    }

    public static final SsaiSettings OFF = new SsaiSettings(false, Mode.STITCH, List.of(), Duration.ofSeconds(2), 1000,
            Duration.ofMinutes(10));

    public SsaiSettings {
        streams = List.copyOf(streams);
        modeRules = List.copyOf(modeRules);
    }

    /** Without per-stream modes: {@code mode} for every stream. */
    public SsaiSettings(boolean enabled, Mode mode, List<String> streams, Duration decisionWait, int maxSessions,
                        Duration sessionIdle) {
        this(enabled, mode, streams, decisionWait, maxSessions, sessionIdle, List.of());
    }

    /** The mode of a stream or channel: its first matching {@code ssai.mode-rules} entry, else {@code ssai.mode}. */
    public Mode modeOf(String key) {
        for (ModeRule r : modeRules) {
            if (r.regex().matcher(key).matches()) {
                return r.mode();
            }
        }
        return mode;
    }

    public static SsaiSettings from(Settings s) {
        String mode = s.string("ssai.mode").toLowerCase(java.util.Locale.ROOT);
        Mode m = mode(mode);
        if (m == null) {
            throw new ConfigException("ssai.mode must be stitch or interstitials, not '" + mode + "'");
        }
        List<ModeRule> rules = new ArrayList<>();
        for (String rule : s.list("ssai.mode-rules")) {
            int eq = rule.indexOf('=');
            String pattern = eq < 0 ? "" : rule.substring(0, eq).trim();
            Mode value = eq < 0 ? null : mode(rule.substring(eq + 1).trim().toLowerCase(java.util.Locale.ROOT));
            if (pattern.isEmpty() || !pattern.matches("[A-Za-z0-9_*-]+") || value == null) {
                throw ConfigException.invalid("ssai.mode-rules", "entries like news-*=interstitials (stitch or interstitials)", rule);
            }
            rules.add(new ModeRule(pattern, value));
        }
        return new SsaiSettings(s.bool("ssai.enabled"), m, s.list("ssai.streams"),
                s.duration("ssai.decision-wait", Duration.ofMillis(100), Duration.ofSeconds(30)),
                s.integer("ssai.max-sessions", 1, 10_000_000),
                s.duration("ssai.session-idle", Duration.ofSeconds(10), Duration.ofHours(24)), rules);
    }

    private static Mode mode(String name) {
        return switch (name) {
            case "stitch" -> Mode.STITCH;
            case "interstitials" -> Mode.INTERSTITIALS;
            default -> null;
        };
    }

    /** Whether breaks of {@code stream} get ads. */
    public boolean fills(String stream) {
        return enabled && (streams.isEmpty() || streams.contains(stream));
    }
}
