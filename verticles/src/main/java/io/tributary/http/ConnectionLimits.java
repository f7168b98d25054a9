package io.tributary.http;

import io.tributary.config.Settings;

import java.time.Duration;

/**
 * What a stranger may hold open on an HTTP listener (origin, edge, router alike): the
 * {@code http.*} connection keys.
 *
 * @param maxConnections          open connections of one listener; the newest past it is closed at once
 * @param maxPerAddress           open connections from one client address
 * @param idleTimeout             a connection with no bytes either way for this long is closed
 * @param headerTimeout           a request's head must be complete this long after the connection
 *                                opened or the previous response ended (slowloris)
 * @param maxWebSocketsPerAddress WebSockets ({@code /ws/*}) open from one address
 * @param maxRequestRate          requests per second from one address (a token bucket holding two seconds'
 *                                worth); 0: no limit. Cluster members ({@code peers}) are not limited
 * @param peers                   addresses the request rate does not apply to
 */
public record ConnectionLimits(int maxConnections, int maxPerAddress, Duration idleTimeout, Duration headerTimeout,
                               int maxWebSocketsPerAddress, int maxRequestRate, PeerAddresses peers) {

    public ConnectionLimits(int maxConnections, int maxPerAddress, Duration idleTimeout, Duration headerTimeout,
                            int maxWebSocketsPerAddress) {
        this(maxConnections, maxPerAddress, idleTimeout, headerTimeout, maxWebSocketsPerAddress, 0, PeerAddresses.NONE);
    }

    public static ConnectionLimits from(Settings s) {
        return new ConnectionLimits(s.integer("http.max-connections", 1, 1_000_000),
                s.integer("http.max-connections-per-address", 1, 1_000_000),
                s.duration("http.idle-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                s.duration("http.header-timeout", Duration.ofMillis(100), Duration.ofMinutes(5)),
                s.integer("http.max-websockets-per-address", 1, 100_000),
                s.integer("http.max-request-rate-per-address", 0, 10_000_000), PeerAddresses.NONE);
    }

    /** The same limits, not applying the request rate to the cluster's members. */
    public ConnectionLimits withPeers(PeerAddresses peers) {
        return new ConnectionLimits(maxConnections, maxPerAddress, idleTimeout, headerTimeout, maxWebSocketsPerAddress,
                maxRequestRate, peers);
    }

    /**
     * The values of conf/default.yaml, for listeners built without a node (tests), but no request rate:
     * without a cluster there are no peers to tell from clients.
     */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(10_000, 500, Duration.ofSeconds(60), Duration.ofSeconds(10), 50);
    }
}
