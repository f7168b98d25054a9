package io.tributary.router;

import io.tributary.LiveTargets;
import io.tributary.StatusException;
import io.tributary.cluster.ring.ContentKey;
import io.tributary.delivery.LiveDash;
import io.tributary.edge.EdgeVod;
import io.tributary.session.PlaybackSessions;
import io.tributary.http.Routers;
import io.tributary.playback.ClearKeyLicense;
import io.tributary.playback.PlaybackAccess;
import io.tributary.playback.PlaybackToken;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.tributary.tls.NodeTls;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.tributary.http.ConnectionGate;
import io.tributary.http.ConnectionLimits;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Sends each live request to an edge chosen by the consistent hash of its content key (stream
 * + rendition, session parameters stripped), so one edge caches each rendition, and each VOD
 * request by its asset ({@code vod:{id}}: one edge caches a whole asset and holds its viewers'
 * sessions, as an asset is watched from one multivariant to its last segment): with a 302 to
 * the edge (the viewer's query kept), or by proxying. In proxy mode a connection failure or
 * timeout counts against the edge (passive health) and the request moves to the next edge on
 * the ring once, as nginx's {@code proxy_next_upstream error timeout}.
 */
public final class RouterVerticle extends VerticleBase {

    private static final CharSequence X_EDGE = HttpHeaders.createOptimized("X-Edge");
    /** The edge's answer headers a viewer acts on; a byte range's (206 and 416) among them. */
    private static final CharSequence[] PASSED = {HttpHeaders.CONTENT_TYPE, HttpHeaders.CACHE_CONTROL,
            HttpHeaders.createOptimized("Age"), HttpHeaders.createOptimized("X-Cache"), HttpHeaders.CONTENT_ENCODING,
            HttpHeaders.VARY, HttpHeaders.createOptimized("Content-Range"), HttpHeaders.ACCEPT_RANGES};
    /**
     * What the edge needs of the viewer's request: compression, a byte range (VOD trick-play playlists
     * address keyframes by range), CMCD (sessions, QoE) and region.
     */
    private static final CharSequence[] FORWARDED = {HttpHeaders.ACCEPT_ENCODING, HttpHeaders.createOptimized("Range"),
            HttpHeaders.createOptimized("CMCD-Request"),
            HttpHeaders.createOptimized("CMCD-Object"), HttpHeaders.createOptimized("CMCD-Status"),
            HttpHeaders.createOptimized("CMCD-Session"), HttpHeaders.createOptimized("X-Region")};
    private static final String FORWARDED_HOST = "X-Forwarded-Host";
    private static final String FORWARDED_PROTO = "X-Forwarded-Proto";

    private final EdgeRouting routing;
    private final ConnectionGate gate;
    private final io.tributary.ops.Retiring retiring;
    private HttpServer server;
    private Runnable forgetTls = () -> { };
    private HttpClientAgent client;
    private PlaybackAccess access;

    public RouterVerticle(EdgeRouting routing, ConnectionGate gate) {
        this(routing, gate, io.tributary.ops.Retiring.never(routing.settings().proxyTimeout().toMillis() + 1000));
    }

    /** {@code retiring}: the node's drain (health 503) and how long a stop may finish proxied requests. */
    public RouterVerticle(EdgeRouting routing, ConnectionGate gate, io.tributary.ops.Retiring retiring) {
        this.routing = routing;
        this.gate = gate;
        this.retiring = retiring;
    }

    public static Future<String> deploy(Vertx vertx, EdgeRouting routing, int instances) {
        return vertx.deployVerticle(() -> new RouterVerticle(routing, new ConnectionGate(ConnectionLimits.defaults())), new DeploymentOptions().setInstances(instances));
    }

    @Override
    public Future<?> start() {
        RouterSettings settings = routing.settings();
        NodeTls tls = NodeTls.of(vertx); // edges' URLs are https when the node has a certificate
        client = vertx.createHttpClient(tls.client(new HttpClientOptions()), new PoolOptions().setHttp1MaxSize(256));
        Router router = Routers.create(vertx); // CORS on /live and the clock; /health is for probes
        router.get("/health").handler(this::health);
        access = PlaybackAccess.of(vertx);
        access.mountGuard(router); // a signed stream's token is checked here (the viewer's address too); kept in the 302
        router.get("/live/*").handler(retiring).handler(this::live);
        router.get("/keys/*").handler(retiring).handler(this::keys);
        // a DASH ClearKey license request (a few hundred bytes) to the asset's edge, which checks the token
        router.post("/keys/vod/:asset/:epoch/clearkey")
                .handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(ClearKeyLicense.MAX_REQUEST))
                .handler(retiring).handler(this::license);
        router.get("/vod/*").handler(retiring).handler(this::vod);
        // DASH players of a proxying router are told its own clock (the edge renders the viewer's host)
        router.get(LiveDash.TIME_PATH).handler(LiveDash::time);
        HttpServerOptions options = tls.server(new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setTcpNoDelay(true).setIdleTimeout((int) gate.limits().idleTimeout().toSeconds()));
        server = vertx.createHttpServer(options);
        forgetTls = tls.serving(server::updateSSLOptions, options);
        return server.connectionHandler(gate.connections(vertx)).requestHandler(gate.requests(vertx, router)).listen();
    }

    @Override
    public Future<?> stop() {
        // scaled away or the node stopping: no new connections, proxied requests finish within the grace
        forgetTls.run();
        return server.shutdown(retiring.stopGraceMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).otherwiseEmpty()
                .compose(x -> client.close());
    }

    private void health(RoutingContext ctx) {
        JsonArray edges = new JsonArray();
        for (String e : routing.ring().members()) {
            edges.add(new JsonObject().put("url", e).put("available", routing.health().available(e)).put("inFlight", routing.load(e)));
        }
        // draining: 503, so load balancers and readiness probes stop sending viewers here
        ctx.response().setStatusCode(retiring.draining() ? 503 : 200);
        ctx.json(new JsonObject().put("status", retiring.draining() ? "DRAINING" : "UP").put("role", "router")
                .put("mode", routing.settings().mode().name()).put("edges", edges));
    }

    private void live(RoutingContext ctx) {
        routeTo(ctx, LiveTargets.contentKey(ctx)); // a 400 or 404 for the failure handler
    }

    private void routeTo(RoutingContext ctx, ContentKey key) {
        String edge = routing.pick(key.routingKey());
        if (edge == null) {
            throw new StatusException(503, "no edge is available");
        }
        if (routing.settings().mode() == RouterSettings.Mode.REDIRECT) {
            ctx.response().setStatusCode(302)
                    .putHeader(HttpHeaders.LOCATION, edge + ctx.request().uri())
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .end();
            return;
        }
        proxy(ctx, key, edge, true);
    }

    /** A published asset's object: to the edge its asset hashes to, with live's fallbacks. */
    private void vod(RoutingContext ctx) {
        EdgeVod.Target t = EdgeVod.parse(ctx.normalizedPath()); // a 404 for the failure handler
        routeTo(ctx, new ContentKey(PlaybackSessions.vodKey(t.asset()), null, t.name(), ""));
    }

    /**
     * An encrypted stream's key to the edge that serves the rendition, an encrypted asset's
     * ({@code /keys/vod/{id}/{epoch}/{n}.key}) to the edge its asset hashes to; that edge checks the token and answers.
     */
    private void keys(RoutingContext ctx) {
        String[] p = ctx.request().path().split("/", -1); // "", keys, stream, rendition, file | "", keys, vod, id, epoch, file
        ContentKey key;
        if (p.length == 6 && p[2].equals("vod") && io.tributary.config.StreamKeys.valid(p[3]) && p[4].matches("[0-9]{1,19}")
                && p[5].matches("[0-9]{1,12}\\.key")) {
            key = new ContentKey(PlaybackSessions.vodKey(p[3]), null, p[5], "");
            checkProxied(ctx, PlaybackToken.Kind.ASSET, p[3], "asset's key");
        } else if (p.length == 5 && io.tributary.config.StreamKeys.valid(p[2]) && io.tributary.config.StreamKeys.valid(p[3])
                && p[4].matches("[0-9]{1,15}-[0-9]{1,12}\\.key")) {
            key = new ContentKey(p[2], p[3], p[4], "");
            checkProxied(ctx, PlaybackToken.Kind.STREAM, p[2], "stream's key");
        } else {
            throw StatusException.notFound("no such key");
        }
        sendKeyRequest(ctx, key, 302);
    }

    /** A ClearKey license request for an encrypted asset: to its edge (redirected with 307, which keeps the POST). */
    private void license(RoutingContext ctx) {
        String asset = ctx.pathParam("asset");
        if (!io.tributary.config.StreamKeys.valid(asset) || !ctx.pathParam("epoch").matches("[0-9]{1,19}")) {
            throw StatusException.notFound("no such license");
        }
        checkProxied(ctx, PlaybackToken.Kind.ASSET, asset, "asset's license");
        sendKeyRequest(ctx, new ContentKey(PlaybackSessions.vodKey(asset), null, "clearkey", ""), 307);
    }

    /**
     * A proxied key request reaches the edge with this node's pass, which the edge takes as the viewer
     * checked: so the viewer's token is checked here first, as the edge would (no-store, 403 naming why).
     * Redirected viewers are checked by the edge itself.
     */
    private void checkProxied(RoutingContext ctx, PlaybackToken.Kind kind, String name, String what) {
        if (routing.settings().mode() == RouterSettings.Mode.PROXY && access.tokens() != null) { // no secret: no pass either
            access.requireKeyToken(ctx, kind, name, what);
        }
    }

    private void sendKeyRequest(RoutingContext ctx, ContentKey key, int redirectStatus) {
        String edge = routing.pick(key.routingKey());
        if (edge == null) {
            throw new StatusException(503, "no edge is available");
        }
        if (routing.settings().mode() == RouterSettings.Mode.REDIRECT) {
            ctx.response().setStatusCode(redirectStatus).putHeader(HttpHeaders.LOCATION, edge + ctx.request().uri())
                    .putHeader(HttpHeaders.CACHE_CONTROL, "private, no-store").end();
            return;
        }
        proxy(ctx, key, edge, true);
    }

    private void proxy(RoutingContext ctx, ContentKey key, String edge, boolean mayRetry) {
        HttpServerResponse res = ctx.response();
        long timeout = routing.settings().proxyTimeout().toMillis();
        routing.begin(edge);
        // a GET, or a license POST with the body the route read (bounded)
        boolean post = ctx.request().method() == HttpMethod.POST;
        client.request(forwarded(ctx.request(), new RequestOptions().setMethod(post ? HttpMethod.POST : HttpMethod.GET)
                        .setAbsoluteURI(edge + ctx.request().uri())
                        .setConnectTimeout(routing.settings().checkTimeout().toMillis()).setIdleTimeout(timeout)))
                .compose(req -> post ? req.send(ctx.body().buffer() == null ? io.vertx.core.buffer.Buffer.buffer() : ctx.body().buffer())
                        : req.send())
                .onComplete(ar -> {
                    if (ar.failed()) {
                        routing.end(edge);
                        routing.health().failed(edge);
                        String next = mayRetry ? nextEdge(key, edge) : null;
                        if (next != null) {
                            proxy(ctx, key, next, false);
                        } else {
                            ctx.fail(new StatusException(502, "edge " + edge + " failed: " + ar.cause().getMessage()));
                        }
                        return;
                    }
                    routing.health().succeeded(edge);
                    pipe(ar.result(), res, edge).onComplete(done -> routing.end(edge));
                });
    }

    /**
     * The viewer's headers the edge acts on, and where the viewer came in (nginx's
     * {@code proxy_set_header X-Forwarded-Host $host}): absolute URLs the edge renders, such as
     * an MPD's clock, then name this router, which the viewer can reach, not the edge.
     */
    private RequestOptions forwarded(HttpServerRequest viewer, RequestOptions to) {
        for (CharSequence h : FORWARDED) {
            String v = viewer.getHeader(h);
            if (v != null) {
                to.putHeader(h, v);
            }
        }
        String pass = access.pass();
        if (pass != null) {
            to.putHeader(PlaybackAccess.PASS_HEADER, pass); // the viewer's token was checked here, address and all
        }
        String base = LiveDash.origin(viewer); // honours a front proxy's X-Forwarded-* already
        int at = base.indexOf("://");
        to.putHeader(FORWARDED_PROTO, base.substring(0, at)).putHeader(FORWARDED_HOST, base.substring(at + 3));
        return to;
    }

    private String nextEdge(ContentKey key, String failed) {
        List<String> c = routing.candidates(key.routingKey(), 2);
        for (String e : c) {
            if (!e.equals(failed)) {
                return e;
            }
        }
        return null;
    }

    private static Future<Void> pipe(HttpClientResponse from, HttpServerResponse to, String edge) {
        if (to.closed()) {
            return from.request().reset();
        }
        to.setStatusCode(from.statusCode()).putHeader(X_EDGE, edge); // CORS headers: set by the router's CORS handler
        for (CharSequence h : PASSED) {
            String v = from.getHeader(h);
            if (v != null) {
                to.putHeader(h, v);
            }
        }
        String length = from.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            to.putHeader(HttpHeaders.CONTENT_LENGTH, length);
        }
        return from.pipeTo(to);
    }

    public int actualPort() {
        return server.actualPort();
    }
}
