package io.tributary.http;

import io.tributary.StatusException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.util.Locale;

/**
 * For operator WebSockets: browsers apply no CORS to a WebSocket, so any page could open one and
 * read the feed. A browser always names the page's origin in the upgrade; one that names another
 * host than the one asked (or a front proxy's X-Forwarded-Host) is refused with 403. Clients
 * without Origin (tools, not pages) pass.
 */
public final class SameOrigin {

    private SameOrigin() {
    }

    public static void require(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !matches(origin, ctx.request())) {
            throw new StatusException(403, "a page of another origin may not open " + ctx.request().path());
        }
        ctx.next();
    }

    static boolean matches(String origin, HttpServerRequest req) {
        URI o;
        try {
            o = URI.create(origin);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (o.getHost() == null || o.getScheme() == null) {
            return false; // "null" (a sandboxed or file page) is no origin of ours
        }
        int defaultPort = o.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        int originPort = o.getPort() < 0 ? defaultPort : o.getPort();
        HostAndPort asked = asked(req);
        if (asked == null) {
            return false;
        }
        int askedPort = asked.port() < 0 ? defaultPort : asked.port();
        return host(o.getHost()).equals(host(asked.host())) && originPort == askedPort;
    }

    private static HostAndPort asked(HttpServerRequest req) {
        String forwarded = req.getHeader("X-Forwarded-Host");
        if (forwarded != null) {
            HostAndPort f = HostAndPort.parseAuthority(forwarded.trim(), -1);
            if (f != null) {
                return f;
            }
        }
        return req.authority();
    }

    private static String host(String h) {
        String s = h.toLowerCase(Locale.ROOT);
        return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    }
}
