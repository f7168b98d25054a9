package io.tributary.dvr;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the DVR records and keeps (the {@code dvr.*} keys).
 *
 * @param enabled           false: nothing is recorded and no PostgreSQL is started for it
 * @param retention         how long a stream's segments are kept, unless a rule says otherwise
 * @param rules             per key, first match wins: a retention, or off (not recorded)
 * @param maxDiskBytes      recorded bytes on this node beyond which the oldest are evicted; 0 = no limit
 * @param maxWindow         the longest window one playlist, MPD or export may span
 * @param window            the seek-back a live playlist lists by default (0 = none, {@code ?dvr=} asks for one)
 * @param retentionInterval how often retention and the disk limit are enforced
 */
public record DvrSettings(boolean enabled, Duration retention, List<Rule> rules, long maxDiskBytes, Duration maxWindow,
                          Duration window, Duration retentionInterval) {


    /** {@code PATTERN=RETENTION} or {@code PATTERN=off}; {@code *} is any run of characters. */
    public record Rule(String pattern, Duration retention, Pattern regex) {

        public Rule(String pattern, Duration retention) {
            this(pattern, retention, Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q")));
        }

        /** Null retention: keys matching are not recorded. */
        public boolean off() {
            return retention == null;
        }

        boolean matches(String key) {
            return regex.matcher(key).matches();
        }
    }

    /** Whether a stream of {@code key} is recorded. */
    public boolean records(String key) {
        return enabled && retentionOf(key) != null;
    }

    /** How long {@code key}'s segments are kept: the first matching rule's, else the default; null when off. */
    public Duration retentionOf(String key) {
        for (Rule r : rules) {
            if (r.matches(key)) {
                return r.retention();
            }
        }
        return retention;
    }

    /** What a stream's recording is kept for, even one a rule now switched off (then the default). */
    public Duration keepOf(String key) {
        Duration d = retentionOf(key);
        return d != null ? d : retention;
    }

    public static DvrSettings from(Settings s) {
        Duration max = Duration.ofDays(3650);
        List<Rule> rules = new ArrayList<>();
        for (String rule : s.list("dvr.rules")) {
            int eq = rule.indexOf('=');
            String pattern = eq < 0 ? "" : rule.substring(0, eq).trim();
            String value = eq < 0 ? "" : rule.substring(eq + 1).trim();
            Duration d = value.equalsIgnoreCase("off") ? null : Settings.parseDuration(value);
            boolean valid = !pattern.isEmpty() && pattern.matches("[A-Za-z0-9_*-]+")
                    && (value.equalsIgnoreCase("off") || d != null && d.toMillis() >= 1000 && d.compareTo(max) <= 0);
            if (!valid) {
                throw ConfigException.invalid("dvr.rules", "entries like news-*=30d or test-*=off (retention 1s to 3650d)", rule);
            }
            rules.add(new Rule(pattern, d));
        }
        return new DvrSettings(s.bool("dvr.enabled"), s.duration("dvr.retention", Duration.ofSeconds(1), max),
                List.copyOf(rules), size(s, "dvr.max-disk"), s.duration("dvr.max-window", Duration.ofSeconds(1), Duration.ofDays(30)),
                s.duration("dvr.window", Duration.ZERO, Duration.ofDays(30)),
                s.duration("dvr.retention-interval", Duration.ofMillis(100), Duration.ofHours(1)));
    }

    /** Bytes: a plain number or 500MB, 2GB, 1.5TB (powers of 1024); 0 = no limit. */
    private static long size(Settings s, String key) {
        return s.size(key, "a size like 0 (no limit), 500MB, 2GB or 1TB");
    }
}
