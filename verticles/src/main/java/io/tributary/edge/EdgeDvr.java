package io.tributary.edge;

import io.tributary.StatusException;
import io.tributary.cluster.Role;
import io.tributary.cluster.directory.NodeAdvert;
import io.tributary.cluster.directory.NodeDirectory;
import io.tributary.config.StreamKeys;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The edge's {@code /dvr/...}: recordings for any stream of the cluster, through the shared
 * {@link EdgeFetcher} (its cache and request collapsing). Recorded objects never change and stay
 * cached for {@link #RECORDED_TTL} (LRU-bounded like everything in the cache); playlists and MPDs
 * for the origin's max-age (a closed window a minute, a growing start-over not at all); an export
 * is streamed through, never held. Any origin renders a recording (the index is shared, and it
 * fetches what another node's disk holds from there): the stream's live origin when it is live,
 * else one chosen by the stream key among the cluster's origins, so one origin serves a stream's
 * misses.
 */
final class EdgeDvr {

    /** How long a recorded segment, init or thumbnail stays cached here (within the origin's max-age). */
    static final Duration RECORDED_TTL = Duration.ofHours(24);
    /** The query parameters that change a DVR response, in the order the cache key keeps them; others are dropped. */
    private static final List<String> PARAMS = List.of("from", "to", "duration", "t", "width", "rendition", "p", "t0", "ts");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9:.+_-]{1,40}");
    private static final Pattern OBJECT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_-]{0,100}(\\.[A-Za-z0-9]{1,8})?");
    private static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");

    private final EdgeFetcher fetcher;
    private final NodeDirectory directory;

    EdgeDvr(EdgeFetcher fetcher, NodeDirectory directory) {
        this.fetcher = fetcher;
        this.directory = directory;
    }

    /** A parsed request: the stream, the normalised target, and what it names. */
    record Target(String stream, String target, boolean manifest, boolean export) {
    }

    /**
     * {@code /dvr/{key}/{name}} or {@code /dvr/{key}/{rendition}/{name}} with the DVR parameters kept in a fixed
     * order. 400 naming what is malformed, 404 for another shape.
     */
    static Target parse(String path, io.vertx.core.MultiMap query) {
        String[] parts = path.substring("/dvr/".length()).split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw StatusException.notFound("no such resource: " + path);
        }
        if (!StreamKeys.valid(parts[0])) {
            throw StatusException.badRequest("malformed stream key");
        }
        if (parts.length == 3 && !StreamKeys.valid(parts[1])) {
            throw StatusException.badRequest("malformed rendition name");
        }
        String name = parts[parts.length - 1];
        if (!OBJECT.matcher(name).matches()) {
            throw StatusException.notFound("no such recorded object '" + (name.length() > 100 ? name.substring(0, 100) : name) + "'");
        }
        StringBuilder target = new StringBuilder(path);
        char sep = '?';
        for (String p : PARAMS) {
            List<String> values = query.getAll(p);
            if (values.isEmpty()) {
                continue;
            }
            if (values.size() > 1) {
                throw StatusException.badRequest(p + " given twice");
            }
            String v = values.get(0);
            if (!VALUE.matcher(v).matches()) {
                throw StatusException.badRequest(p + ": malformed value");
            }
            // decoded by the router; ISO times keep their ':' and '+' as sent (':' is legal in a query)
            target.append(sep).append(p).append('=').append(v.replace("+", "%2B"));
            sep = '&';
        }
        boolean manifest = name.endsWith(".m3u8") || name.endsWith(".mpd");
        return new Target(parts[0], target.toString(), manifest, parts.length == 2 && name.equals("export.mp4"));
    }

    void handle(RoutingContext ctx) {
        Target t = parse(ctx.normalizedPath(), ctx.queryParams()); // thrown: the failure handler answers
        if (t.export()) {
            origin(t.stream()).compose(o -> fetcher.relay(o, t.target(), ctx.response())).onFailure(e -> fail(ctx, e));
            return;
        }
        fetcher.getRecorded(t.target(), t.manifest(), RECORDED_TTL, () -> origin(t.stream())).onComplete(ar -> {
            if (ar.failed()) {
                fail(ctx, ar.cause());
                return;
            }
            send(ctx, t, ar.result());
        });
    }

    private static void fail(RoutingContext ctx, Throwable e) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
        } else {
            ctx.fail(e instanceof StatusException s ? s : new StatusException(502, String.valueOf(e.getMessage())));
        }
    }

    private static void send(RoutingContext ctx, Target t, EdgeFetcher.Served served) {
        HttpServerResponse res = ctx.response();
        if (res.closed() || res.ended()) {
            return;
        }
        EdgeObject o = served.object();
        io.vertx.core.buffer.Buffer body = o.body();
        if (o.status() == 200 && t.manifest()) {
            String carry = io.tributary.playback.PlaybackAccess.query(ctx); // a signed viewer's token on every URI
            body = carry.isEmpty() ? EdgeManifests.body(ctx.request(), res, o) // gzip, and an MPD's clock on this edge
                    : EdgeManifests.withQuery(ctx.request(), o, carry);
        }
        res.setStatusCode(o.status()).putHeader(X_CACHE, served.outcome().name());
        if (o.contentType() != null) {
            res.putHeader(HttpHeaders.CONTENT_TYPE, o.contentType());
        }
        res.putHeader(HttpHeaders.CACHE_CONTROL, o.status() == 200 && o.cacheControl() != null ? o.cacheControl() : "no-cache");
        res.end(body);
    }

    /** The stream's live origin, else an origin of the cluster chosen by the stream key. */
    Future<String> origin(String stream) {
        return fetcher.liveOrigin(stream).recover(e -> {
            List<String> origins = directory.nodes().stream().filter(a -> a.has(Role.ORIGIN) && a.httpUrl() != null)
                    .map(NodeAdvert::httpUrl).sorted().toList();
            if (origins.isEmpty()) {
                return Future.failedFuture(new StatusException(502, "no origin in the cluster serves recordings"));
            }
            return Future.succeededFuture(origins.get(Math.floorMod(stream.hashCode(), origins.size())));
        });
    }
}
