package io.tributary.delivery;

import io.tributary.FirstInstance;
import io.tributary.http.ConnectionGate;
import io.tributary.dvr.DvrLiveWindow;
import io.tributary.hotness.ContentHotness;
import io.tributary.live.LiveStreams;
import io.tributary.metrics.NodeMetrics;
import io.tributary.ops.NodeRoutes;
import io.tributary.ops.VerticleScaler;
import io.tributary.session.PlaybackSessions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The node's HTTP server on {@code http.port}: an origin's {@code /live}, and on every node the
 * pages, beacons, {@code /metrics}, {@code /health} and the operator API ({@code nodeRoutes}),
 * as the verticle set {@code delivery}.
 */
public final class DeliveryModule {

    private DeliveryModule() {
    }

    /** Deploys {@code instances} delivery verticles; gives the port they serve on. */
    public static Future<Integer> deploy(HttpSettings config, LiveStreams streams, NodeMetrics metrics,
                                         PlaybackSessions sessions, ContentHotness hotness, NodeRoutes nodeRoutes,
                                         VerticleScaler scaler, int instances) {
        return deploy(config, streams, metrics, sessions, hotness, nodeRoutes, scaler, instances, DvrLiveWindow.NONE,
                RoutingContext::next);
    }

    /**
     * As above, live playlists listing the recorded past of {@code dvr} before their live window, and
     * {@code apiLimits} (the rate limits) run first on every {@code /api/*} request.
     */
    public static Future<Integer> deploy(HttpSettings config, LiveStreams streams, NodeMetrics metrics,
                                         PlaybackSessions sessions, ContentHotness hotness, NodeRoutes nodeRoutes,
                                         VerticleScaler scaler, int instances, DvrLiveWindow dvr,
                                         Handler<RoutingContext> apiLimits) {
        ConnectionGate gate = new ConnectionGate(config.limits()); // one for the whole set: limits are per listener
        gate.register(metrics.registry(), "origin");
        FirstInstance<HttpDeliveryVerticle> verticles = new FirstInstance<>(
                () -> new HttpDeliveryVerticle(config, streams, metrics, sessions, hotness, nodeRoutes, gate).withDvr(dvr).withApiLimits(apiLimits));
        return scaler.deploy("delivery", verticles, instances).map(id -> verticles.first().actualPort());
    }
}
