package io.tributary.edge;

import io.tributary.LiveTargets;
import io.tributary.StatusException;
import io.tributary.cluster.ring.ContentKey;
import io.tributary.delivery.LiveDash;
import io.tributary.hotness.ContentHotness;
import io.tributary.http.Routers;
import io.tributary.playback.PlaybackAccess;
import io.tributary.session.PlaybackSessions;
import io.tributary.session.SessionUris;
import io.tributary.tls.NodeTls;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.tributary.http.ConnectionGate;
import io.tributary.http.ConnectionLimits;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * An edge's HTTP face: serves {@code /live/...} for any stream from its cache or its origin
 * (through the shared {@link EdgeFetcher}; a session's media playlist with its ad pods spliced in by {@link EdgeSsai}),
 * {@code /ads/...} the ad objects of those playlists, {@code /dvr/...} the same way ({@link EdgeDvr}), {@code /health} for routers' active checks, and
 * {@code /api/v1/time}, the clock its MPDs name (see {@link EdgeManifests}).
 * One instance per event loop, all on one port.
 */
public final class EdgeVerticle extends VerticleBase {

    private static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
    private static final String REGION_HEADER = "X-Region";
    private static final CharSequence AGE = HttpHeaders.createOptimized("Age");

    private final EdgeSettings settings;
    private final ConnectionGate gate;
    private final EdgeFetcher fetcher;
    /** Counts requests and sets segments' and parts' max-age by tier; null: the origin's Cache-Control as is. */
    private final ContentHotness hotness;
    /** Player sessions and QoE of the viewers served here (CMCD, beacons, sid in playlist URIs); null: none. */
    private final PlaybackSessions sessions;
    private final EdgeRungs rungs;
    /** The recordings ({@code /dvr/...}); null: this edge serves live only. */
    private EdgeDvr dvr;
    /** Published assets ({@code /vod/...}); null: this edge serves no VOD. */
    private EdgeVod vod;
    private io.tributary.ops.Retiring retiring;
    private HttpServer server;
    private Runnable forgetTls = () -> { };

    public EdgeVerticle(EdgeSettings settings, EdgeFetcher fetcher) {
        this(settings, fetcher, null);
    }

    public EdgeVerticle(EdgeSettings settings, EdgeFetcher fetcher, ContentHotness hotness) {
        this(settings, fetcher, hotness, null, null, new ConnectionGate(ConnectionLimits.defaults()));
    }

    /** {@code rungs}: where the multivariant playlists served teach the rung order that {@code sessions} use. */
    public EdgeVerticle(EdgeSettings settings, EdgeFetcher fetcher, ContentHotness hotness, PlaybackSessions sessions,
                        EdgeRungs rungs, ConnectionGate gate) {
        this.gate = gate;
        this.settings = settings;
        this.fetcher = fetcher;
        this.hotness = hotness;
        this.sessions = sessions;
        this.rungs = rungs;
    }

    /** Takes part in the node's drain (health 503) and graceful stop (in-flight requests counted and finished). */
    EdgeVerticle retiring(io.tributary.ops.Retiring retiring) {
        this.retiring = retiring;
        return this;
    }

    /** Serves {@code /dvr/...} too, through {@code dvr}. */
    EdgeVerticle withRecordings(EdgeDvr dvr) {
        this.dvr = dvr;
        return this;
    }

    /** Serves {@code /vod/...} too, through {@code vod}. */
    EdgeVerticle withAssets(EdgeVod vod) {
        this.vod = vod;
        return this;
    }

    /** Deploys {@code instances} edge verticles sharing {@code fetcher} and counting into {@code hotness}. */
    public static Future<String> deploy(Vertx vertx, EdgeFetcher fetcher, ContentHotness hotness, int instances) {
        return vertx.deployVerticle(() -> new EdgeVerticle(fetcher.settings(), fetcher, hotness),
                new DeploymentOptions().setInstances(instances));
    }

    /** Deploys {@code instances} edge verticles sharing {@code fetcher}. */
    public static Future<String> deploy(Vertx vertx, EdgeFetcher fetcher, int instances) {
        return vertx.deployVerticle(() -> new EdgeVerticle(fetcher.settings(), fetcher),
                new DeploymentOptions().setInstances(instances));
    }

    @Override
    public Future<?> start() {
        Router router = Routers.create(vertx); // CORS on /live, the clock and beacons; not on /health or /api/v1/sessions
        if (retiring == null) {
            retiring = io.tributary.ops.Retiring.never(settings.holdTimeout().toMillis() + 1000);
        }
        // draining: 503, so routers' active checks and readiness probes send viewers to another edge
        router.get("/health").handler(ctx -> {
            boolean draining = retiring.draining();
            ctx.response().setStatusCode(draining ? 503 : 200);
            ctx.json(new JsonObject().put("status", draining ? "DRAINING" : "UP").put("role", "edge")
                    .put("cacheBytes", fetcher.cache().bytes()).put("cacheEntries", fetcher.cache().size())
                    .put("inFlight", fetcher.inFlight()));
        });
        PlaybackAccess.of(vertx).mountGuard(router); // signed playback: before sessions start for a request
        io.tributary.playback.StreamEncryption encryption = io.tributary.playback.StreamEncryption.of(vertx);
        if (encryption != null) {
            encryption.mount(router); // keys derived here from the shared secret: none travels between nodes
            new io.tributary.playback.ClearKeyLicense(PlaybackAccess.of(vertx)).mount(router); // DASH ClearKey, derived alike
        }
        if (sessions != null) {
            sessions.mount(router); // before /live/*: the session hook runs first, then this edge serves
        }
        router.get("/live/*").handler(retiring).handler(this::live);
        // the ad objects of the sessions' spliced playlists (SSAI), from the creatives' shared cached media
        router.get("/ads/:session/:break/:ad/:rendition/:file").handler(retiring).handler(fetcher.ssai()::adObject);
        if (dvr != null) {
            router.get("/dvr/*").handler(retiring).handler(dvr::handle);
        }
        if (vod != null) {
            if (sessions != null) {
                sessions.mountVod(router, vod::playableRungs); // before /vod/*, as for /live
            }
            router.get("/vod/*").handler(retiring).handler(vod::handle);
        }
        router.get(LiveDash.TIME_PATH).handler(LiveDash::time);
        NodeTls tls = NodeTls.of(vertx);
        HttpServerOptions options = tls.server(new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setTcpNoDelay(true).setIdleTimeout((int) gate.limits().idleTimeout().toSeconds()));
        server = vertx.createHttpServer(options);
        forgetTls = tls.serving(server::updateSSLOptions, options);
        return server.connectionHandler(gate.connections(vertx)).requestHandler(gate.requests(vertx, router)).listen();
    }

    @Override
    public Future<?> stop() {
        // scaled away: finish in-flight (held) requests; the shared fetcher answers them
        forgetTls.run();
        return server.shutdown(retiring.stopGraceMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).otherwiseEmpty();
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void live(RoutingContext ctx) {
        ContentKey key = LiveTargets.contentKey(ctx); // a 400 or 404 for the failure handler
        if (hotness != null && key.rendition() != null) {
            hotness.hit(key.stream(), key.rendition(), ctx.request().getHeader(REGION_HEADER));
        }
        String tierCacheControl = hotness == null || key.rendition() == null || key.manifest() || key.object().startsWith("init-")
                ? null : hotness.mediaCacheControl(key.stream(), key.rendition());
        // a session's media playlist may get its ad pods spliced in here, from the one cached shared playlist
        String sid = key.rendition() != null && key.object().endsWith(".m3u8") ? EdgeSsai.session(ctx) : null;
        ContentKey upstream = sid == null ? key : fetcher.ssai().upstreamKey(sid, key);
        fetcher.get(upstream).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause() instanceof StatusException s ? s : new StatusException(502, String.valueOf(ar.cause().getMessage())));
                return;
            }
            if (sid == null || ar.result().object().status() != 200) {
                send(ctx, key, ar.result(), tierCacheControl);
                return;
            }
            fetcher.ssai().playlist(sid, key, EdgeSsai.text(ar.result().object().body())).onComplete(spliced -> {
                if (spliced.succeeded() && spliced.result() != null) {
                    sendSpliced(ctx, ar.result(), spliced.result());
                } else {
                    send(ctx, key, ar.result(), tierCacheControl);
                }
            });
        });
    }

    /** A session's own playlist: never kept by a shared cache downstream, its sid and token on every URI it carries. */
    private void sendSpliced(RoutingContext ctx, EdgeFetcher.Served served, String text) {
        HttpServerResponse res = ctx.response();
        if (res.closed() || res.ended()) {
            return;
        }
        EdgeObject o = served.object();
        res.setStatusCode(200).putHeader(X_CACHE, served.outcome().name());
        if (o.contentType() != null) {
            res.putHeader(HttpHeaders.CONTENT_TYPE, o.contentType());
        }
        String cc = o.cacheControl();
        res.putHeader(HttpHeaders.CACHE_CONTROL, cc == null ? "private, no-cache"
                : cc.contains("public") ? cc.replace("public", "private") : cc.contains("private") ? cc : "private, " + cc);
        res.putHeader(AGE, Long.toString((System.nanoTime() - o.fetchedAt()) / 1_000_000_000L));
        res.end(SessionUris.tag(text, SessionUris.carried(ctx)));
    }

    private void send(RoutingContext ctx, ContentKey key, EdgeFetcher.Served served, String tierCacheControl) {
        HttpServerResponse res = ctx.response();
        if (res.closed() || res.ended()) {
            return;
        }
        EdgeObject o = served.object();
        Buffer body = o.body();
        if (o.status() == 200 && key.manifest()) {
            if (rungs != null && key.rendition() == null && key.object().equals("index.m3u8")) {
                rungs.learn(key.stream(), body);
            }
            // playlists and MPDs: gzip and the edge's clock URL; a player without CMCD gets its sid in every URI,
            // a signed one its token (the cached object has neither: one object for every viewer)
            String carry = SessionUris.carried(ctx);
            body = carry.isEmpty() ? EdgeManifests.body(ctx.request(), res, o) : EdgeManifests.withQuery(ctx.request(), o, carry);
        }
        res.setStatusCode(o.status()).putHeader(X_CACHE, served.outcome().name());
        if (o.contentType() != null) {
            res.putHeader(HttpHeaders.CONTENT_TYPE, o.contentType());
        }
        if (o.status() == 200) {
            if (tierCacheControl != null) {
                res.putHeader(HttpHeaders.CACHE_CONTROL, tierCacheControl);
            } else if (o.cacheControl() != null) {
                res.putHeader(HttpHeaders.CACHE_CONTROL, o.cacheControl());
            }
            // downstream caches take max-age minus Age: a playlist stays within the origin's freshness
            res.putHeader(AGE, Long.toString((System.nanoTime() - o.fetchedAt()) / 1_000_000_000L));
        } else {
            res.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
        }
        res.end(body); // media as fetched, never compressed
    }
}
