package io.tributary.edge;

import io.tributary.tls.NodeTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.StatusException;
import io.tributary.cluster.hotness.HotnessCounter;
import io.tributary.cluster.registry.StreamNotFoundException;
import io.tributary.cluster.registry.StreamRegistry;
import io.tributary.cluster.ring.ContentKey;
import io.tributary.session.PlaybackSessions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.ConnectException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The edge's way to an object: the cache, else one origin fetch per object in flight
 * (request collapsing), stored by its freshness. Shared by every {@link EdgeVerticle}
 * instance of a node, so a node sends one upstream request per object however many event
 * loops and viewers ask for it; that includes LL-HLS blocking reloads (one per rendition, msn
 * and part: the directives are in the cache key) and preload-hinted parts the origin holds.
 *
 * <p>Failures are answers, never hangs: no origin holds the stream, 404; the origin refuses or
 * drops the connection, 502; it does not answer within the bound, 504; each with the reason.
 */
public final class EdgeFetcher {

    /** How a request was answered. */
    public enum Outcome { HIT, MISS, COLLAPSED }

    /** An object and how it was obtained. */
    public record Served(EdgeObject object, Outcome outcome) {
    }

    private enum OriginResult { OK, NOT_FOUND, CLIENT_ERROR, SERVER_ERROR, TIMEOUT, UNREACHABLE }

    private final Vertx vertx;
    private final EdgeSettings settings;
    private final EdgeCache cache;
    private final OriginLookup origins;
    private final RequestCollapser<String, EdgeObject> collapser = new RequestCollapser<>();
    private final HttpClientAgent client;
    private final Function<ContentKey, Duration> mediaTtl;
    private final HotnessCounter hotness;
    private final EnumMap<Outcome, Counter> requests = new EnumMap<>(Outcome.class);
    private final EnumMap<OriginResult, Counter> originRequests = new EnumMap<>(OriginResult.class);
    private final EdgeSsai ssai;

    /**
     * @param mediaTtl how long a media object stays cached (the hotness tier's TTL hint), at most
     *                 what the origin allows
     * @param hotness  counts each request per routing key, or null
     */
    public EdgeFetcher(Vertx vertx, EdgeSettings settings, StreamRegistry registry, MeterRegistry meters,
                       Function<ContentKey, Duration> mediaTtl, HotnessCounter hotness) {
        this.vertx = vertx;
        this.settings = settings;
        this.cache = new EdgeCache(settings.cacheBytes(), settings.maxObjectBytes(), System::nanoTime);
        this.origins = new OriginLookup(registry, settings.registryTtl().toNanos(), settings.negativeTtl().toNanos(),
                System::nanoTime);
        this.mediaTtl = mediaTtl;
        this.hotness = hotness;
        this.client = vertx.createHttpClient(NodeTls.of(vertx).client(new HttpClientOptions()
                        .setConnectTimeout((int) settings.connectTimeout().toMillis())
                        .setTcpNoDelay(true)
                        .setKeepAlive(true)),
                new PoolOptions().setHttp1MaxSize(settings.originConnections()));
        for (Outcome o : Outcome.values()) {
            requests.put(o, Counter.builder("tributary_edge_requests_total")
                    .description("requests (live and recorded) answered by the edge, by how: from cache, by a fetch, or joined to a fetch in flight")
                    .tag("result", o.name().toLowerCase(Locale.ROOT)).register(meters));
        }
        for (OriginResult r : OriginResult.values()) {
            originRequests.put(r, Counter.builder("tributary_edge_origin_requests_total")
                    .description("requests the edge sent to origins, by outcome")
                    .tag("outcome", r.name().toLowerCase(Locale.ROOT)).register(meters));
        }
        Gauge.builder("tributary_edge_cache_bytes", cache, EdgeCache::bytes).description("bytes held by the edge cache")
                .baseUnit("bytes").register(meters);
        FunctionCounter.builder("tributary_edge_cache_evictions_total", cache, EdgeCache::evictions)
                .description("fresh objects evicted from the edge cache to make room").register(meters);
        this.ssai = new EdgeSsai(vertx, this, meters);
    }

