package io.tributary.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flattened configuration ("http.port" -> value) with environment overrides:
 * key {@code http.port} is overridden by {@code TRIBUTARY_HTTP_PORT}, {@code data-dir}
 * by {@code TRIBUTARY_DATA_DIR}. Typed getters name the key in every error, and
 * {@link #rejectUnknown()} catches misspelt keys.
 */
public final class Settings {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, String> env;
    private final Set<String> read = new LinkedHashSet<>();

    public Settings(Map<String, String> env) {
        this.env = env;
    }

    /** Merges a YAML tree; later merges win. */
    @SuppressWarnings("unchecked")
    public void merge(String prefix, Map<?, ?> tree) {
        for (Map.Entry<?, ?> e : tree.entrySet()) {
            String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> child) {
                merge(key, child);
            } else {
                values.put(key, e.getValue());
            }
        }
    }

    public static String envName(String key) {
        return "TRIBUTARY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private Object raw(String key) {
        read.add(key);
        String fromEnv = env.get(envName(key));
        return fromEnv != null ? fromEnv : values.get(key);
    }

    private Object required(String key) {
        Object v = raw(key);
        if (v == null) {
            throw new ConfigException("config key '" + key + "' is missing");
        }
        return v;
    }

    /** A key that may be left empty (YAML null or ""): null then. */
    public Object optional(String key) {
        Object v = raw(key);
        return v == null || String.valueOf(v).isBlank() ? null : v;
    }

    public String string(String key) {
        return String.valueOf(required(key)).trim();
    }

    public int integer(String key, int min, int max) {
        Object v = required(key);
        long n;
        try {
            n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, "an integer", v);
        }
        if (n < min || n > max) {
            throw ConfigException.invalid(key, "an integer from " + min + " to " + max, v);
        }
        return (int) n;
    }

    public double decimal(String key, double min, double max) {
        Object v = required(key);
        double d;
        try {
            d = v instanceof Number num ? num.doubleValue() : Double.parseDouble(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, "a number", v);
        }
        if (!(d >= min && d <= max)) {
            throw ConfigException.invalid(key, "a number from " + min + " to " + max, v);
        }
        return d;
    }

    public boolean bool(String key) {
        Object v = required(key);
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw ConfigException.invalid(key, "true or false", v);
        };
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|tb)?", Pattern.CASE_INSENSITIVE);

    /** A size in bytes: "500MB", "2GB", "1TB", "64kb" or a plain number of bytes (units of 1024). */
    public long size(String key, String expected) {
        String v = string(key);
        Matcher m = SIZE.matcher(v.trim());
        if (!m.matches()) {
            throw ConfigException.invalid(key, expected, v);
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long scale = switch (unit) {
            case "kb" -> 1L << 10;
            case "mb" -> 1L << 20;
            case "gb" -> 1L << 30;
            case "tb" -> 1L << 40;
            default -> 1;
        };
        return (long) (Double.parseDouble(m.group(1)) * scale);
    }

    /** "10s", "500ms", "2m", "7d", or a plain number of seconds. */
    public Duration duration(String key, Duration min, Duration max) {
        Object v = required(key);
        Duration d;
        if (v instanceof Number n) {
            d = Duration.ofMillis(Math.round(n.doubleValue() * 1000));
        } else {
            d = parseDuration(String.valueOf(v));
            if (d == null) {
                throw ConfigException.invalid(key, "a duration like 10s or 500ms", v);
            }
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw ConfigException.invalid(key, "a duration from " + min.toMillis() + " ms to " + max.toMillis() + " ms", v);
        }
        return d;
    }

    /** "10s", "500ms", "2m", "7d", or a plain number of seconds; null when it is none of these. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            case "d" -> amount * 86_400_000;
            default -> amount * 1000;
        };
        return Duration.ofMillis(Math.round(ms));
    }

    /** A YAML list or a comma-separated string. */
    public List<String> list(String key) {
        Object v = required(key);
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(o).trim());
            }
        } else {
            for (String s : String.valueOf(v).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        String v = string(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().replace('_', '-').equalsIgnoreCase(v)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw ConfigException.invalid(key, "one of " + names, v);
    }

    /**
     * Fails on a {@code TRIBUTARY_*} variable that names no key a getter read (nor one of
     * {@code aliases}): a misspelt variable would otherwise leave its setting at the default.
     */
    public void rejectUnknownEnv(Set<String> aliases) {
        Set<String> known = new java.util.HashSet<>(aliases);
        for (String key : read) {
            known.add(envName(key));
        }
        for (String name : new java.util.TreeSet<>(env.keySet())) {
            if (name.startsWith("TRIBUTARY_") && !known.contains(name)) {
                throw new ConfigException("environment variable '" + name + "' is not a config key"
                        + " (TRIBUTARY_ + a key of conf/default.yaml, upper case, '.' and '-' as '_')");
            }
        }
    }

    /** Fails on keys the file set that no getter read: most often a typo. */
    public void rejectUnknown() {
        for (String key : values.keySet()) {
            if (!read.contains(key)) {
                throw new ConfigException("config key '" + key + "' is not known");
            }
        }
    }
}
