package io.tributary.testing;

import io.tributary.Node;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads samples out of the node's own {@code /metrics} text, as Prometheus would. */
public final class Scrape {

    private static final Pattern STREAM_ID = Pattern.compile("stream_id=\"([^\"]*)\"");

    public final String text;

    public Scrape(String text) {
        this.text = text;
    }

    public static Scrape of(Node node) {
        var r = TestNode.get(node, "/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode());
        }
        return new Scrape(r.body());
    }

    /** The sample {@code name} whose labels include every {@code k="v"} given; NaN when there is none. */
    public double value(String name, String... labels) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    /** The sum of every sample of {@code name} (all label sets); 0 when there is none. */
    public double sum(String name) {
        double total = 0;
        for (String line : text.split("\n")) {
            if (!line.startsWith("#") && (line.startsWith(name + "{") || line.startsWith(name + " "))) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** Every stream_id label value in the scrape. */
    public Set<String> streamIds() {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = STREAM_ID.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
