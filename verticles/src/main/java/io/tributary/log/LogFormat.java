package io.tributary.log;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.util.Locale;

/**
 * The {@code log.*} keys: how events are written (one line each, text or ECS JSON), the root level,
 * and whether every HTTP request gets an access line.
 */
public record LogFormat(boolean json, String level, boolean access) {

    /** What the node logs before its configuration is read (and what tests get). */
    public static final LogFormat DEFAULT = new LogFormat(false, "info", false);

    public static LogFormat from(Settings s) {
        String format = s.string("log.format").toLowerCase(Locale.ROOT);
        if (!format.equals("text") && !format.equals("json")) {
            throw ConfigException.invalid("log.format", "text or json", format);
        }
        String level = s.string("log.level").toLowerCase(Locale.ROOT);
        if (level.equals("false")) {
            level = "off"; // YAML 1.1 reads a bare off as false
        }
        if (!level.matches("trace|debug|info|warn|error|off")) {
            throw ConfigException.invalid("log.level", "one of trace, debug, info, warn, error, off", level);
        }
        return new LogFormat(format.equals("json"), level, s.bool("log.access"));
    }
}
