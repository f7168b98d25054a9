package io.tributary.dvr;

import io.tributary.tls.NodeTls;
import io.tributary.StatusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;

import java.net.ConnectException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recorded objects on another node's disk: a row's {@code node} says whose disk holds the file,
 * the index's {@code dvr_node} table says where that node answers (each recording node announces
 * its URL when it starts recording). The request is sent there as it came and the answer streamed
 * back as it arrives (no copy held here). A node asked by a peer serves only what its own disk
 * holds, so a request makes at most one hop whatever the rows say.
 */
public final class DvrPeers {

    /** Marks a request from a peer: answered from this node's disk or not at all. */
    static final String PEER_HEADER = "X-Tributary-Dvr-Peer";
    private static final String PASS = io.tributary.playback.PlaybackAccess.PASS_HEADER;
    /** A node's URL is read from the index again after this (a restarted node may listen elsewhere). */
    static final long URL_TTL_MS = 10_000;
    static final int CONNECT_TIMEOUT_MS = 2_000;
    /** Idle limit of a peer's answer (a segment read from its disk). */
    static final int IDLE_TIMEOUT_MS = 10_000;
    /** Requests to peers waiting for a connection (32 per peer) at most. */
    static final int MAX_WAITING = 1024;

    private record Known(Optional<String> url, long until) {
    }

    private final DvrIndex index;
    private final HttpClientAgent client;
    private final ConcurrentHashMap<String, Known> urls = new ConcurrentHashMap<>();

    private final Vertx vertx;

    DvrPeers(Vertx vertx, DvrIndex index) {
        this.vertx = vertx;
        this.index = index;
        this.client = vertx.createHttpClient(NodeTls.of(vertx).client(new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS)
                .setKeepAlive(true).setTcpNoDelay(true)), new PoolOptions().setHttp1MaxSize(32)
                // requests a stranger can cause: beyond this many waiting for a connection, a 502 at once
                .setMaxWaitQueueSize(MAX_WAITING));
    }

    /** This node's pass for a peer's playback guard (a signed recording's token stays with the viewer). */
    private String pass() {
        String p = io.tributary.playback.PlaybackAccess.of(vertx).pass();
        return p == null ? "" : p;
    }

    /** Whether the request came from a peer (and so must not be sent on). */
    static boolean fromPeer(RoutingContext ctx) {
        return ctx.request().getHeader(PEER_HEADER) != null;
    }

    /** Answers {@code ctx} with what {@code node} serves for the same request target. */
    Future<Void> forward(RoutingContext ctx, String node) {
        if (fromPeer(ctx)) {
            return Future.failedFuture(StatusException.notFound("recorded object is on node " + node + ", not here"));
        }
        return url(node).compose(url -> {
            if (url.isEmpty()) {
                return Future.failedFuture(StatusException.notFound("recorded object is on node " + node
                        + ", which announced no URL"));
            }
            String base = url.get();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
                    .setAbsoluteURI(base + ctx.request().uri()).setConnectTimeout(CONNECT_TIMEOUT_MS)
                    .setIdleTimeout(IDLE_TIMEOUT_MS).putHeader(PEER_HEADER, "1").putHeader(PASS, pass())
                    .putHeader(HttpHeaders.ACCEPT_ENCODING, HttpHeaders.IDENTITY);
            return client.request(options).compose(req -> req.send())
                    .recover(e -> {
                        urls.remove(node); // it may have restarted elsewhere: ask the index again next time
                        String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
                        return Future.failedFuture(new StatusException(502, "node " + node + " holding the recording ("
                                + base + ") failed: " + why));
                    })
                    .compose(resp -> relay(ctx.response(), node, resp));
        });
    }

    /**
     * The bytes {@code node} serves at {@code path} (a recorded segment or init, for an export that
     * spans nodes), at most {@code maxBytes} of them.
     */
    Future<io.vertx.core.buffer.Buffer> fetch(String node, String path, long maxBytes) {
        return url(node).compose(url -> {
            if (url.isEmpty()) {
                return Future.failedFuture(StatusException.notFound("recorded object is on node " + node
                        + ", which announced no URL"));
            }
            String base = url.get();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(base + path)
                    .setConnectTimeout(CONNECT_TIMEOUT_MS).setIdleTimeout(IDLE_TIMEOUT_MS).putHeader(PEER_HEADER, "1").putHeader(PASS, pass())
                    .putHeader(HttpHeaders.ACCEPT_ENCODING, HttpHeaders.IDENTITY);
            return client.request(options).compose(req -> req.send())
                    .recover(e -> {
                        urls.remove(node);
                        String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
                        return Future.failedFuture(new StatusException(502, "node " + node + " holding the recording ("
                                + base + ") failed: " + why));
                    })
                    .compose(resp -> {
                        String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
                        if (resp.statusCode() != 200 || length == null || length.length() > 18
                                || Long.parseLong(length) > maxBytes) {
                            resp.request().reset();
                            return Future.failedFuture(new StatusException(resp.statusCode() == 404 ? 404 : 502,
                                    "node " + node + " answered " + resp.statusCode() + " for " + path
                                            + (length == null ? "" : " (" + length + " bytes)")));
                        }
                        return resp.body();
                    });
        });
    }

    private static Future<Void> relay(HttpServerResponse res, String node, HttpClientResponse resp) {
        if (resp.statusCode() != 200) {
            // its own one-line reason, bounded: a 404 stays a 404 (retention took it), anything else is the peer's failure
            return resp.body().compose(body -> {
                String text = body.toString(java.nio.charset.StandardCharsets.UTF_8);
                text = text.length() > 200 ? text.substring(0, 200) : text;
                int status = resp.statusCode() == 404 ? 404 : 502;
                return Future.failedFuture(new StatusException(status, "node " + node + " answered "
                        + resp.statusCode() + ": " + text.strip()));
            });
        }
        res.setStatusCode(200);
        for (CharSequence h : new CharSequence[]{HttpHeaders.CONTENT_TYPE, HttpHeaders.CACHE_CONTROL, HttpHeaders.CONTENT_LENGTH}) {
            String v = resp.getHeader(h);
            if (v != null) {
                res.putHeader(h, v);
            }
        }
        if (resp.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            res.setChunked(true);
        }
        // a viewer gone mid-way: the peer's exchange is abandoned, not left to drain
        return resp.pipeTo(res).onFailure(e -> resp.request().reset());
    }

    private Future<Optional<String>> url(String node) {
        Known k = urls.get(node);
        long now = System.currentTimeMillis();
        if (k != null && now < k.until()) {
            return Future.succeededFuture(k.url());
        }
        return index.nodeUrl(node).onSuccess(u -> {
            if (urls.size() > 1024) { // node ids come from rows: a handful per cluster, bounded all the same
                urls.clear();
            }
            urls.put(node, new Known(u, now + URL_TTL_MS));
        });
    }

    Future<Void> close() {
        return client.close();
    }
}
