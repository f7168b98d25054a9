package io.tributary.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.tributary.StatusException;
import io.vertx.ext.web.RoutingContext;

/**
 * The first handler of every router: a request the routes could not read safely is answered
 * 400 here, naming what is wrong, before any route decodes it. A malformed percent-escape in
 * the query would otherwise throw from the first {@code getParam} of whichever route ran
 * (a 500 and a stack trace in the log per request). Every answer also carries
 * {@code X-Content-Type-Options: nosniff}, so no text answer is ever sniffed as markup.
 */
public final class RequestHygiene {

    /** The longest query a route reads; beyond it the request is refused (414-like, as 400 naming it). */
    static final int MAX_QUERY = 8192;

    private RequestHygiene() {
    }

    public static void check(RoutingContext ctx) {
        ctx.response().putHeader("X-Content-Type-Options", "nosniff");
        try {
            ctx.normalizedPath(); // route matching decodes it, and throws on a malformed escape
        } catch (IllegalArgumentException e) {
            // answered here: neither the routes nor the failure handler can read this path
            StatusException.badRequest("malformed percent-escape in the path").respond(ctx.response());
            return;
        }
        String query = ctx.request().query();
        if (query != null && !query.isEmpty()) {
            if (query.length() > MAX_QUERY) {
                ctx.fail(StatusException.badRequest("query string longer than " + MAX_QUERY + " characters"));
                return;
            }
            String bad = malformedParameter(query);
            if (bad != null) {
                ctx.fail(StatusException.badRequest("malformed percent-escape in query parameter '" + bad + "'"));
                return;
            }
        }
        ctx.next();
    }

    /** The (printable part of the) name of the first parameter that does not decode, or null. */
    static String malformedParameter(String query) {
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            try {
                QueryStringDecoder.decodeComponent(name);
                if (eq >= 0) {
                    QueryStringDecoder.decodeComponent(pair.substring(eq + 1));
                }
            } catch (IllegalArgumentException e) {
                return printable(name);
            }
        }
        return null;
    }

    /** What of a client's text may be echoed: letters, digits and a few marks, at most 40 of them. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 40; i++) {
            char c = s.charAt(i);
            b.append(c < 128 && (Character.isLetterOrDigit(c) || "-_.~%/:".indexOf(c) >= 0) ? c : '?');
        }
        return b.toString();
    }
}