    /** Per-session ad playlists and ad objects, shared by every edge verticle like the cache. */
    EdgeSsai ssai() {
        return ssai;
    }

    /** One uncached GET of a per-viewer object (a session's pod), bounded like any origin fetch. */
    Future<EdgeObject> fetchUncached(String origin, String target) {
        return upstream(origin, target, target, false, false, () -> Duration.ZERO, null);
    }

    /** One uncached GET carrying {@code header: 1} (a report to the origin); its answer's status. */
    Future<Integer> report(String origin, String target, String header) {
        return upstream(origin, target, target, false, false, () -> Duration.ZERO, header).map(EdgeObject::status);
    }

    private static final String PASS = io.tributary.playback.PlaybackAccess.PASS_HEADER;

    /** This node's pass for the origin's playback guard ("" on a node without signed playback). */
    private String pass() {
        String p = io.tributary.playback.PlaybackAccess.of(vertx).pass();
        return p == null ? "" : p;
    }

    public EdgeSettings settings() {
        return settings;
    }

    public EdgeCache cache() {
        return cache;
    }

    /** Upstream fetches in flight now. */
    public int inFlight() {
        return collapser.inFlight();
    }

    /** The object named by {@code key}: cached, fetched, or joined to the fetch in flight. */
    public Future<Served> get(ContentKey key) {
        if (hotness != null) {
            hotness.hit(key.routingKey());
        }
        String ck = key.cacheKey();
        EdgeObject hit = cache.get(ck);
        if (hit != null) {
            requests.get(Outcome.HIT).increment();
            return Future.succeededFuture(new Served(hit, Outcome.HIT));
        }
        boolean[] leader = new boolean[1];
        Future<EdgeObject> f = collapser.fetch(ck, () -> {
            EdgeObject again = cache.get(ck); // a fetch may have completed between our miss and now
            if (again != null) {
                return Future.succeededFuture(again);
            }
            return origins.originOf(key.stream())
                    .recover(e -> Future.failedFuture(lookupFailure(key, e)))
                    .compose(origin -> upstream(origin, key.cacheKey(), key.path(),
                            key.blocking() || !key.manifest() && !key.object().startsWith("init-"), key.manifest(),
                            () -> mediaTtl.apply(key), null))
                    .andThen(ar -> {
                        if (ar.succeeded()) {
                            cache.put(ck, ar.result());
                        } else if (ar.cause() instanceof StatusException s && s.status() >= 502) {
                            origins.forget(key.stream()); // it may have moved: ask the registry again
                        }
                    });
        }, leader);
        Outcome outcome = leader[0] ? Outcome.MISS : Outcome.COLLAPSED;
        requests.get(outcome).increment();
        return f.map(o -> new Served(o, outcome));
    }

    private static StatusException lookupFailure(ContentKey key, Throwable e) {
        if (e instanceof StreamNotFoundException) {
            return StatusException.notFound(e.getMessage());
        }
        return new StatusException(502, "stream registry failed for '" + key.stream() + "': " + e.getMessage());
    }

