package io.tributary.cluster;

import java.time.Duration;
import java.util.List;

/**
 * How this node's Hazelcast member binds and joins.
 *
 * @param enabled    false: a one-member cluster that joins nobody (the embedded default)
 * @param host       the interface to bind and announce (loopback by default)
 * @param port       the first member port tried; the next ones are tried when it is taken
 * @param members    TCP-IP join list ({@code host} or {@code host:port}); only read when enabled
 * @param sessionTtl how long a player-session entry lives after its last write
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members, Duration sessionTtl) {

    public ClusterSettings {
        members = List.copyOf(members);
    }

    /** The embedded default: one member on loopback, no join. */
    public static ClusterSettings embedded() {
        return new ClusterSettings(false, "127.0.0.1", 5701, List.of(), Duration.ofMinutes(2));
    }
}
