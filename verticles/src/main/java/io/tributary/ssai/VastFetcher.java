package io.tributary.ssai;

import io.tributary.media.vast.VastParser;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * GETs VAST documents from ad servers on its own client: within the time left of the decision,
 * at most {@link VastParser#MAX_BYTES} read (the connection is dropped beyond), redirects limited;
 * every URL but the operator's configured one (wrappers', redirects) only to an address the
 * {@link AdUrlGuard} lets through.
 */
final class VastFetcher {

    static final int MAX_REDIRECTS = 3;

    /** Why a fetch gave no document: {@code timeout}, {@code http} (a non-2xx status or a broken connection), {@code size}. */
    static final class FetchException extends RuntimeException {
        final String kind;

        FetchException(String kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final AdUrlGuard guard;

    VastFetcher(Vertx vertx, long connectTimeoutMs, AdAddressPolicy policy, AdMetrics metrics) {
        this.vertx = vertx;
        this.guard = new AdUrlGuard(vertx, policy, metrics, "vast", connectTimeoutMs);
        this.client = guard.client(new HttpClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
                .setMaxRedirects(MAX_REDIRECTS).setKeepAlive(true).setTrustAll(false).setVerifyHost(true), new PoolOptions());
    }

    /**
     * The body of {@code url}, or a {@link FetchException}; never longer than {@code timeoutMs}.
     * {@code trusted}: the URL is the operator's (configured, or the node's own), not an ad server's.
     */
    Future<byte[]> get(String url, long timeoutMs, boolean trusted) {
        if (timeoutMs <= 0) {
            return Future.failedFuture(new FetchException("timeout", "no time left for " + url));
        }
        Promise<byte[]> done = Promise.promise();
        long timer = vertx.setTimer(timeoutMs, t -> done.tryFail(new FetchException("timeout", "no answer within " + timeoutMs + " ms")));
        guard.get(url, trusted).map(o -> o.setIdleTimeout(timeoutMs).putHeader("Accept", "application/xml, text/xml"))
                .compose(client::request).compose(req -> {
            done.future().onFailure(e -> req.reset()); // the deadline passed: the connection goes
            return req.send();
        }).onSuccess(res -> {
            if (res.statusCode() / 100 != 2) {
                res.request().reset();
                done.tryFail(new FetchException("http", "HTTP " + res.statusCode()));
                return;
            }
            Buffer body = Buffer.buffer();
            res.handler(b -> {
                if (body.length() + b.length() > VastParser.MAX_BYTES) {
                    done.tryFail(new FetchException("size", "the answer is over " + VastParser.MAX_BYTES + " bytes"));
                    res.request().reset();
                } else {
                    body.appendBuffer(b);
                }
            });
            res.exceptionHandler(e -> done.tryFail(new FetchException("http", "the answer broke off: " + e.getMessage())));
            res.endHandler(v -> done.tryComplete(body.getBytes()));
        }).onFailure(e -> done.tryFail(e instanceof FetchException ? e : new FetchException("http", String.valueOf(e.getMessage()))));
        return done.future().onComplete(x -> vertx.cancelTimer(timer));
    }

    Future<Void> close() {
        return client.close();
    }
}
