package io.tributary.ops;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

/**
 * The admin listener ({@code admin.*}): when {@code port} is set, the operator API and
 * {@code /metrics} are served there (loopback by default, as SRS and MediaMTX keep theirs) and
 * no longer on {@code http.port}. Its API routes need the same tokens and roles.
 *
 * @param host the address it binds (127.0.0.1: reachable from the node's host only)
 * @param port 0: no admin listener (everything on {@code http.port})
 */
public record AdminSettings(String host, int port) {

    public boolean enabled() {
        return port > 0;
    }

    public static AdminSettings from(Settings s) {
        String host = s.string("admin.host");
        if (host.isEmpty()) {
            throw ConfigException.invalid("admin.host", "an address to bind, e.g. 127.0.0.1", host);
        }
        return new AdminSettings(host, s.integer("admin.port", 0, 65535));
    }

    public AdminSettings withPort(int p) {
        return new AdminSettings(host, p);
    }
}
