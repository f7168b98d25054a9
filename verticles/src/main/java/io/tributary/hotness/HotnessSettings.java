package io.tributary.hotness;

import io.tributary.cluster.hotness.HotnessPolicy;
import io.tributary.config.Settings;

import java.time.Duration;

/**
 * Content hotness (cluster-wide decayed request rates) and the cache TTL hint per tier: the {@code hotness.*} keys.
 *
 * @param maxKeys           distinct content keys (times regions) a node counts between merges
 * @param prewarmRenditions S1 renditions an edge pre-fetches per merge interval
 */
public record HotnessSettings(Duration halfLife, Duration mergeInterval, Duration s1Ttl, Duration s2Ttl, Duration s3Ttl,
                              int maxKeys, int prewarmRenditions) {

    public static HotnessSettings from(Settings s) {
        return new HotnessSettings(s.duration("hotness.half-life", Duration.ofSeconds(1), Duration.ofHours(24)),
                s.duration("hotness.merge-interval", Duration.ofMillis(100), Duration.ofMinutes(10)),
                s.duration("hotness.s1-ttl", Duration.ofSeconds(1), Duration.ofDays(1)),
                s.duration("hotness.s2-ttl", Duration.ofSeconds(1), Duration.ofDays(1)),
                s.duration("hotness.s3-ttl", Duration.ofSeconds(1), Duration.ofDays(1)),
                s.integer("hotness.max-keys", 1, 10_000_000), s.integer("hotness.prewarm-renditions", 0, 1000));
    }

    public HotnessPolicy policy() {
        return new HotnessPolicy(halfLife, s1Ttl, s2Ttl, s3Ttl);
    }
}
