package io.tributary.edge;

import io.tributary.StatusException;
import io.tributary.cluster.Role;
import io.tributary.cluster.directory.NodeAdvert;
import io.tributary.cluster.directory.NodeDirectory;
import io.tributary.config.StreamKeys;
import io.tributary.hotness.ContentHotness;
import io.tributary.playback.PlaybackAccess;
import io.tributary.session.PlaybackSessions;
import io.tributary.session.SessionUris;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The edge's {@code /vod/...}: published assets through the shared {@link EdgeFetcher} (its cache and
 * request collapsing), so a second viewer of an asset costs the origin nothing. A published asset never
 * changes, so its media stays cached for {@link #MEDIA_TTL} (LRU-bounded, and never past the origin's
 * max-age, which ends with the asset's availability window); its playlists, MPD and thumbnail map only for
 * {@link #ENTRY_TTL}, so a deleted or withdrawn asset stops starting new plays here within that.
 * Viewers get the origin's Cache-Control (immutable, long TTL). Every origin serves {@code /vod} from the
 * shared VOD directory: the asset id picks one among the cluster's origins, so one origin serves an
 * asset's misses. Requests for media count into hotness under {@code vod:{id}}, beside live content; the
 * asset's viewers are player sessions of this node under the same key ({@link #playableRungs}).
 */
public final class EdgeVod {

    static final Duration MEDIA_TTL = Duration.ofHours(24);
    static final Duration ENTRY_TTL = Duration.ofSeconds(60);
    /** Hotness keys of assets start with this: no stream key contains ':', so live pre-warming can skip them. */
    static final String HOTNESS_PREFIX = PlaybackSessions.VOD_PREFIX;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}\\.(m3u8|mpd|mp4|m4s|jpg|vtt)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,15})-(\\d{0,15})");
    private static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
    private static final CharSequence AGE = HttpHeaders.createOptimized("Age");
    private static final String REGION_HEADER = "X-Region";

    private final EdgeFetcher fetcher;
    private final NodeDirectory directory;
    /** Null: nothing counted. */
    private final ContentHotness hotness;

    EdgeVod(EdgeFetcher fetcher, NodeDirectory directory, ContentHotness hotness) {
        this.fetcher = fetcher;
        this.directory = directory;
        this.hotness = hotness;
    }

    /** A parsed request: the asset, its rendition (null at the asset's top), the object name and the upstream path. */
    public record Target(String asset, String rendition, String name, String path) {

        /** Per-viewer text (a token goes on every URI it names): the playlists, the MPD, the thumbnail map. */
        boolean entry() {
            return name.endsWith(".m3u8") || name.endsWith(".mpd") || name.endsWith(".vtt");
        }

        boolean manifest() {
            return name.endsWith(".m3u8") || name.endsWith(".mpd");
        }
    }

    /** {@code /vod/{id}/{name}} or {@code /vod/{id}/{rendition}/{name}}, the query dropped; 404 for any other shape. */
    public static Target parse(String path) {
        String[] parts = path.substring("/vod/".length()).split("/", -1);
        if (parts.length < 2 || parts.length > 3 || !StreamKeys.valid(parts[0])
                || parts.length == 3 && !StreamKeys.valid(parts[1]) || !NAME.matcher(parts[parts.length - 1]).matches()) {
            throw StatusException.notFound("no such VOD object");
        }
        return new Target(parts[0], parts.length == 3 ? parts[1] : null, parts[parts.length - 1], path);
    }

    /** The live-content keys among {@code keys} (hotness rankings hold assets too): what pre-warming fetches. */
    static List<String> liveOnly(List<String> keys) {
        return keys.stream().filter(k -> !k.startsWith(HOTNESS_PREFIX)).toList();
    }

    void handle(RoutingContext ctx) {
        Target t = parse(ctx.normalizedPath()); // thrown: the failure handler answers
        if (hotness != null && t.rendition() != null) {
            hotness.hit(HOTNESS_PREFIX + t.asset(), t.rendition(), ctx.request().getHeader(REGION_HEADER));
        }
        // manifest=false: the entry TTL bounds playlists too, whatever max-age the origin gives them
        fetcher.getRecorded(t.path(), false, t.entry() ? ENTRY_TTL : MEDIA_TTL, () -> origin(t.asset())).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause() instanceof StatusException s ? s : new StatusException(502, String.valueOf(ar.cause().getMessage())));
                return;
            }
            send(ctx, t, ar.result());
        });
    }

    private static void send(RoutingContext ctx, Target t, EdgeFetcher.Served served) {
        HttpServerResponse res = ctx.response();
        if (res.closed() || res.ended()) {
            return;
        }
        EdgeObject o = served.object();
        Buffer body = o.body();
        String cacheControl = o.status() == 200 && o.cacheControl() != null ? o.cacheControl() : "no-cache";
        String token = PlaybackAccess.query(ctx);
        // a playlist or MPD carries the viewer's issued sid (sessions) and token; the thumbnail map the token
        String carried = t.manifest() ? SessionUris.carried(ctx) : token;
        if (o.status() == 200 && t.entry() && !carried.isEmpty()) {
            // this viewer's copy: no shared cache keeps it
            cacheControl = cacheControl.replace("public", "private");
            body = t.manifest() ? EdgeManifests.withQuery(ctx.request(), o, carried)
                    : Buffer.buffer(body.toString(StandardCharsets.UTF_8).replace("sprite.jpg#", "sprite.jpg?" + token + "#"));
        } else if (o.status() == 200 && t.manifest()) {
            body = EdgeManifests.body(ctx.request(), res, o); // gzip when the viewer takes it
        }
        res.putHeader(X_CACHE, served.outcome().name()).putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
        if (o.status() == 200) {
            // downstream caches take max-age minus Age: a window's end stays where the origin put it
            res.putHeader(AGE, Long.toString((System.nanoTime() - o.fetchedAt()) / 1_000_000_000L));
        }
        if (o.contentType() != null) {
            res.putHeader(HttpHeaders.CONTENT_TYPE, o.contentType());
        }
        String range = ctx.request().getHeader("Range");
        if (o.status() != 200 || t.entry() || range == null) {
            res.setStatusCode(o.status()).end(body);
            return;
        }
        // the trick-play playlists address keyframes by byte range: cut from the whole object cached here
        Matcher m = RANGE.matcher(range.trim());
        if (!m.matches()) {
            res.setStatusCode(200).end(body); // suffix or several ranges: served whole, as the origin does
            return;
        }
        long size = body.length();
        long start = Long.parseLong(m.group(1));
        long end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
        if (start >= size || end < start) {
            res.putHeader("Content-Range", "bytes */" + size);
            ctx.fail(new StatusException(416, "range outside the file"));
            return;
        }
        res.setStatusCode(206).putHeader("Content-Range", "bytes " + start + "-" + end + "/" + size)
                .putHeader("Accept-Ranges", "bytes").end(body.slice((int) start, (int) end + 1));
    }

    /**
     * The sessions' question ({@link io.tributary.session.PlayableAssets}): the asset's video rungs when its
     * multivariant playlist is there (from the cache, else one collapsed fetch the viewer's own request then
     * finds cached), else null.
     */
    Future<List<String>> playableRungs(String asset) {
        if (!StreamKeys.valid(asset)) {
            return Future.succeededFuture();
        }
        String target = "/vod/" + asset + "/index.m3u8";
        return fetcher.getRecorded(target, false, ENTRY_TTL, () -> origin(asset)).map(s -> s.object().status() == 200
                ? EdgeRungs.parse(s.object().body().toString(StandardCharsets.UTF_8)) : null).otherwise(e -> null);
    }

    /** An origin of the cluster chosen by the asset id. */
    Future<String> origin(String asset) {
        List<String> origins = directory.nodes().stream().filter(a -> a.has(Role.ORIGIN) && a.httpUrl() != null)
                .map(NodeAdvert::httpUrl).sorted().toList();
        if (origins.isEmpty()) {
            return Future.failedFuture(new StatusException(502, "no origin in the cluster serves VOD"));
        }
        return Future.succeededFuture(origins.get(Math.floorMod(asset.hashCode(), origins.size())));
    }
}
