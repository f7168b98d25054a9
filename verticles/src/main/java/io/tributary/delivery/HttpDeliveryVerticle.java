package io.tributary.delivery;

import io.tributary.StatusException;
import io.tributary.dvr.DvrLiveWindow;
import io.tributary.hotness.ContentHotness;
import io.tributary.live.LiveStreams;
import io.tributary.live.TimelineEvents;
import io.tributary.metrics.NodeMetrics;
import io.tributary.playback.PlaybackAccess;
import io.tributary.playback.StreamEncryption;
import io.tributary.session.PlaybackSessions;
import io.tributary.tls.NodeTls;
import io.tributary.http.ConnectionGate;
import io.tributary.http.Routers;
import io.tributary.http.SameOrigin;
import io.tributary.ops.NodeRoutes;
import io.tributary.ops.OpsFeed;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * HTTP delivery: LL-HLS and MPEG-DASH for live streams, the streams API, health, metrics and the
 * player pages. One instance per event loop, all sharing the port; nothing here
 * touches the filesystem, so no path can escape the media.
 */
public final class HttpDeliveryVerticle extends VerticleBase {

    /** The player bundles the page ships, vendored from npm at build time (src/main/player/vendor.sh). */
    static final String HLS_JS = "webroot/vendor/hls.min.js";
    static final String DASH_JS = "webroot/vendor/dash.all.min.js";
    static final String PLAYERS = "webroot/vendor/players.json";

    private final HttpSettings config;
    private final ConnectionGate gate;
    /** Being scaled away: still serving, but every HTTP/1 answer closes its connection. */
    private volatile boolean retiring;
    private final LiveStreams streams;
    private final NodeMetrics metrics;
    private final PlaybackSessions sessions;
    /** Null when hotness is off (segments stay immutable). */
    private final ContentHotness hotness;
    /** Node-level routes (operator API, hotness) mounted by every instance. */
    private final NodeRoutes nodeRoutes;
    private HttpServer server;
    private Runnable forgetTls = () -> { };
    private HeldRequests held;
    private OpsFeed ops;
    private io.tributary.metrics.LoopDelay loopDelay;

    public HttpDeliveryVerticle(HttpSettings config, LiveStreams streams, NodeMetrics metrics,
                                PlaybackSessions sessions) {
        this(config, streams, metrics, sessions, null, NodeRoutes.NONE, new ConnectionGate(config.limits()));
    }

    public HttpDeliveryVerticle(HttpSettings config, LiveStreams streams, NodeMetrics metrics,
                                PlaybackSessions sessions, ContentHotness hotness, NodeRoutes nodeRoutes,
                                ConnectionGate gate) {
        this.gate = gate;
        this.config = config;
        this.streams = streams;
        this.metrics = metrics;
        this.sessions = sessions;
        this.hotness = hotness;
        this.nodeRoutes = nodeRoutes;
    }

    private TimelineEvents.Subscription timeline;
    /** The recorded past live playlists may list ({@code ?dvr=}); NONE without a DVR. */
    private DvrLiveWindow dvr = DvrLiveWindow.NONE;

    /** Live playlists list the recorded past before their live window ({@code ?dvr=2h}, dvr.window). */
    public HttpDeliveryVerticle withDvr(DvrLiveWindow dvr) {
        this.dvr = dvr;
        return this;
    }

    /** Runs first on every {@code /api/*} request: the node's rate limits (none by default). */
    private Handler<RoutingContext> apiLimits = RoutingContext::next;

    public HttpDeliveryVerticle withApiLimits(Handler<RoutingContext> apiLimits) {
        this.apiLimits = apiLimits;
        return this;
    }

