package io.tributary.dvr;

import io.tributary.StatusException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one time grammar of DVR playback (HLS, DASH, export, thumbnails): a time T is ISO 8601
 * with an offset ({@code 2026-12-07T01:00:00Z}) or Unix seconds ({@code 1796605200},
 * {@code 1796605200.5}); a duration is ISO 8601 ({@code PT20S}), seconds, or a number with a
 * unit ({@code 90s}, {@code 30m}, {@code 2h}, {@code 1d}). Every error is a 400 naming its parameter.
 */
public final class DvrTimes {

    private static final Pattern UNIX = Pattern.compile("\\d{1,12}(\\.\\d{1,3})?");
    private static final Pattern SHORT = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,3})?)([smhd]?)");
    /** Years 2000..2200 in ms: a Unix time outside is a typo, not a recording. */
    private static final long MIN_MS = 946_684_800_000L;
    private static final long MAX_MS = 7_258_118_400_000L;

    private DvrTimes() {
    }

    /** A closed window {@code [fromMs, toMs)}, or an open one (start-over: {@code open}, toMs = now). */
    public record Window(long fromMs, long toMs, boolean open) {
        public long lengthMs() {
            return toMs - fromMs;
        }

        /** The window as query parameters in Unix seconds, for the URIs of the playlists it leads to. */
        public String query() {
            return "from=" + seconds(fromMs) + (open ? "" : "&to=" + seconds(toMs));
        }
    }

    /** A time parameter in epoch ms. */
    public static long time(String param, String value) {
        if (value == null || value.isEmpty()) {
            throw StatusException.badRequest(param + " is empty");
        }
        long ms;
        if (UNIX.matcher(value).matches()) {
            ms = new BigDecimal(value).movePointRight(3).longValue();
        } else {
            try {
                ms = OffsetDateTime.parse(value).toInstant().toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e) {
                throw StatusException.badRequest(param + " is not ISO 8601 (2026-12-07T01:00:00Z) or Unix seconds: '"
                        + shorten(value) + "'");
            }
        }
        if (ms < MIN_MS || ms > MAX_MS) {
            throw StatusException.badRequest(param + " is outside the years 2000 to 2200: '" + shorten(value) + "'");
        }
        return ms;
    }

    /** A positive duration parameter in ms. */
    public static long duration(String param, String value) {
        if (value == null || value.isEmpty()) {
            throw StatusException.badRequest(param + " is empty");
        }
        long ms;
        Matcher m = SHORT.matcher(value);
        if (m.matches()) {
            long unit = switch (m.group(2)) {
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                default -> 1000L;
            };
            ms = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).longValue();
        } else {
            try {
                ms = Duration.parse(value.toUpperCase(Locale.ROOT)).toMillis();
            } catch (DateTimeParseException | ArithmeticException e) {
                throw StatusException.badRequest(param + " is not a duration (PT20S, 20, 90s, 30m, 2h, 1d): '"
                        + shorten(value) + "'");
            }
        }
        if (ms <= 0) {
            throw StatusException.badRequest(param + " must be positive: '" + shorten(value) + "'");
        }
        return ms;
    }

    /**
     * The window a request names, checked against the configured maximum. {@code from} is
     * required unless {@code to} and {@code duration} are given; {@code from} alone is open (start-over).
     *
     * @param maxWindowMs dvr.max-window
     * @param nowMs       wall clock: the end of an open window
     */
    public static Window window(String from, String to, String duration, long maxWindowMs, long nowMs) {
        if (from != null && to != null && duration != null) {
            throw StatusException.badRequest("duration: with from and to it says the same twice; give two of the three");
        }
        long f;
        long t;
        boolean open = false;
        if (from != null) {
            f = time("from", from);
            if (to != null) {
                t = time("to", to);
            } else if (duration != null) {
                t = f + duration("duration", duration);
            } else {
                t = Math.max(f, nowMs);
                open = true;
            }
        } else if (to != null && duration != null) {
            t = time("to", to);
            f = t - duration("duration", duration);
        } else {
            throw StatusException.badRequest("from is required (or to with duration)");
        }
        if (f >= t && !open) {
            throw StatusException.badRequest("from is not before to");
        }
        if (f > nowMs) {
            throw StatusException.badRequest("from is in the future");
        }
        if (t - f > maxWindowMs) {
            throw StatusException.badRequest((duration != null ? "duration" : open ? "from" : "to")
                    + ": the window of " + seconds(t - f) + " s is longer than dvr.max-window ("
                    + seconds(maxWindowMs) + " s)");
        }
        // a closed window is served as finished (ENDLIST, cached): one that has not ended yet would be cut short
        if (!open && t > nowMs) {
            throw StatusException.badRequest((to != null ? "to" : "duration") + ": the window ends in the future (now is "
                    + seconds(nowMs) + "); give from alone for a start-over window that grows");
        }
        return new Window(f, t, open);
    }

    /** 400 when the window misses what is recorded ({@code [firstMs, lastEndMs)}), naming the parameter that misses. */
    public static void within(Window w, long firstMs, long lastEndMs) {
        if (w.fromMs() >= lastEndMs) {
            throw StatusException.badRequest("from is after the end of the recording (" + seconds(lastEndMs) + ")");
        }
        if (w.toMs() <= firstMs) {
            throw StatusException.badRequest("to is before the start of the recording (" + seconds(firstMs) + ")");
        }
    }

    /** Epoch ms as Unix seconds with up to three decimals. */
    public static String seconds(long ms) {
        return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString();
    }

    private static String shorten(String v) {
        String s = v.length() > 40 ? v.substring(0, 40) + "..." : v;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
