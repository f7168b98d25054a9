package io.tributary.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.StatusException;
import io.tributary.log.AccessLog;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Enforces {@link ConnectionLimits} on one listener, shared by all verticle instances of its set
 * (they accept on different event loops, hence the concurrent counts). Past a limit the newest
 * connection is closed as it opens: connections already serving viewers are never the ones
 * dropped. An HTTP/1 connection that does not complete a request head within the header
 * timeout (after opening, or after its previous response) is closed.
 */
public final class ConnectionGate {

    private final ConnectionLimits limits;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Address> perAddress = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> webSockets = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong headerTimeouts = new AtomicLong();
    private final AtomicLong requestsRefused = new AtomicLong();
    /** Per open connection: its header timer and requests in flight (each touched on its own event loop). */
    private final Map<HttpConnection, Tracked> tracked = new ConcurrentHashMap<>();

    /** Set on a WebSocket upgrade request: what its socket's close handler runs ({@link #closed}). */
    private static final String RELEASE = "tributary.connection-release";

    /** How late at most an ended response whose end handler a route took over is noticed (ms). */
    static final long SWEEP_MS = 500;

    private static final class Tracked {
        long timer = -1;
        long sweep = -1;
        /** HTTP/1 responses not ended yet, oldest first. */
        final ArrayDeque<HttpServerResponse> inFlight = new ArrayDeque<>(2);
        /** Gives the connection's places back, once (from the connection's or its WebSocket's close). */
        Runnable release;
        /** The client address's state; null when its requests are not rate limited (a cluster peer, or no limit). */
        Address limited;
        /** Asked to become a WebSocket: no request head comes after, only the idle timeout applies. */
        boolean upgrading;
    }

    /**
     * One client address: its open connections (the count) and its request bucket, which lives as
     * long as the address has a connection open, so the buckets are as many as the connections at most.
     */
    private static final class Address extends AtomicInteger {
        private double tokens = -1;
        private long refilledNanos;

        /** Takes a token from a bucket of two seconds' worth at {@code perSecond}; false when it is empty. */
        synchronized boolean take(int perSecond, long now) {
            double capacity = 2.0 * perSecond;
            if (tokens < 0) {
                tokens = capacity;
            } else {
                tokens = Math.min(capacity, tokens + (now - refilledNanos) * (perSecond / 1e9));
            }
            refilledNanos = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }

    public ConnectionGate(ConnectionLimits limits) {
        this.limits = limits;
    }

    public ConnectionLimits limits() {
        return limits;
    }

    /** Connections and WebSockets refused at a limit so far. */
    public long refused() {
        return refused.get();
    }

    /** Connections closed because a request head did not arrive in time. */
    public long headerTimeouts() {
        return headerTimeouts.get();
    }

    public int open() {
        return open.get();
    }

    /** Requests refused because their address was past {@code http.max-request-rate-per-address}. */
    public long requestsRefused() {
        return requestsRefused.get();
    }

    /** Its counts in {@code /metrics}, labelled by listener (origin, edge, router). */
    public ConnectionGate register(MeterRegistry registry, String listener) {
        Gauge.builder("tributary_http_connections", open::get).tag("listener", listener)
                .description("open HTTP connections").register(registry);
        FunctionCounter.builder("tributary_http_connections_refused", refused, AtomicLong::get).tag("listener", listener)
                .description("connections and WebSockets refused at a limit").register(registry);
        FunctionCounter.builder("tributary_http_header_timeouts", headerTimeouts, AtomicLong::get).tag("listener", listener)
                .description("connections closed because a request head did not come in time").register(registry);
        FunctionCounter.builder("tributary_http_requests_refused", requestsRefused, AtomicLong::get).tag("listener", listener)
                .description("requests refused with 429: their address was past its request rate").register(registry);
        return this;
    }

    /** The server's connection handler: counts the connection in, or closes it when a limit is reached. */
    public Handler<HttpConnection> connections(Vertx vertx) {
        return conn -> {
            String address = address(conn.remoteAddress());
            Address mine = perAddress.computeIfAbsent(address, a -> new Address());
            int total = open.incrementAndGet();
            int fromAddress = mine.incrementAndGet();
            Tracked t = new Tracked();
            t.limited = limits.maxRequestRate() > 0 && !limits.peers().contains(address) ? mine : null;
            tracked.put(conn, t);
            boolean[] released = {false};
            t.release = () -> {
                if (released[0]) {
                    return;
                }
                released[0] = true;
                open.decrementAndGet();
                release(perAddress, address, mine);
                tracked.remove(conn);
                if (t.timer >= 0) {
                    vertx.cancelTimer(t.timer);
                }
                if (t.sweep >= 0) {
                    vertx.cancelTimer(t.sweep);
                }
            };
            conn.closeHandler(v -> t.release.run());
            if (total > limits.maxConnections() || fromAddress > limits.maxPerAddress()) {
                refused.incrementAndGet();
                conn.close();
                return;
            }
            awaitHead(vertx, conn, t); // the first request head (HTTP/1 or HTTP/2) must come in time
        };
    }

