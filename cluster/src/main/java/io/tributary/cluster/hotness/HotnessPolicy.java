package io.tributary.cluster.hotness;

import java.time.Duration;

/**
 * How hotness is measured and what it implies.
 *
 * @param halfLife how fast past requests stop counting
 * @param s1Ttl    cache TTL hint for the top 1 % of content
 * @param s2Ttl    for the next 9 % (top 10 %)
 * @param s3Ttl    for the rest
 */
public record HotnessPolicy(Duration halfLife, Duration s1Ttl, Duration s2Ttl, Duration s3Ttl) {

    public static final HotnessPolicy DEFAULT = new HotnessPolicy(Duration.ofSeconds(60), Duration.ofSeconds(120),
            Duration.ofSeconds(30), Duration.ofSeconds(6));

    public HotnessPolicy {
        for (Duration d : new Duration[]{halfLife, s1Ttl, s2Ttl, s3Ttl}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("hotness half-life and TTLs must be positive, got " + d);
            }
        }
    }

    public Duration ttl(Tier tier) {
        return switch (tier) {
            case S1 -> s1Ttl;
            case S2 -> s2Ttl;
            case S3 -> s3Ttl;
        };
    }
}
