package io.tributary.ssai;

import io.tributary.StatusException;
import io.tributary.media.vast.VastAd;
import io.tributary.media.vast.VastDocument;
import io.tributary.media.vast.VastLinear;
import io.tributary.media.vast.VastMediaFile;
import io.tributary.media.vast.VastWriter;
import io.tributary.vod.SourceAssets;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The node's own ad server, a real VAST endpoint any player or SSAI service can call:
 * {@code GET /ads/vast?duration=&session=&stream=} answers VAST 4.1 with a pod from the ad pool
 * (the catalog's ready assets tagged {@code ad}), rotating through it and capping how often one
 * session gets one ad; each ad's media file is its {@code /vod} HLS playlist and its tracking URLs
 * point at {@code GET /ads/track}, which counts them. Both are public player routes.
 */
final class AdServer {

    static final String POOL_TAG = SourceAssets.AD_TAG;
    static final int MAX_POOL = 200;
    static final long POOL_REFRESH_MS = 5000;
    static final long MAX_DURATION_MS = 3_600_000;
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._~-]{1,128}");
    private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9._~-]{1,128}");
    private static final Pattern ASSET = Pattern.compile("a[0-9a-f]{16}");
    private static final Pattern HEIGHT = Pattern.compile("(\\d{3,4})p");

    private final SourceAssets assets;
    private final FrequencyCaps caps;
    private final AdMetrics metrics;
    private final AtomicLong rotation = new AtomicLong();
    private volatile Pool pool = new Pool(List.of(), 0);
    private volatile Future<Pool> refreshing;

    private record Pool(List<SourceAssets.Asset> ads, long atMs) {
    }

    AdServer(SourceAssets assets, AdDecisionSettings settings, AdMetrics metrics) {
        this.assets = assets;
        this.caps = new FrequencyCaps(settings.frequencyCap(), settings.frequencyWindow().toMillis());
        this.metrics = metrics;
    }

    void mount(Router router) {
        router.get("/ads/vast").handler(this::vast);
        router.get("/ads/track").handler(this::track);
    }

    private void vast(RoutingContext ctx) {
        String rawDuration = ctx.queryParams().get("duration");
        long durationMs = seconds(rawDuration);
        if (durationMs <= 0 || durationMs > MAX_DURATION_MS) {
            throw StatusException.badRequest("duration: the break's length in seconds, above 0 and at most " + MAX_DURATION_MS / 1000);
        }
        String session = param(ctx, "session", SESSION);
        param(ctx, "stream", STREAM); // checked: it names the context, the pool is the same for every stream
        String base = base(ctx);
        pool().onSuccess(p -> {
            VastDocument doc = pod(p.ads(), durationMs, session, base);
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/xml; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                    .putHeader("Access-Control-Allow-Origin", "*")
                    .end(VastWriter.write(doc));
        }).onFailure(ctx::fail);
    }

    /** The pool as of at most {@link #POOL_REFRESH_MS} ago (one catalog query at a time). */
    private Future<Pool> pool() {
        Pool p = pool;
        // an empty pool is asked again sooner: the first ads tagged are seen within a second
        if (System.currentTimeMillis() - p.atMs() < (p.ads().isEmpty() ? 1000 : POOL_REFRESH_MS)) {
            return Future.succeededFuture(p);
        }
        Future<Pool> r = refreshing;
        if (r != null) {
            return p.atMs() > 0 ? Future.succeededFuture(p) : r;
        }
        synchronized (this) {
            if (refreshing == null) {
                refreshing = assets.ready(POOL_TAG, MAX_POOL).map(ads -> {
                    Pool fresh = new Pool(ads, System.currentTimeMillis());
                    pool = fresh;
                    return fresh;
                }).onComplete(x -> refreshing = null);
            }
            return refreshing;
        }
    }

    /** Drops the cached pool (a test or an edit that must be seen at once). */
    void refresh() {
        pool = new Pool(List.of(), 0);
    }

    /** Rotation from the next start in the pool; an ad over the session's cap or longer than what is left is passed over. */
    VastDocument pod(List<SourceAssets.Asset> ads, long durationMs, String session, String base) {
        List<VastAd> out = new ArrayList<>();
        if (ads.isEmpty()) {
            return new VastDocument("4.1", List.of(), List.of());
        }
        long now = System.currentTimeMillis();
        int start = (int) Math.floorMod(rotation.getAndIncrement(), (long) ads.size());
        long left = durationMs;
        for (int i = 0; i < ads.size() && left > 0; i++) {
            SourceAssets.Asset a = ads.get((start + i) % ads.size());
            if (a.durationMs() > left || !caps.allowed(session, a.id(), now)) {
                continue;
            }
            left -= a.durationMs();
            caps.served(session, a.id(), now);
            out.add(ad(a, out.size() + 1, session, base));
        }
        return new VastDocument("4.1", out, List.of());
    }

    private static VastAd ad(SourceAssets.Asset a, int sequence, String session, String base) {
        String track = base + "/ads/track?ad=" + a.id() + (session.isEmpty() ? "" : "&session=" + enc(session)) + "&e=";
        Map<String, List<String>> tracking = new LinkedHashMap<>();
        for (String e : List.of("start", "firstQuartile", "midpoint", "thirdQuartile", "complete")) {
            tracking.put(e, List.of(track + e));
        }
        int height = a.renditions().isEmpty() ? 0 : height(a.renditions().get(0));
        VastMediaFile media = new VastMediaFile(base + "/vod/" + a.id() + "/index.m3u8", "application/x-mpegURL", "streaming",
                height * 16 / 9, height, 0);
        VastLinear linear = new VastLinear(a.id(), a.durationMs(), List.of(media), tracking);
        return new VastAd(a.id(), sequence, false, AdDecisionVerticle.BUILT_IN_AD_SYSTEM, "", List.of(track + "impression"),
                List.of(track + "error&code=[ERRORCODE]"), List.of(linear));
    }

    private static int height(String rendition) {
        var m = HEIGHT.matcher(rendition);
        return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    private void track(RoutingContext ctx) {
        String event = ctx.queryParams().get("e");
        String ad = ctx.queryParams().get("ad");
        if (event == null || event.isEmpty() || event.length() > 40 || ad == null || !ASSET.matcher(ad).matches()) {
            throw StatusException.badRequest("e: the event and ad: the ad's id are required");
        }
        metrics.tracked(event);
        ctx.response().setStatusCode(204).putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader("Access-Control-Allow-Origin", "*").end();
    }

    private static String param(RoutingContext ctx, String name, Pattern pattern) {
        String v = ctx.queryParams().get(name);
        if (v == null || v.isEmpty()) {
            return "";
        }
        if (!pattern.matcher(v).matches()) {
            throw StatusException.badRequest(name + ": 1 to 128 letters, digits, . _ ~ -");
        }
        return v;
    }

    /** Seconds (decimals allowed) in milliseconds; -1 when absent or not a number. */
    static long seconds(String raw) {
        if (raw == null || !raw.matches("\\d{1,7}(\\.\\d{1,3})?")) {
            return -1;
        }
        return Math.round(Double.parseDouble(raw) * 1000);
    }

    /** The scheme and authority the caller reached this node at: its tracking URLs come back the same way. */
    private static String base(RoutingContext ctx) {
        String host = ctx.request().authority() == null ? "127.0.0.1" : ctx.request().authority().toString();
        if (!host.matches("[A-Za-z0-9.:\\[\\]-]{1,260}")) {
            throw StatusException.badRequest("Host: not a host name");
        }
        return ctx.request().scheme() + "://" + host;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
