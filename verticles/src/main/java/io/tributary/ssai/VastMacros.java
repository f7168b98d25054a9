package io.tributary.ssai;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * VAST macros: the decision's ({@code [SESSION]}, {@code [DURATION]} in seconds, {@code [STREAM]},
 * {@code [THROUGHPUT]} in kbps, {@code [CACHEBUSTING]}) in the ad server's URL, and the beacons'
 * ({@code [CACHEBUSTING]}, {@code [TIMESTAMP]}, {@code [ERRORCODE]}) in tracking and error URLs.
 * Every value is percent-encoded, so none can add a parameter or a path.
 */
final class VastMacros {

    private VastMacros() {
    }

    static String decision(String url, AdDecisionRequest r) {
        String duration = r.durationMs() % 1000 == 0 ? Long.toString(r.durationMs() / 1000)
                : String.format(java.util.Locale.ROOT, "%.3f", r.durationMs() / 1000.0);
        return replace(url, Map.of("SESSION", String.valueOf(r.session()), "DURATION", duration, "STREAM", String.valueOf(r.stream()),
                "THROUGHPUT", Long.toString(Math.max(0, r.throughputKbps())), "CACHEBUSTING", cacheBuster()));
    }

    static String beacon(String url, int errorCode) {
        return replace(url, Map.of("CACHEBUSTING", cacheBuster(), "TIMESTAMP", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(),
                "ERRORCODE", Integer.toString(errorCode)));
    }

    /** Eight random digits, as the IAB asks. */
    static String cacheBuster() {
        return Integer.toString(10_000_000 + ThreadLocalRandom.current().nextInt(90_000_000));
    }

    static String replace(String url, Map<String, String> values) {
        if (url.indexOf('[') < 0) {
            return url;
        }
        StringBuilder out = new StringBuilder(url.length() + 32);
        int i = 0;
        while (i < url.length()) {
            int open = url.indexOf('[', i);
            int close = open < 0 ? -1 : url.indexOf(']', open);
            if (close < 0) {
                out.append(url, i, url.length());
                break;
            }
            String value = values.get(url.substring(open + 1, close));
            out.append(url, i, open);
            if (value == null) {
                out.append(url, open, close + 1); // not ours: left for whoever reads it
            } else {
                out.append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
            i = close + 1;
        }
        return out.toString();
    }
}
