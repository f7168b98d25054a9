package io.tributary.http;

import io.tributary.StatusException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The failure handler of every HTTP verticle. A {@link StatusException} says what the client did
 * wrong; a status a vertx-web handler failed with (413 from a body limit, 403 from CORS) keeps
 * its status; anything else is a bug here: 500, logged, nothing of it sent. API routes answer as
 * RFC 9457 {@code application/problem+json}, player and media routes in one line of text. Failures
 * are no-cache; the key server's are no-store, so no edge or browser keeps a key's refusal.
 */
public final class HttpFailures {

    private static final Logger LOG = Logger.getLogger(HttpFailures.class.getName());
    static final String API_PREFIX = "/api/";
    static final String KEYS_PREFIX = "/keys/";

    private HttpFailures() {
    }

    public static void handle(RoutingContext ctx) {
        StatusException e = status(ctx);
        if (path(ctx).startsWith(KEYS_PREFIX) && !ctx.response().headWritten()) {
            // a key server's 404, 502 or 503 (an edge's, a router's) is kept by no one, as its keys and refusals are not
            ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "private, no-store");
        }
        if (path(ctx).startsWith(API_PREFIX)) {
            e.respondProblem(ctx.response());
        } else {
            e.respond(ctx.response());
        }
    }

    static StatusException status(RoutingContext ctx) {
        Throwable t = ctx.failure();
        if (t instanceof StatusException s) {
            return s;
        }
        int code = ctx.statusCode();
        if (code >= 400 && code < 500) {
            return new StatusException(code, StatusException.title(code));
        }
        if (t == null) {
            return new StatusException(code >= 500 ? code : 500, "request failed");
        }
        LOG.log(Level.WARNING, "request " + path(ctx) + " failed", t);
        return new StatusException(500, "internal error");
    }

    /** The normalized path ({@code /api/../live/x} is a live path), the raw one if it has none. */
    static String path(RoutingContext ctx) {
        try {
            String p = ctx.normalizedPath();
            return p != null ? p : String.valueOf(ctx.request().path());
        } catch (IllegalArgumentException e) { // a malformed escape: RequestHygiene answered it
            return String.valueOf(ctx.request().path());
        }
    }
}
