package io.tributary.metrics;

import io.tributary.config.Settings;

/**
 * The {@code metrics.*} keys.
 *
 * @param perStreamLabels false: meters carry no {@code stream_id} label (a node with thousands of
 *                        streams would otherwise export thousands of series per meter)
 */
public record MetricsSettings(boolean perStreamLabels) {

    public static final MetricsSettings DEFAULT = new MetricsSettings(true);

    public static MetricsSettings from(Settings s) {
        return new MetricsSettings(s.bool("metrics.per-stream-labels"));
    }
}
