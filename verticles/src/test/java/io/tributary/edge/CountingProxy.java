package io.tributary.edge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pass-through in front of a real origin that counts the requests reaching it by request
 * target, and can add latency so concurrent edge misses overlap. Not a mock: every answer is
 * the origin's own.
 */
public final class CountingProxy {

    private final Vertx vertx;
    private final String origin;
    private final ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    /** Accept-Encoding values of the requests that reached the origin ("-" when absent). */
    final java.util.Set<String> acceptEncodings = ConcurrentHashMap.newKeySet();
    private final HttpClientAgent client;
    private HttpServer server;
    volatile long delayMs;

    private CountingProxy(Vertx vertx, String origin) {
        this.vertx = vertx;
        this.origin = origin;
        this.client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(64));
    }

    public static Future<CountingProxy> start(Vertx vertx, String origin) {
        CountingProxy p = new CountingProxy(vertx, origin);
        return vertx.createHttpServer().requestHandler(p::forward).listen(0, "127.0.0.1").map(s -> {
            p.server = s;
            return p;
        });
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** Requests that reached the origin for exactly this target (path and query). */
    public int count(String target) {
        AtomicInteger c = counts.get(target);
        return c == null ? 0 : c.get();
    }

    /** Every target that reached the origin, with its count. */
    public java.util.Map<String, Integer> counts() {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Requests that reached the origin for any target starting with {@code prefix}. */
    public int countPrefix(String prefix) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToInt(e -> e.getValue().get()).sum();
    }

    private void forward(HttpServerRequest req) {
        counts.computeIfAbsent(req.uri(), k -> new AtomicInteger()).incrementAndGet();
        String accept = req.getHeader(HttpHeaders.ACCEPT_ENCODING);
        acceptEncodings.add(accept == null ? "-" : accept);
        long delay = delayMs;
        if (delay > 0) {
            vertx.setTimer(delay, id -> send(req));
        } else {
            send(req);
        }
    }

    private void send(HttpServerRequest req) {
        RequestOptions upstream = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(origin + req.uri());
        String accept = req.getHeader(HttpHeaders.ACCEPT_ENCODING);
        if (accept != null) { // the origin answers what the edge asked for: gzip if it asked for that
            upstream.putHeader(HttpHeaders.ACCEPT_ENCODING, accept);
        }
        String report = req.getHeader(io.tributary.ssai.SsaiModule.EDGE_SERVED_HEADER);
        if (report != null) { // an edge's report of an ad segment it served (the origin answers it without the file)
            upstream.putHeader(io.tributary.ssai.SsaiModule.EDGE_SERVED_HEADER, report);
        }
        client.request(upstream)
                .compose(r -> r.send())
                .compose(resp -> resp.body().map(body -> {
                    var out = req.response().setStatusCode(resp.statusCode());
                    for (CharSequence h : new CharSequence[]{HttpHeaders.CONTENT_TYPE, HttpHeaders.CACHE_CONTROL, HttpHeaders.CONTENT_ENCODING}) {
                        String v = resp.getHeader(h);
                        if (v != null) {
                            out.putHeader(h, v);
                        }
                    }
                    return out.end(body);
                }))
                .onFailure(e -> req.response().setStatusCode(599).end(Buffer.buffer("proxy: " + e)));
    }
}