    /**
     * A recorded object or DVR playlist ({@code /dvr/...}): the cache, else one fetch per target in flight from
     * the origin {@code origin} names. Recordings never change, so media stays cached for {@code recordedTtl}
     * (within the origin's max-age); playlists for the origin's max-age alone.
     *
     * @param target   the normalised request target: the upstream path and the cache key
     * @param manifest a playlist or MPD, as opposed to a recorded object
     */
    public Future<Served> getRecorded(String target, boolean manifest, Duration recordedTtl,
                                      java.util.function.Supplier<Future<String>> origin) {
        EdgeObject hit = cache.get(target);
        if (hit != null) {
            requests.get(Outcome.HIT).increment();
            return Future.succeededFuture(new Served(hit, Outcome.HIT));
        }
        boolean[] leader = new boolean[1];
        Future<EdgeObject> f = collapser.fetch(target, () -> {
            EdgeObject again = cache.get(target);
            if (again != null) {
                return Future.succeededFuture(again);
            }
            return origin.get().compose(o -> upstream(o, target, target, false, manifest, () -> recordedTtl, null))
                    .andThen(ar -> {
                        if (ar.succeeded()) {
                            cache.put(target, ar.result());
                        }
                    });
        }, leader);
        Outcome outcome = leader[0] ? Outcome.MISS : Outcome.COLLAPSED;
        requests.get(outcome).increment();
        return f.map(o -> new Served(o, outcome));
    }

    /** The origin a live stream is on (the registry, looked up as for {@code /live}); fails when none holds it. */
    Future<String> liveOrigin(String stream) {
        return origins.originOf(stream);
    }

