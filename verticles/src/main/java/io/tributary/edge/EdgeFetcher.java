package io.tributary.edge;

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
        this.client = vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) settings.connectTimeout().toMillis())
                        .setTcpNoDelay(true)
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(settings.originConnections()));
        for (Outcome o : Outcome.values()) {
            requests.put(o, Counter.builder("tributary_edge_requests_total")
                    .description("live requests answered by the edge, by how: from cache, by a fetch, or joined to a fetch in flight")
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
                    .compose(origin -> upstream(origin, key))
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

    /** One GET to the origin, bounded as a whole (connect, wait, body) by the timeout for its kind. */
    private Future<EdgeObject> upstream(String origin, ContentKey key) {
        boolean mayHold = key.blocking() || !key.manifest() && !key.object().startsWith("init-");
        long timeoutMs = (mayHold ? settings.holdTimeout() : settings.originTimeout()).toMillis();
        Promise<EdgeObject> result = Promise.promise();
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (result.tryFail(new StatusException(504, "origin " + origin + " did not answer " + key.path()
                    + " within " + timeoutMs + " ms"))) {
                originRequests.get(OriginResult.TIMEOUT).increment();
                HttpClientRequest r = sent.get();
                if (r != null) {
                    r.reset();
                }
            }
        });
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(origin + key.cacheKey())
                        .setConnectTimeout(settings.connectTimeout().toMillis())
                        .putHeader(PlaybackSessions.EDGE_FETCH_HEADER, "1") // a cache fill, not a viewer
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
                        return Future.failedFuture(new StatusException(502, "origin object " + key.path() + " is "
                                + length + " bytes, above the edge's limit of " + settings.maxObjectBytes()));
                    }
                    return resp.body().map(body -> toObject(resp, body, key));
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

    private EdgeObject toObject(HttpClientResponse resp, io.vertx.core.buffer.Buffer body, ContentKey key) {
        int status = resp.statusCode();
        String cacheControl = resp.getHeader(HttpHeaders.CACHE_CONTROL);
        long now = System.nanoTime();
        long ttl = 0;
        if (status == 200) {
            long maxAge = maxAgeSeconds(cacheControl);
            if (key.manifest()) {
                // a playlist is never kept beyond the origin's freshness
                ttl = maxAge > 0 ? maxAge * 1_000_000_000L : 0;
            } else if (maxAge != 0) {
                long hint = mediaTtl.apply(key).toNanos();
                ttl = maxAge < 0 ? hint : Math.min(hint, maxAge * 1_000_000_000L);
            }
        } else if (status == 404 || status == 410) {
            ttl = settings.negativeTtl().toNanos();
        }
        return new EdgeObject(status, resp.getHeader(HttpHeaders.CONTENT_TYPE), cacheControl, body, now, now + ttl);
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
        return client.close();
    }
}
