package io.tributary.router;

import io.tributary.FirstInstance;
import io.tributary.http.ConnectionGate;
import io.tributary.http.ConnectionLimits;
import io.tributary.cluster.directory.NodeDirectory;
import io.tributary.ops.VerticleScaler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The router role: sends {@code /live} and {@code /vod} requests to an edge on a ring of the cluster's edges
 * (followed in the node directory, checked actively and passively), as the verticle set
 * {@code router} on its own port.
 */
public final class RouterModule {

    private final VerticleScaler scaler;
    private final EdgeRouting routing;
    private final int port;
    private final io.tributary.ops.Retiring retiring;

    private RouterModule(VerticleScaler scaler, EdgeRouting routing, int port, io.tributary.ops.Retiring retiring) {
        this.scaler = scaler;
        this.routing = routing;
        this.port = port;
        this.retiring = retiring;
    }

    public static Future<RouterModule> start(Vertx vertx, RouterSettings settings, NodeDirectory directory,
                                             VerticleScaler scaler, int instances, ConnectionLimits limits,
                                             io.micrometer.core.instrument.MeterRegistry meters) {
        return start(vertx, settings, directory, scaler, instances, limits, meters,
                io.tributary.ops.Retiring.never(settings.proxyTimeout().toMillis() + 1000));
    }

    /** As above, taking part in the node's drain and graceful stop through {@code retiring}. */
    public static Future<RouterModule> start(Vertx vertx, RouterSettings settings, NodeDirectory directory,
                                             VerticleScaler scaler, int instances, ConnectionLimits limits,
                                             io.micrometer.core.instrument.MeterRegistry meters, io.tributary.ops.Retiring retiring) {
        EdgeRouting routing = new EdgeRouting(vertx, settings, directory::edges).start();
        directory.onChange(routing::membersChanged);
        ConnectionGate gate = new ConnectionGate(limits).register(meters, "router");
        FirstInstance<RouterVerticle> verticles = new FirstInstance<>(() -> new RouterVerticle(routing, gate, retiring));
        return scaler.deploy("router", verticles, instances)
                .map(id -> new RouterModule(scaler, routing, verticles.first().actualPort(), retiring))
                .recover(e -> routing.close().transform(x -> Future.failedFuture(e)));
    }

    /** The port the router answers {@code /live} on. */
    public int port() {
        return port;
    }

    /** The ring, its health and the pick: what tests and the operator look at. */
    public EdgeRouting routing() {
        return routing;
    }

    /** Viewer requests the router's verticles are answering now. */
    public int inFlight() {
        return retiring.inFlight();
    }

    public Future<Void> close() {
        return scaler.undeploy("router").otherwiseEmpty().compose(x -> routing.close()).otherwiseEmpty().mapEmpty();
    }
}
