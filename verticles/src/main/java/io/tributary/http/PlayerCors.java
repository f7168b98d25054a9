package io.tributary.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.Set;

/**
 * CORS for player-facing routes: any origin, no credentials (nothing a player fetches is
 * private to a cookie), the request headers players send and the response headers they read.
 */
final class PlayerCors {

    /**
     * Sent by players: CMCD as headers (hls.js and dash.js with {@code useHeaders}), Range for
     * byte ranges, Content-Type for JSON beacons; X-Region where a player names its region itself.
     * Lower case, as browsers list them in Access-Control-Request-Headers.
     */
    static final Set<String> REQUEST_HEADERS = Set.of("cmcd-request", "cmcd-object", "cmcd-status", "cmcd-session",
            "range", "content-type", "x-region");
    /**
     * Read by players beyond the CORS-safelisted ones (Content-Length, Content-Type, Cache-Control
     * are readable already): Age, which hls.js takes off a cached playlist's live edge;
     * Content-Range for ranged reads; X-Cache and X-Edge for whoever debugs a player.
     */
    static final Set<String> EXPOSED_HEADERS = Set.of("Age", "Content-Range", "X-Cache", "X-Edge");
    static final int PREFLIGHT_MAX_AGE_SECONDS = 86_400;

    private final CorsHandler handler = CorsHandler.create()
            .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST))
            .allowedHeaders(REQUEST_HEADERS)
            .exposedHeaders(EXPOSED_HEADERS)
            .maxAgeSeconds(PREFLIGHT_MAX_AGE_SECONDS);

    CorsHandler handler() {
        return handler;
    }

    /**
     * A player response is public: it says {@code *} also to a request without Origin, so that a
     * shared cache (a CDN in front of the node) cannot keep a copy without it and hand that to a
     * browser. The CORS handler has answered a request with Origin already.
     */
    static void forEveryone(RoutingContext ctx) {
        if (!ctx.response().headers().contains(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)) {
            ctx.response().putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
        ctx.next();
    }
}
