package io.tributary.grpc;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

/**
 * The gRPC control plane's listener ({@code grpc.*}): on loopback by default, as the admin listener
 * (every call needs a token all the same); cleartext HTTP/2, or over TLS when {@code tls.cert} is set.
 *
 * @param enabled false: no gRPC listener
 * @param host    the address it binds (127.0.0.1: the node's host only)
 * @param port    its port; 0: any free one (tests read it back from the node)
 */
public record GrpcSettings(boolean enabled, String host, int port) {

    /** What {@code ctl} dials when given no {@code --server}. */
    public static final String DEFAULT_SERVER = "127.0.0.1:50051";

    public static GrpcSettings from(Settings s) {
        String host = s.string("grpc.host");
        if (host.isEmpty()) {
            throw ConfigException.invalid("grpc.host", "an address to bind, e.g. 127.0.0.1", host);
        }
        return new GrpcSettings(s.bool("grpc.enabled"), host, s.integer("grpc.port", 0, 65535));
    }
}
