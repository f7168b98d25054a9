package io.tributary.ssai;

import io.tributary.media.vast.VastParser;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * GETs VAST documents from ad servers on its own client: within the time left of the decision,
 * at most {@link VastParser#MAX_BYTES} read (the connection is dropped beyond), redirects limited.
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

    VastFetcher(Vertx vertx, long connectTimeoutMs) {
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
                .setMaxRedirects(MAX_REDIRECTS).setKeepAlive(true).setTrustAll(false).setVerifyHost(true));
    }

    /** The body of {@code url}, or a {@link FetchException}; never longer than {@code timeoutMs}. */
    Future<byte[]> get(String url, long timeoutMs) {
        if (timeoutMs <= 0) {
            return Future.failedFuture(new FetchException("timeout", "no time left for " + url));
        }
        Promise<byte[]> done = Promise.promise();
        long timer = vertx.setTimer(timeoutMs, t -> done.tryFail(new FetchException("timeout", "no answer within " + timeoutMs + " ms")));
        RequestOptions options;
        try {
            options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setFollowRedirects(true)
                    .setIdleTimeout(timeoutMs).putHeader("Accept", "application/xml, text/xml");
        } catch (RuntimeException e) {
            vertx.cancelTimer(timer);
            return Future.failedFuture(new FetchException("http", "not a URL: " + e.getMessage()));
        }
        client.request(options).compose(req -> {
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
