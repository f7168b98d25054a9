package io.tributary.cluster;

import java.time.Duration;
import java.util.List;

/**
 * How this node's Hazelcast member binds and joins.
 *
 * @param enabled               false: a one-member cluster that joins nobody (the embedded default)
 * @param host                  the interface to bind and announce (loopback by default)
 * @param port                  the first member port tried; the next ones are tried when it is taken
 *                              (with {@code kubernetesServiceDns}: the only port, the one every member has)
 * @param members               TCP-IP join list ({@code host} or {@code host:port}); only read when enabled
 * @param sessionTtl            how long a player-session entry lives after its last write
 * @param kubernetesServiceDns  "" for TCP-IP; else a (headless Service) DNS name whose every address is a
 *                              member on {@code port}, joined by Hazelcast's Kubernetes discovery in DNS
 *                              lookup mode. TCP-IP cannot take that name: it reaches only its first address.
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members, Duration sessionTtl,
                              String kubernetesServiceDns) {

    public ClusterSettings {
        members = List.copyOf(members);
        kubernetesServiceDns = kubernetesServiceDns == null ? "" : kubernetesServiceDns.trim();
    }

    /** TCP-IP join. */
    public ClusterSettings(boolean enabled, String host, int port, List<String> members, Duration sessionTtl) {
        this(enabled, host, port, members, sessionTtl, "");
    }

    /** The embedded default: one member on loopback, no join. */
    public static ClusterSettings embedded() {
        return new ClusterSettings(false, "127.0.0.1", 5701, List.of(), Duration.ofMinutes(2));
    }

    /** Joins by Kubernetes DNS lookup rather than TCP-IP. */
    public boolean kubernetesDns() {
        return enabled && !kubernetesServiceDns.isEmpty();
    }
}
