package io.tributary.ssai;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.URL;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Requests for URLs an ad server gave us, checked by the node's {@link AdAddressPolicy}: the host
 * is resolved once, the address checked, and the request pinned to that very address (the
 * connection never resolves the name again, so a DNS answer that changes in between cannot slip a
 * private address in). Redirects go through the same check. A refusal is counted per use and
 * logged once per host (for the first {@value #MAX_LOGGED} hosts).
 */
final class AdUrlGuard {

    private static final Logger LOG = Logger.getLogger(AdUrlGuard.class.getName());
    static final int MAX_LOGGED = 64;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    /** Hosts whose refusal was logged, node-wide. */
    private static final Map<String, Boolean> LOGGED = new ConcurrentHashMap<>();

    /** A URL the policy refused to fetch. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final Vertx vertx;
    private final AdAddressPolicy policy;
    private final AdMetrics metrics;
    private final String use;
    private final long idleTimeoutMs;

    /**
     * @param use           what the client fetches ({@link AdMetrics#URL_USES}): the label of its refusals
     * @param idleTimeoutMs the idle timeout of a redirect's request
     */
    AdUrlGuard(Vertx vertx, AdAddressPolicy policy, AdMetrics metrics, String use, long idleTimeoutMs) {
        this.vertx = vertx;
        this.policy = policy;
        this.metrics = metrics;
        this.use = use;
        this.idleTimeoutMs = idleTimeoutMs;
    }

    /** A client whose redirects are checked as its first requests are. */
    HttpClient client(HttpClientOptions options, PoolOptions pool) {
        // the connection goes to a pinned address, so TLS is told the URL's host explicitly: the JDK itself
        // leaves SNI out for a name without a dot, and an ad server behind a CDN needs it
        options.setForceSni(true);
        return vertx.httpClientBuilder().with(options).with(pool).withRedirectHandler(this::redirect).build();
    }

    /**
     * A GET of {@code url} pinned to its checked address, or a {@link Refused} (or not-a-URL) failure;
     * {@code trusted}: the operator's own configured URL, sent as it is.
     */
    Future<RequestOptions> get(String url, boolean trusted) {
        URL parsed;
        RequestOptions options;
        try {
            // java.net.URL as Vert.x reads it: lenient with what ad servers leave in URLs (unreplaced [MACROS])
            parsed = new URL(url);
            options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setFollowRedirects(true);
        } catch (Exception e) {
            return Future.failedFuture(new IllegalArgumentException("not a URL: " + url));
        }
        if (trusted) {
            return Future.succeededFuture(options);
        }
        String host = parsed.getHost();
        String scheme = parsed.getProtocol().toLowerCase(java.util.Locale.ROOT);
        if (host == null || host.isEmpty() || !(scheme.equals("http") || scheme.equals("https"))) {
            return Future.failedFuture(new IllegalArgumentException("not an http(s) URL: " + url));
        }
        int port = parsed.getPort() > 0 ? parsed.getPort() : parsed.getDefaultPort();
        String name = AdAddressPolicy.bare(host);
        return ((VertxInternal) vertx).nameResolver().resolve(name).transform(ar -> {
            if (ar.failed()) {
                return Future.failedFuture(ar.cause()); // a lookup that failed: as a connection that failed (a beacon tries again)
            }
            InetAddress address = ar.result();
            String why = policy.refusal(name, port, address);
            if (why != null) {
                return Future.failedFuture(refused(name, port, why));
            }
            // the connection goes to the address just checked; Host and TLS still name the URL's host
            return Future.succeededFuture(options.setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress())));
        });
    }

    private Refused refused(String host, int port, String why) {
        metrics.refused(use);
        if (LOGGED.size() < MAX_LOGGED && LOGGED.putIfAbsent(host, Boolean.TRUE) == null) {
            LOG.warning("ad " + use + " URL to " + host + ":" + port + " refused: " + why
                    + " (ssai.allowed-addresses or ssai.allow-private-addresses let it in); further refusals of this host are only counted");
        }
        return new Refused("refused " + host + ":" + port + ": " + why);
    }

    /** A GET's 3xx followed only to a checked address; null (the 3xx is the answer) for anything else. */
    private Future<RequestOptions> redirect(HttpClientResponse res) {
        String location = res.getHeader(HttpHeaders.LOCATION);
        if (!REDIRECTS.contains(res.statusCode()) || location == null || res.request().getMethod() != HttpMethod.GET) {
            return null;
        }
        String next;
        try {
            next = new URL(new URL(res.request().absoluteURI()), location).toString();
        } catch (java.net.MalformedURLException e) {
            return Future.failedFuture(new IllegalArgumentException("a redirect to no URL: " + location));
        }
        return get(next, false).map(o -> o.setIdleTimeout(idleTimeoutMs));
    }
}
