package io.tributary.delivery;

import io.tributary.config.Settings;
import io.tributary.http.ConnectionLimits;
import io.tributary.http.TrustedProxies;

/**
 * The node's HTTP server: the {@code http.*} keys.
 *
 * @param instances delivery verticle instances; 0 = one per core
 * @param limits    connection limits of every HTTP listener of the node (origin, edge, router)
 * @param h2c       HTTP/2 over cleartext (prior knowledge or upgrade) on the origin. Off by default:
 *                  browsers speak HTTP/2 only over TLS, and while a server waits to see which protocol
 *                  a new connection speaks, that connection is neither counted nor timed out until
 *                  its first bytes (only the idle timeout closes a silent one)
 * @param dash      the DASH side of delivery ({@code dash.*})
 * @param trustedProxies whose {@code X-Forwarded-For} names the client ({@code http.trusted-proxies})
 */
public record HttpSettings(String host, int port, int instances, ConnectionLimits limits, boolean h2c, DashSettings dash,
                           TrustedProxies trustedProxies) {

    public HttpSettings(String host, int port, int instances, ConnectionLimits limits, boolean h2c, DashSettings dash) {
        this(host, port, instances, limits, h2c, dash, TrustedProxies.NONE);
    }

    public static HttpSettings from(Settings s) {
        return new HttpSettings(s.string("http.host"), s.integer("http.port", 0, 65535), s.integer("http.instances", 0, 256),
                ConnectionLimits.from(s), s.bool("http.h2c"), DashSettings.from(s), TrustedProxies.parse(s.list("http.trusted-proxies")));
    }

    /** The same settings with {@code limits} (the node's, which know the cluster's peers). */
    public HttpSettings withLimits(ConnectionLimits limits) {
        return new HttpSettings(host, port, instances, limits, h2c, dash, trustedProxies);
    }

    /** Ports of 0 mean "any free port" (tests). */
    public HttpSettings withPort(int port) {
        return new HttpSettings(host, port, instances, limits, h2c, dash, trustedProxies);
    }
}
