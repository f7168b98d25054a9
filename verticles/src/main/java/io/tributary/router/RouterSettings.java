package io.tributary.router;

import io.tributary.cluster.health.HealthPolicy;
import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.time.Duration;

/**
 * How a router sends viewers to edges: the {@code router.*} keys.
 *
 * @param host          interface the router binds
 * @param port          its port
 * @param mode          answer with a 302 to the edge (Traffic Router style) or proxy the request (nginx style)
 * @param checkInterval how often each edge's {@code /health} is checked
 * @param checkTimeout  how long a check may take before it counts as failed
 * @param health        passive and active health thresholds
 * @param boundedLoad   proxy mode: an edge with more than this factor times the average in-flight requests is
 *                      passed over for the next one on the ring (consistent hashing with bounded loads);
 *                      0 turns it off
 * @param proxyTimeout  proxy mode: no byte from the edge for this long fails the request (above the edge's hold timeout)
 */
public record RouterSettings(String host, int port, Mode mode, Duration checkInterval, Duration checkTimeout,
                             HealthPolicy health, double boundedLoad, Duration proxyTimeout) {

    public enum Mode { REDIRECT, PROXY }

    /** The values of conf/default.yaml but host, port and mode, for tests that build a router without a node. */
    public static RouterSettings defaults(String host, int port, Mode mode) {
        return new RouterSettings(host, port, mode, Duration.ofSeconds(2), Duration.ofSeconds(1), HealthPolicy.DEFAULT,
                0, Duration.ofSeconds(30));
    }

    /** Reads every {@code router.*} key; a bad value fails naming its key. */
    public static RouterSettings from(Settings s) {
        double bounded = s.decimal("router.bounded-load", 0, 1000);
        if (bounded != 0 && bounded < 1) {
            throw ConfigException.invalid("router.bounded-load", "0 (off) or a factor of at least 1", bounded);
        }
        HealthPolicy health = new HealthPolicy(s.integer("router.max-fails", 0, 1000),
                s.duration("router.fail-timeout", Duration.ofMillis(100), Duration.ofHours(1)),
                s.integer("router.fall", 1, 1000), s.integer("router.rise", 1, 1000));
        return new RouterSettings(s.string("router.host"), s.integer("router.port", 0, 65535),
                s.choice("router.mode", Mode.class),
                s.duration("router.check-interval", Duration.ofMillis(50), Duration.ofMinutes(10)),
                s.duration("router.check-timeout", Duration.ofMillis(10), Duration.ofMinutes(10)),
                health, bounded, s.duration("router.proxy-timeout", Duration.ofMillis(100), Duration.ofHours(1)));
    }

    public RouterSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("router port must be 0 to 65535, was " + port);
        }
        if (mode == null || health == null) {
            throw new IllegalArgumentException("router mode and health policy are required");
        }
        if (boundedLoad != 0 && boundedLoad < 1) {
            throw new IllegalArgumentException("router bounded-load must be 0 (off) or at least 1, was " + boundedLoad);
        }
        for (Duration d : new Duration[]{checkInterval, checkTimeout, proxyTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("router intervals and timeouts must be positive, got " + d);
            }
        }
    }

    public RouterSettings with(HealthPolicy policy, Duration interval, double bounded) {
        return new RouterSettings(host, port, mode, interval, checkTimeout, policy, bounded, proxyTimeout);
    }
}