    /**
     * Streams {@code target} from {@code origin} to {@code res} as it arrives, never cached nor held whole
     * (an export: one MP4 of up to the DVR's longest window). Fails before any byte is sent when the origin
     * cannot be reached or does not answer 200.
     */
    public Future<Void> relay(String origin, String target, io.vertx.core.http.HttpServerResponse res) {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(origin + target)
                        .setConnectTimeout(settings.connectTimeout().toMillis())
                        .setIdleTimeout(settings.originTimeout().toMillis())
                        .putHeader(PlaybackSessions.EDGE_FETCH_HEADER, "1").putHeader(PASS, pass()))
                .compose(HttpClientRequest::send)
                .recover(e -> Future.failedFuture(e instanceof StatusException s ? s : unreachable(origin, e)))
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        return resp.body().compose(b -> Future.failedFuture(new StatusException(
                                resp.statusCode() >= 500 ? 502 : resp.statusCode(),
                                b.length() > 200 ? b.getString(0, 200) : b.toString())));
                    }
                    res.setStatusCode(200);
                    for (CharSequence h : new CharSequence[]{HttpHeaders.CONTENT_TYPE, HttpHeaders.CONTENT_DISPOSITION,
                            HttpHeaders.CONTENT_LENGTH}) {
                        String v = resp.getHeader(h);
                        if (v != null) {
                            res.putHeader(h, v);
                        }
                    }
                    if (resp.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
                        res.setChunked(true);
                    }
                    // a viewer gone mid-way: the upstream exchange is abandoned, not left to drain
                    return resp.pipeTo(res).onFailure(e -> resp.request().reset());
                });
    }

    /** One GET to the origin, bounded as a whole (connect, wait, body) by the timeout for its kind. */
    private Future<EdgeObject> upstream(String origin, String target, String path, boolean mayHold, boolean manifest,
                                        java.util.function.Supplier<Duration> mediaTtlHint, String flag) {
        long timeoutMs = (mayHold ? settings.holdTimeout() : settings.originTimeout()).toMillis();
        Promise<EdgeObject> result = Promise.promise();
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (result.tryFail(new StatusException(504, "origin " + origin + " did not answer " + path
                    + " within " + timeoutMs + " ms"))) {
                originRequests.get(OriginResult.TIMEOUT).increment();
                HttpClientRequest r = sent.get();
                if (r != null) {
                    r.reset();
                }
            }
        });
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(origin + target)
                .setConnectTimeout(settings.connectTimeout().toMillis());
        if (flag != null) {
            options.putHeader(flag, "1");
        }
        client.request(options
                        .putHeader(PlaybackSessions.EDGE_FETCH_HEADER, "1") // a cache fill, not a viewer
                        .putHeader(PASS, pass()) // signed streams: the token stays with the viewer, the cache key has none
                        // the cache holds identity bytes: the edge compresses per viewer itself
                        .putHeader(HttpHeaders.ACCEPT_ENCODING, HttpHeaders.IDENTITY))
                .compose(req -> {
                    if (result.future().isComplete()) { // timed out while connecting: do not send late
                        req.reset();
                        return Future.failedFuture(result.future().cause());
                    }
                    sent.set(req);
                    return req.send();
                })
                .compose(resp -> {
                    String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
                    if (length != null && length.length() < 19 && Long.parseLong(length) > settings.maxObjectBytes()) {
                        resp.request().reset();
                        return Future.failedFuture(new StatusException(502, "origin object " + path + " is "
                                + length + " bytes, above the edge's limit of " + settings.maxObjectBytes()));
                    }
                    return resp.body().map(body -> toObject(resp, body, manifest, mediaTtlHint));
                })
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.succeeded()) {
                        if (result.tryComplete(ar.result())) {
                            originRequests.get(classify(ar.result().status())).increment();
                        }
                    } else if (!result.future().isComplete()) {
                        StatusException failure = ar.cause() instanceof StatusException s ? s : unreachable(origin, ar.cause());
                        if (result.tryFail(failure)) {
                            originRequests.get(failure.status() == 504 ? OriginResult.TIMEOUT : OriginResult.UNREACHABLE).increment();
                        }
                    }
                });
        return result.future();
    }

    private StatusException unreachable(String origin, Throwable e) {
        if (e instanceof io.netty.channel.ConnectTimeoutException) {
            return new StatusException(504, "origin " + origin + " did not accept a connection within "
                    + settings.connectTimeout().toMillis() + " ms");
        }
        String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
        return new StatusException(502, "origin " + origin + " failed: " + why);
    }

    private static OriginResult classify(int status) {
        if (status < 400) {
            return OriginResult.OK;
        }
        if (status == 404) {
            return OriginResult.NOT_FOUND;
        }
        return status < 500 ? OriginResult.CLIENT_ERROR : OriginResult.SERVER_ERROR;
    }

    private EdgeObject toObject(HttpClientResponse resp, io.vertx.core.buffer.Buffer body, boolean manifest,
                                java.util.function.Supplier<Duration> mediaTtlHint) {
        int status = resp.statusCode();
        String cacheControl = resp.getHeader(HttpHeaders.CACHE_CONTROL);
        long now = System.nanoTime();
        long ttl = 0;
        if (status == 200) {
            long maxAge = maxAgeSeconds(cacheControl);
            if (manifest) {
                // a playlist is never kept beyond the origin's freshness
                ttl = maxAge > 0 ? maxAge * 1_000_000_000L : 0;
            } else if (maxAge != 0) {
                long hint = mediaTtlHint.get().toNanos();
                ttl = maxAge < 0 ? hint : Math.min(hint, maxAge * 1_000_000_000L);
            }
        } else if (status == 404 || status == 410) {
            ttl = settings.negativeTtl().toNanos();
        }
        // the body as read grew by doubling (a 600 KB part in a 1 MiB array): kept, it is copied to its
        // own size, so the cache's byte bound is what the heap holds
        io.vertx.core.buffer.Buffer kept = ttl > 0 ? body.copy() : body;
        return new EdgeObject(status, resp.getHeader(HttpHeaders.CONTENT_TYPE), cacheControl, kept, now, now + ttl);
    }

    /** max-age in seconds; 0 for no-cache, no-store or private; -1 when absent. */
    static long maxAgeSeconds(String cacheControl) {
        if (cacheControl == null) {
            return -1;
        }
        long maxAge = -1;
        for (String d : cacheControl.split(",")) {
            String t = d.trim().toLowerCase(Locale.ROOT);
            if (t.equals("no-cache") || t.equals("no-store") || t.equals("private")) {
                return 0;
            }
            if (t.startsWith("max-age=")) {
                try {
                    maxAge = Long.parseLong(t.substring(8));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return maxAge;
    }

    public Future<Void> close() {
        ssai.close();
        return client.close();
    }
}
