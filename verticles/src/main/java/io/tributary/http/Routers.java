package io.tributary.http;

import io.tributary.StatusException;
import io.tributary.tls.NodeTls;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

import java.util.List;

/**
 * The one way an HTTP verticle gets its router: a request it cannot read safely refused with
 * a 400 ({@link RequestHygiene}), CORS on the routes a player on another origin
 * calls, none anywhere else, an unknown path answered 404, and every failure answered by
 * {@link HttpFailures}. Routes added after {@link #create} run after the CORS handlers.
 */
public final class Routers {

    /**
     * What a player on another origin calls: media, the clock its MPDs name, its QoE beacons.
     * Everything else (the
     * operator API, metrics, the pages) is same-origin: the pages the node serves call it from
     * their own origin, and no other origin may read it.
     */
    public static final List<String> PLAYER_PATHS = List.of("/live/*", "/dvr/*", "/vod/*", "/ads/*", "/keys/*", "/api/v1/time", "/api/v1/qoe", "/ws/qoe");

    private Routers() {
    }

    public static Router create(Vertx vertx) {
        Router router = Router.router(vertx);
        router.route().handler(NodeTls.of(vertx).hsts()); // HTTPS responses, errors included, carry HSTS
        router.route().handler(RequestHygiene::check);
        PlayerCors cors = new PlayerCors();
        for (String path : PLAYER_PATHS) {
            router.route(path).handler(cors.handler()).handler(PlayerCors::forEveryone);
        }
        router.route().last().handler(ctx -> ctx.fail(StatusException.notFound("no such resource: " + HttpFailures.path(ctx))));
        // last: a route's own failure handler (the beacons' 413 -> 400) runs first
        router.route().last().failureHandler(HttpFailures::handle);
        return router;
    }
}
