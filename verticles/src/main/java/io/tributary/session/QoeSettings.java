package io.tributary.session;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;
import io.tributary.config.StreamKeys;

import java.util.List;

/**
 * QoE beacons and labels: the {@code qoe.*} keys.
 *
 * @param region      the region label when a request names none (X-Region)
 * @param regions     the X-Region values kept as labels; any other becomes "other"
 * @param beaconRate  beacons per second one remote address may send (token bucket refill)
 * @param beaconBurst the bucket's size
 * @param sessionBeaconRate  beacons per second one session may send
 * @param sessionBeaconBurst that bucket's size
 */
public record QoeSettings(String region, List<String> regions, double beaconRate, int beaconBurst, double sessionBeaconRate,
                          int sessionBeaconBurst) {

    public static QoeSettings from(Settings s) {
        List<String> regions = s.list("qoe.regions");
        for (String r : regions) {
            if (!StreamKeys.valid(r) || r.length() > 32) {
                throw ConfigException.invalid("qoe.regions", "names of letters, digits, '-' and '_' (1-32)", r);
            }
        }
        String region = s.string("qoe.region");
        if (!StreamKeys.valid(region) || region.length() > 32) {
            throw ConfigException.invalid("qoe.region", "a name of letters, digits, '-' and '_' (1-32)", region);
        }
        return new QoeSettings(region, List.copyOf(regions), s.decimal("qoe.beacon-rate", 0.1, 1_000_000),
                s.integer("qoe.beacon-burst", 1, 10_000_000), s.decimal("qoe.session-beacon-rate", 0.01, 1000),
                s.integer("qoe.session-beacon-burst", 1, 10_000));
    }

    public String region(String header) {
        if (header == null || header.isEmpty()) {
            return region;
        }
        return regions.contains(header) ? header : "other";
    }
}
