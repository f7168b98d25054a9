package io.tributary.bench.support;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One unlabelled Prometheus histogram of a node's {@code /metrics} (a Micrometer timer with SLO buckets):
 * the cumulative count per upper bound, and what a run added between two scrapes. Percentiles are
 * bucket bounds: "p99 &lt;= 5 ms" says the 99th percentile lies in the bucket ending at 5 ms.
 */
public final class Histogram {

    /** Upper bound in seconds (+Inf as infinity) to cumulative count, in the scrape's (ascending) order. */
    private final Map<Double, Double> buckets;

    private Histogram(Map<Double, Double> buckets) {
        this.buckets = buckets;
    }

    /** {@code name} without {@code _bucket} (e.g. {@code tributary_playlist_render_seconds}); empty when absent. */
    public static Histogram of(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "_bucket\\{le=\"([^\"]+)\"} ([0-9.eE+]+)").matcher(scrape);
        Map<Double, Double> out = new LinkedHashMap<>();
        while (m.find()) {
            out.put(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)));
        }
        return new Histogram(out);
    }

    /** What was recorded since {@code before}. */
    public Histogram since(Histogram before) {
        Map<Double, Double> out = new LinkedHashMap<>();
        buckets.forEach((le, n) -> out.put(le, n - before.buckets.getOrDefault(le, 0.0)));
        return new Histogram(out);
    }

    public double count() {
        return buckets.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    }

    /** The upper bound (ms) of the bucket holding percentile {@code p}; infinity past the last bound; NaN when empty. */
    public double p(double p) {
        double total = count();
        if (total == 0) {
            return Double.NaN;
        }
        double rank = Math.ceil(p / 100.0 * total);
        for (Map.Entry<Double, Double> b : buckets.entrySet()) {
            if (b.getValue() >= rank) {
                return b.getKey() * 1000;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** "≤ 5", or "> 100" past the last bound, or "-" when nothing was recorded. */
    public String bound(double p) {
        double ms = p(p);
        if (Double.isNaN(ms)) {
            return "-";
        }
        if (Double.isInfinite(ms)) {
            double last = buckets.keySet().stream().filter(Double::isFinite).mapToDouble(d -> d * 1000).max().orElse(0);
            return String.format(Locale.ROOT, "> %.0f", last);
        }
        return String.format(Locale.ROOT, "≤ %s", ms < 1 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%.0f", ms));
    }
}
