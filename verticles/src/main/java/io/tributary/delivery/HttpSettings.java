package io.tributary.delivery;

import io.tributary.config.Settings;

/**
 * The node's HTTP server: the {@code http.*} keys.
 *
 * @param instances delivery verticle instances; 0 = one per core
 * @param dash      the DASH side of delivery ({@code dash.*})
 */
public record HttpSettings(String host, int port, int instances, DashSettings dash) {

    public HttpSettings(String host, int port, int instances) {
        this(host, port, instances, DashSettings.DERIVED);
    }

    public static HttpSettings from(Settings s) {
        return new HttpSettings(s.string("http.host"), s.integer("http.port", 0, 65535), s.integer("http.instances", 0, 256),
                DashSettings.from(s));
    }

    /** Ports of 0 mean "any free port" (tests). */
    public HttpSettings withPort(int port) {
        return new HttpSettings(host, port, instances, dash);
    }
}
