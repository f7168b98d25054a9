package io.tributary.transport;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

import java.util.logging.Logger;

/** Which transport drives this node's sockets, as the start-up log, {@code /api/v1/version} and the metrics say it. */
public final class NetTransport {

    private static final Logger LOG = Logger.getLogger(NetTransport.class.getName());

    private NetTransport() {
    }

    /** "epoll", "io_uring", "kqueue" or "nio". */
    public static String name(Vertx vertx) {
        if (!vertx.isNativeTransportEnabled()) {
            return "nio";
        }
        String impl = ((VertxInternal) vertx).transport().getClass().getSimpleName();
        return switch (impl) {
            case "EpollTransport" -> "epoll";
            case "IoUringTransport" -> "io_uring";
            case "KQueueTransport" -> "kqueue";
            default -> impl;
        };
    }

    /**
     * Logs the transport in use (and why the native one is not, when it was preferred) and exposes it
     * as {@code tributary_net_transport{transport}} = 1.
     */
    public static void report(Vertx vertx, NetSettings settings, MeterRegistry registry) {
        String name = name(vertx);
        Throwable why = vertx.unavailableNativeTransportCause();
        if (settings.nativeTransport() && !vertx.isNativeTransportEnabled()) {
            LOG.warning("net.native-transport is true but the native transport cannot load here (" + (why == null ? "unknown cause"
                    : why.getClass().getSimpleName() + ": " + why.getMessage()) + "): sockets run on Java NIO");
        } else {
            LOG.info("network transport: " + name + (settings.nativeTransport() ? "" : " (net.native-transport: false)"));
        }
        Gauge.builder("tributary_net_transport", () -> 1)
                .description("the transport driving this node's sockets (epoll or nio); always 1")
                .tag("transport", name).register(registry);
    }
}
