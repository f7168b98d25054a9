package io.tributary.delivery;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;
import io.tributary.media.dash.DashManifest;

/**
 * Low-latency DASH: the {@code dash.*} keys.
 *
 * @param targetLatency seconds the MPD's ServiceDescription asks players to stay behind live;
 *                      0 = derived from each stream's part target (four parts)
 */
public record DashSettings(double targetLatency) {

    public static final DashSettings DERIVED = new DashSettings(0);

    public static DashSettings from(Settings s) {
        double target = s.decimal("dash.target-latency", 0, 60);
        if (target != 0 && target < 0.2) {
            throw ConfigException.invalid("dash.target-latency", "0 (derived from hls.part-target) or 0.2 to 60 seconds", target);
        }
        return new DashSettings(target);
    }

    /** The latency description for a stream cut into parts and segments of these targets (seconds). */
    public DashManifest.LowLatency lowLatency(double partTarget, double segmentTarget) {
        return DashManifest.LowLatency.of(Math.round(targetLatency * 1000), partTarget, segmentTarget);
    }
}
