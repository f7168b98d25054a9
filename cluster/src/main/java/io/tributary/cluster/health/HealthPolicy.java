package io.tributary.cluster.health;

import java.time.Duration;

/**
 * When an edge is taken out of routing.
 *
 * @param maxFails    passive: this many failed requests within {@code failTimeout} take the edge out
 *                    for {@code failTimeout} (nginx {@code max_fails}; 0 turns passive checks off)
 * @param failTimeout passive: the window failures are counted in, and how long the edge stays out
 *                    (nginx {@code fail_timeout})
 * @param fall        active: this many consecutive failed {@code /health} checks take the edge out
 * @param rise        active: this many consecutive passed checks bring it back
 */
public record HealthPolicy(int maxFails, Duration failTimeout, int fall, int rise) {

    /** The seed's {@code max_fails=3 fail_timeout=30s}; two failed checks out, one passed back. */
    public static final HealthPolicy DEFAULT = new HealthPolicy(3, Duration.ofSeconds(30), 2, 1);

    public HealthPolicy {
        if (maxFails < 0) {
            throw new IllegalArgumentException("max-fails must be 0 or more, was " + maxFails);
        }
        if (failTimeout == null || failTimeout.isNegative() || failTimeout.isZero()) {
            throw new IllegalArgumentException("fail-timeout must be positive, was " + failTimeout);
        }
        if (fall < 1 || rise < 1) {
            throw new IllegalArgumentException("fall and rise must be at least 1, were " + fall + " and " + rise);
        }
    }
}