    @Override
    public Future<?> start() {
        held = new HeldRequests(vertx, streams, metrics.heldRequests(), metrics.heldRelease());
        StreamEncryption encryption = StreamEncryption.of(vertx);
        LiveHls hls = new LiveHls(streams, held, metrics, hotness, dvr).withEncryption(encryption)
                .withSsai(io.tributary.ssai.SessionPlaylists.of(vertx));
        LiveDash dash = new LiveDash(streams, held, config.dash()).withSsai(io.tributary.ssai.SessionPlaylists.of(vertx));
        // held LL-HLS requests are released by the streams' timeline events, on this verticle's event loop
        timeline = streams.events().subscribe("delivery", context, hls::changed);
        loopDelay = io.tributary.metrics.LoopDelay.probe(vertx, metrics.loopDelay());

        Buffer index = resource("webroot/index.html");
        Buffer play = resource("webroot/play.html");
        Buffer hlsJs = resource(HLS_JS);
        Buffer dashJs = resource(DASH_JS);
        JsonObject version = new JsonObject()
                .put("tributary", String.valueOf(java.util.Objects.requireNonNullElse(
                        HttpDeliveryVerticle.class.getPackage().getImplementationVersion(), "dev")))
                .put("players", new JsonObject(resource(PLAYERS)))
                .put("transport", io.tributary.transport.NetTransport.name(vertx));
        Buffer opsPage = resource("webroot/ops.html");
        ops = new OpsFeed(vertx, 1000, () -> StreamsApi.list(streams), sessions::summary);

        // CORS on the player routes only; operator routes, metrics and the pages are same-origin
        Router router = Routers.create(vertx);
        // signed playback first: before the DVR and VOD routes (node routes) and the session hook
        PlaybackAccess.of(vertx).mountGuard(router);
        if (encryption != null) {
            encryption.mount(router); // /keys/...: a token (or a node's pass) before a key
            new io.tributary.playback.ClearKeyLicense(PlaybackAccess.of(vertx)).mount(router); // DASH ClearKey of encrypted VOD
        }
        nodeRoutes.guard(router); // before any /api route: credentials, the JSON rule, the role table
        // after authentication (the user's or API key's bucket), before every API route and its body handler
        router.route("/api/*").handler(apiLimits);
        // starting or draining: 503 so routers and readiness probes send viewers and publishers elsewhere
        router.get("/health").handler(ctx -> ctx.response().setStatusCode(streams.draining() || streams.starting() ? 503 : 200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(new JsonObject()
                .put("status", streams.draining() ? "DRAINING" : streams.starting() ? "STARTING" : "UP")
                .put("streams", streams.all().size()).put("publishers", streams.publishing()).toBuffer()));
        // liveness: the node answers, drained or not (a drained node must not be restarted for it)
        router.get("/health/live").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("status", streams.draining() ? "DRAINING" : "UP").toBuffer()));
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()));
        router.get("/api/v1/streams").handler(ctx -> ctx.json(StreamsApi.list(streams)));
        router.get("/api/v1/streams/:key").handler(ctx -> {
            var s = streams.get(ctx.pathParam("key"));
            if (s == null) {
                throw StatusException.notFound("stream '" + ctx.pathParam("key") + "' is not live on this node");
            }
            ctx.json(StreamsApi.describe(s, metrics));
        });
        router.post("/api/v1/streams/:key/cues").handler(BodyHandler.create().setBodyLimit(4096))
                .handler(ctx -> StreamsApi.cue(streams, ctx));
        nodeRoutes.mount(router);
        router.get(LiveDash.TIME_PATH).handler(LiveDash::time);
        router.route("/ws/*").handler(gate::webSockets); // before /ws/qoe and /ws/ops: a cap per address
        // before the /live routes: the session hook sees every player request first
        sessions.mount(router);
        router.get("/live/:key/index.m3u8").handler(hls::multivariant);
        router.get("/live/:key/manifest.mpd").handler(dash::manifest);
        router.get("/live/:key/:rendition/:object").handler(hls::object);
        router.get("/").handler(ctx -> page(ctx, index));
        router.get("/play/:key").handler(ctx -> page(ctx, play));
        router.get("/ops").handler(ctx -> page(ctx, opsPage));
        router.get("/ws/ops").handler(SameOrigin::require).handler(ops::accept); // no CORS for WebSockets: refuse other pages
        router.get("/assets/hls.min.js").handler(ctx -> script(ctx, hlsJs));
        router.get("/assets/dash.all.min.js").handler(ctx -> script(ctx, dashJs));
        // which node and which player releases this node's pages ship
        router.get("/api/v1/version").handler(ctx -> ctx.json(version));

        NodeTls tls = NodeTls.of(vertx); // HTTPS with the node's certificate when tls.cert is set
        HttpServerOptions options = tls.server(new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setTcpNoDelay(true)
                .setHttp2ClearTextEnabled(config.h2c())
                .setIdleTimeout((int) config.limits().idleTimeout().toSeconds()));
        server = vertx.createHttpServer(options);
        forgetTls = tls.serving(server::updateSSLOptions, options);
        return server.connectionHandler(gate.connections(vertx)).requestHandler(gate.requests(vertx, req -> {
            if (retiring && req.version() != HttpVersion.HTTP_2) {
                req.response().putHeader(HttpHeaders.CONNECTION, "close"); // reconnect: to an instance that stays
            }
            router.handle(req);
        })).listen();
    }

    @Override
    public Future<?> stop() {
        // scaled away or node closing: take no new connections, finish what is in flight (held
        // LL-HLS requests are answered by their part or their timeout, below this bound)
        retiring = true;
        forgetTls.run();
        long drain = nodeRoutes.drainMillis();
        Future<Void> drained = drain > 0 ? vertx.timer(drain).mapEmpty() : Future.succeededFuture();
        return drained.compose(d -> server.shutdown(nodeRoutes.stopGraceMillis(), TimeUnit.MILLISECONDS)).otherwiseEmpty().andThen(x -> {
            held.close();
            loopDelay.stop();
            timeline.close();
            ops.close();
        });
    }

    public int actualPort() {
        return server.actualPort();
    }

    private static void script(RoutingContext ctx, Buffer js) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/javascript; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=86400")
                .end(js);
    }

    private static void page(RoutingContext ctx, Buffer html) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .end(html);
    }

    private static Buffer resource(String path) {
        try (InputStream in = HttpDeliveryVerticle.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the classpath");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
