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
 * @param name                  the deployment's cluster name
 * @param secret                the deployment's join secret: a member joins only a cluster of the same name and
 *                              secret (the Hazelcast cluster name is derived from both, see {@link ClusterMember})
 * @param eventBusPort          the clustered event bus's TCP port on {@code host}; 0: any free port
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members, Duration sessionTtl,
                              String kubernetesServiceDns, String name, String secret, int eventBusPort) {

    public static final String DEFAULT_NAME = "tributary";

    public ClusterSettings {
        members = List.copyOf(members);
        kubernetesServiceDns = kubernetesServiceDns == null ? "" : kubernetesServiceDns.trim();
        name = name == null || name.isBlank() ? DEFAULT_NAME : name.trim();
        secret = secret == null ? "" : secret;
    }

    /** Kubernetes DNS join or TCP-IP, the default name and no secret (tests of the join itself). */
    public ClusterSettings(boolean enabled, String host, int port, List<String> members, Duration sessionTtl,
                           String kubernetesServiceDns) {
        this(enabled, host, port, members, sessionTtl, kubernetesServiceDns, DEFAULT_NAME, "", 0);
    }

    /** TCP-IP join. */
    public ClusterSettings(boolean enabled, String host, int port, List<String> members, Duration sessionTtl) {
        this(enabled, host, port, members, sessionTtl, "");
    }

    /** The embedded default: one member on loopback, no join. */
    public static ClusterSettings embedded() {
        return new ClusterSettings(false, "127.0.0.1", 5701, List.of(), Duration.ofMinutes(2));
    }

    /** The same member settings in the deployment {@code name} with join secret {@code secret}. */
    public ClusterSettings withSecret(String name, String secret) {
        return new ClusterSettings(enabled, host, port, members, sessionTtl, kubernetesServiceDns, name, secret, eventBusPort);
    }

    /** The same settings with the event bus on {@code eventBusPort} (0: any free port). */
    public ClusterSettings withEventBusPort(int eventBusPort) {
        return new ClusterSettings(enabled, host, port, members, sessionTtl, kubernetesServiceDns, name, secret, eventBusPort);
    }

    /** Joins by Kubernetes DNS lookup rather than TCP-IP. */
    public boolean kubernetesDns() {
        return enabled && !kubernetesServiceDns.isEmpty();
    }
}