    /**
     * Wraps the request handler: a request head arrived, so no deadline; when an HTTP/1
     * connection has nothing in flight any more, the next head has its deadline. (HTTP/2
     * multiplexes; after its first request only the idle timeout applies.)
     */
    public Handler<HttpServerRequest> requests(Vertx vertx, Handler<HttpServerRequest> next) {
        return req -> {
            HttpConnection conn = req.connection();
            Tracked t = conn == null ? null : tracked.get(conn);
            if (t != null) {
                if (t.timer >= 0) {
                    vertx.cancelTimer(t.timer);
                    t.timer = -1;
                }
                if (req.version() != HttpVersion.HTTP_2) {
                    HttpServerResponse res = req.response();
                    t.inFlight.add(res);
                    // a route may take the end handler over (RoutingContext.addEndHandler sets its own), so
                    // ended responses are also swept: the next head's deadline then starts a sweep late
                    res.endHandler(v -> settle(vertx, conn, t));
                    sweepLater(vertx, conn, t);
                }
            }
            AccessLog.observe(req);
            // after the in-flight bookkeeping: the refusal's end sets the next head's deadline as any answer does
            if (t != null && t.limited != null && !t.limited.take(limits.maxRequestRate(), System.nanoTime())) {
                refuse(req);
                return;
            }
            next.handle(req);
        };
    }

    /**
     * A request past its address's rate: 429 before any route runs, as problem details on the API and a
     * line of text elsewhere. The connection stays open (HTTP/1 after the body, which is discarded).
     */
    private void refuse(HttpServerRequest req) {
        requestsRefused.incrementAndGet();
        StatusException e = new StatusException(429, "too many requests from this address (limit "
                + limits.maxRequestRate() + " per second)");
        req.response().putHeader("Retry-After", "1");
        if (String.valueOf(req.path()).startsWith(HttpFailures.API_PREFIX)) {
            e.respondProblem(req.response());
        } else {
            e.respond(req.response());
        }
    }

    /** A route handler for {@code /ws/*}: past the per-address WebSocket limit the upgrade is refused with 429. */
    public void webSockets(RoutingContext ctx) {
        Tracked t = tracked.get(ctx.request().connection());
        String address = address(ctx.request().remoteAddress());
        AtomicInteger mine = webSockets.computeIfAbsent(address, a -> new AtomicInteger());
        if (mine.incrementAndGet() > limits.maxWebSocketsPerAddress()) {
            release(webSockets, address, mine);
            refused.incrementAndGet();
            ctx.fail(new StatusException(429, "too many WebSockets from this address (limit "
                    + limits.maxWebSocketsPerAddress() + ")"));
            return;
        }
        if (t != null && ctx.request().canUpgradeToWebSocket()) {
            // the 101 ends the response: without this, the next head's deadline would close the socket
            t.upgrading = true;
            if (t.timer >= 0) {
                ctx.vertx().cancelTimer(t.timer);
                t.timer = -1;
            }
        }
        boolean[] given = {false};
        Runnable place = () -> {
            if (!given[0]) {
                given[0] = true;
                release(webSockets, address, mine);
            }
        };
        // a request that did not become a WebSocket (400, 404, a closed connection) gives its place back
        ctx.addEndHandler(ar -> {
            if (ctx.response().getStatusCode() != 101) {
                if (t != null) {
                    t.upgrading = false; // still HTTP: the next head has its deadline again
                }
                place.run();
            }
        });
        // an upgraded connection no longer reports its close: the WebSocket's close handler calls
        // closed(ctx), which gives back the socket's place and the connection's
        ctx.put(RELEASE, (Runnable) () -> {
            place.run();
            if (t != null) {
                t.release.run();
            }
        });
        ctx.next();
    }

    /** To be called from the close handler of a WebSocket upgraded from {@code ctx}: its places are given back. */
    public static void closed(RoutingContext ctx) {
        Runnable release = ctx.get(RELEASE);
        if (release != null) {
            release.run();
        }
    }

    /** Drops ended responses; with none left in flight, the next request head has its deadline. */
    private void settle(Vertx vertx, HttpConnection conn, Tracked t) {
        t.inFlight.removeIf(HttpServerResponse::ended);
        if (t.inFlight.isEmpty() && tracked.containsKey(conn)) {
            if (t.sweep >= 0) {
                vertx.cancelTimer(t.sweep);
                t.sweep = -1;
            }
            awaitHead(vertx, conn, t);
        }
    }

    private void sweepLater(Vertx vertx, HttpConnection conn, Tracked t) {
        if (t.sweep >= 0) {
            return;
        }
        t.sweep = vertx.setTimer(SWEEP_MS, id -> {
            t.sweep = -1;
            settle(vertx, conn, t);
            if (!t.inFlight.isEmpty() && tracked.containsKey(conn)) {
                sweepLater(vertx, conn, t);
            }
        });
    }

    private void awaitHead(Vertx vertx, HttpConnection conn, Tracked t) {
        if (t.timer >= 0 || t.upgrading) {
            return;
        }
        t.timer = vertx.setTimer(limits.headerTimeout().toMillis(), id -> {
            if (t.timer == id) {
                t.timer = -1;
                headerTimeouts.incrementAndGet();
                conn.close();
            }
        });
    }

    private static <C extends AtomicInteger> void release(Map<String, C> counts, String address, C count) {
        if (count.decrementAndGet() <= 0) {
            counts.remove(address, count);
        }
    }

    private static String address(SocketAddress a) {
        return a == null ? "?" : a.hostAddress() != null ? a.hostAddress() : String.valueOf(a.host());
    }
}
