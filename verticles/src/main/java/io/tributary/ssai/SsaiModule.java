package io.tributary.ssai;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.StatusException;
import io.tributary.live.LiveStreams;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.session.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Server-side ad insertion on the node: the break registry fed by the streams' cues, the
 * per-session playlists the live HLS delivery splices with ({@link SessionPlaylists}), and the
 * routes: {@code POST /api/v1/streams/{key}/breaks} (an operator's break, onto the cue path),
 * {@code GET /api/v1/streams/{key}/breaks}, the session's ad segments
 * {@code /ads/{session}/{break}/{ad}/{rendition}/{file}} (the creative's VOD files; requesting them
 * is what sends the VAST beacons), for HLS Interstitials {@code /ads/{session}/{break}/assets.json}, and
 * for edges {@code /ads/{session}/{break}/pod.json?stream=...}: the session's pod as media lists per rendition,
 * which an edge splices into the shared playlist it caches.
 */
public final class SsaiModule {

    private static final String BEACONS_MAP = "tributary.ssai.beacons-override";
    /**
     * On an ad segment request: an edge served this session the segment from its shared cache and
     * reports it, so the beacons it earns are sent; answered 204 without the file.
     */
    public static final String EDGE_SERVED_HEADER = "X-Tributary-Ad-Served";
    private static final Pattern BREAK = Pattern.compile("[A-Za-z0-9._-]{1,96}");
    private static final Pattern RENDITION = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern FILE = Pattern.compile("init\\.mp4|seg_\\d{1,9}\\.m4s");

    private final Vertx vertx;
    private final LiveStreams streams;
    private final SessionPlaylists playlists;
    private final BreakMetrics metrics;
    private final AdEvents events;
    private final AdSegmentCatalog catalog;
    private final BreakRegistry registry;
    private final TimelineEvents.Subscription subscription;
    private final long sweep;

    private SsaiModule(Vertx vertx, SsaiSettings settings, LiveStreams streams, Path dataDir, MeterRegistry registry,
                       KafkaSettings kafka) {
        this.vertx = vertx;
        this.streams = streams;
        this.events = new AdEvents(vertx, kafka, registry);
        this.metrics = new BreakMetrics(events, registry);
        this.catalog = new AdSegmentCatalog(vertx, dataDir);
        this.playlists = new SessionPlaylists(vertx, settings, catalog, metrics, key -> AdLadders.of(streams.get(key)));
        this.registry = new BreakRegistry(metrics);
        DecisionsAhead ahead = new DecisionsAhead(vertx, playlists);
        // cues, announced breaks and removals only: the media events never queue here
        this.subscription = streams.events().subscribe("ssai", vertx.getOrCreateContext(), TimelineEvents.DEFAULT_CAPACITY,
                e -> e instanceof TimelineEvent.Cue || e instanceof TimelineEvent.BreakAhead || e instanceof TimelineEvent.StreamRemoved, event -> {
            this.registry.on(event);
            ahead.on(event);
        });
        this.sweep = vertx.setPeriodic(30_000, t -> playlists.sweep(System.currentTimeMillis()));
    }

    /**
     * Starts SSAI for the node (its playlists used by every delivery verticle); null when {@code ssai.enabled} is false.
     * Ad events go to Kafka once its producer is up (with {@code kafka.bootstrap} set), to the event bus from the start.
     */
    public static SsaiModule start(Vertx vertx, SsaiSettings settings, LiveStreams streams, Path dataDir, MeterRegistry registry,
                                   KafkaSettings kafka) {
        if (!settings.enabled()) {
            return null;
        }
        SsaiModule m = new SsaiModule(vertx, settings, streams, dataDir, registry, kafka);
        SessionPlaylists.install(vertx, m.playlists);
        m.events.start();
        return m;
    }

    public Future<Void> close() {
        subscription.close();
        vertx.cancelTimer(sweep);
        return events.close();
    }

    /** A beacon sender for the ad segment routes in place of the ad-decision module's (a test's recorder). */
    public static void useBeacons(Vertx vertx, AdBeacons beacons) {
        vertx.sharedData().<String, Holder>getLocalMap(BEACONS_MAP).put("beacons", new Holder(beacons));
    }

    private record Holder(AdBeacons beacons) implements Shareable {
    }

    private AdBeacons beacons() {
        Holder h = vertx.sharedData().<String, Holder>getLocalMap(BEACONS_MAP).get("beacons");
        return h != null ? h.beacons() : HttpAdBeacons.of(vertx); // a test's, else the ad-decision module's
    }

    /** Routes on every delivery verticle's router (node routes). */
    public void mount(Router router) {
        router.post("/api/v1/streams/:key/breaks").handler(BodyHandler.create().setBodyLimit(4096)).handler(this::postBreak);
        router.get("/api/v1/streams/:key/breaks").handler(this::listBreaks);
        router.get("/ads/:session/:break/assets.json").handler(this::assetList);
        router.get("/ads/:session/:break/pod.json").handler(this::podForEdge);
        router.get("/ads/:session/:break/:ad/:rendition/:file").handler(this::adObject);
    }

    private void postBreak(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw StatusException.badRequest("body must be a JSON object like {\"duration\":30}");
        }
        if (body == null || !(body.getValue("duration") instanceof Number n) || !(n.doubleValue() > 0 && n.doubleValue() <= 86_400)) {
            throw StatusException.badRequest("duration must be a number of seconds above 0 and at most 86400");
        }
        Object idValue = body.getValue("id", "");
        if (!(idValue instanceof String id) || id.length() > 64) {
            throw StatusException.badRequest("id must be a string of at most 64 characters");
        }
        String key = ctx.pathParam("key");
        double duration = n.doubleValue();
        streams.cue(key, true, duration, id).onSuccess(x -> ctx.response().setStatusCode(202)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("stream", key).put("type", "out").put("duration", duration).put("id", id).encode()))
                .onFailure(ctx::fail);
    }

    private void listBreaks(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        for (BreakRegistry.Break b : registry.of(ctx.pathParam("key"))) {
            out.add(new JsonObject().put("id", b.id()).put("duration", b.duration()).put("announcedAt", b.announcedAt())
                    .put("scte35", b.scte35()).put("ended", b.ended()));
        }
        ctx.json(out);
    }

    private SessionPod pod(RoutingContext ctx) {
        String session = ctx.pathParam("session");
        String breakId = ctx.pathParam("break");
        if (!SessionPlaylists.SESSION.matcher(session).matches() || !BREAK.matcher(breakId).matches()) {
            throw StatusException.notFound("no such ad object");
        }
        SessionPods pods = playlists.session(session);
        SessionPod pod = pods == null ? null : pods.find(breakId);
        if (pod == null) {
            throw StatusException.notFound("session " + session + " has no pod for break " + breakId);
        }
        pods.lastSeen = System.currentTimeMillis();
        return pod;
    }

    /** The pod as an HLS Interstitials asset list: the session's decision (asked for now if not yet). */
    private void assetList(RoutingContext ctx) {
        String session = ctx.pathParam("session");
        String breakId = ctx.pathParam("break");
        SessionPods pods = playlists.session(session);
        if (pods == null || !SessionPlaylists.SESSION.matcher(session).matches() || !BREAK.matcher(breakId).matches()) {
            throw StatusException.notFound("no such session");
        }
        var stream = streams.get(pods.stream);
        SessionPod pod = pods.find(breakId);
        if (pod == null && stream != null) {
            for (var c : SessionPlaylists.breaks(stream)) {
                if (c.rangeId().equals(breakId)) {
                    pod = playlists.pod(pods, pods.stream, breakId, c.date(), Math.round(c.duration() * 1000), 0);
                }
            }
        }
        if (pod == null) {
            throw StatusException.notFound("session " + session + " has no break " + breakId);
        }
        pod.decision.onComplete(ar -> {
            JsonArray assets = new JsonArray();
            if (ar.succeeded()) {
                for (AdPod.Ad ad : ar.result().ads()) {
                    assets.add(new JsonObject().put("URI", "/vod/" + ad.assetId() + "/index.m3u8").put("DURATION", ad.durationMs() / 1000.0));
                }
            }
            if (!ctx.response().ended()) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader(HttpHeaders.CACHE_CONTROL, "private, no-store")
                        .end(new JsonObject().put("ASSETS", assets).encode());
            }
        });
    }

    /**
     * The session's pod for an edge: the decision (asked for now if not yet, as for a playlist here) and,
     * for each rendition of the stream, the ads' nearest rendition with its files and durations, so the
     * edge builds the same splice and ad URIs this node would. Failed or empty decisions answer no ads.
     */
    private void podForEdge(RoutingContext ctx) {
        String session = ctx.pathParam("session");
        String breakId = ctx.pathParam("break");
        String key = ctx.request().getParam("stream");
        if (!SessionPlaylists.SESSION.matcher(session).matches() || !BREAK.matcher(breakId).matches()) {
            throw StatusException.notFound("no such session or break");
        }
        if (key == null || key.isEmpty()) {
            throw StatusException.badRequest("the stream query parameter is required");
        }
        io.tributary.live.LiveStream stream = streams.get(key);
        if (stream == null) {
            throw StatusException.notFound("stream '" + key + "' is not live on this node");
        }
        if (!playlists.fills(key) || playlists.settings().mode() != SsaiSettings.Mode.STITCH) {
            throw StatusException.notFound("stream '" + key + "' has no stitched ads");
        }
        SessionPods pods = playlists.sessionFor(session, key);
        if (pods == null) {
            throw StatusException.notFound("session " + session + " watches another stream");
        }
        pods.lastSeen = System.currentTimeMillis();
        SessionPod pod = pods.find(breakId);
        if (pod == null) {
            for (var c : SessionPlaylists.breaks(stream)) {
                if (c.rangeId().equals(breakId)) {
                    pod = playlists.pod(pods, key, breakId, c.date(), Math.round(c.duration() * 1000), 0);
                }
            }
        }
        if (pod == null) {
            throw StatusException.notFound("stream '" + key + "' has no break " + breakId);
        }
        SessionPod found = pod;
        found.decision.transform(ar -> ar.succeeded() ? edgeRuns(stream, ar.result()) : Future.succeededFuture(new JsonObject()))
                .onComplete(ar -> {
                    JsonObject body = new JsonObject().put("stream", key).put("break", breakId)
                            .put("startDate", found.startDate).put("durationMs", found.breakMs)
                            .put("ads", ar.succeeded() ? ar.result().getJsonArray("ads", new JsonArray()) : new JsonArray())
                            .put("renditions", ar.succeeded() ? ar.result().getJsonObject("renditions", new JsonObject()) : new JsonObject());
                    if (!ctx.response().ended()) {
                        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                                .putHeader(HttpHeaders.CACHE_CONTROL, "private, no-store").end(body.encode());
                    }
                });
    }

    /** {ads: [{asset}], renditions: {name: [{ad, rendition, files, durations}]}}: each ad's same-name, else nearest, rendition. */
    private Future<JsonObject> edgeRuns(io.tributary.live.LiveStream stream, AdPod pod) {
        List<Future<AdSegmentCatalog.Asset>> assets = new java.util.ArrayList<>();
        for (AdPod.Ad ad : pod.ads()) {
            assets.add(catalog.asset(ad.assetId()));
        }
        return Future.join(assets).transform(x -> {
            JsonArray ads = new JsonArray();
            for (AdPod.Ad ad : pod.ads()) {
                ads.add(new JsonObject().put("asset", ad.assetId()));
            }
            JsonObject renditions = new JsonObject();
            for (String name : stream.renditions()) {
                boolean audio = name.equals(io.tributary.live.LiveStream.AUDIO);
                var video = audio ? null : stream.videoConfig(name);
                int height = video == null ? 0 : video.height();
                JsonArray runs = new JsonArray();
                for (int i = 0; i < assets.size(); i++) {
                    Future<AdSegmentCatalog.Asset> f = assets.get(i);
                    AdSegmentCatalog.Rendition r = f.succeeded() ? f.result().pick(name, audio, height) : null;
                    if (r != null && !r.files().isEmpty()) {
                        runs.add(new JsonObject().put("ad", i).put("rendition", r.name())
                                .put("files", new JsonArray(r.files())).put("durations", new JsonArray(r.durations())));
                    }
                }
                renditions.put(name, runs);
            }
            return Future.succeededFuture(new JsonObject().put("ads", ads).put("renditions", renditions));
        });
    }

    /** An ad's init or segment for a session: the creative's VOD file; a segment request earns its beacons. */
    private void adObject(RoutingContext ctx) {
        SessionPod pod = pod(ctx);
        String rendition = ctx.pathParam("rendition");
        String file = ctx.pathParam("file");
        int index;
        try {
            index = Integer.parseInt(ctx.pathParam("ad"));
        } catch (NumberFormatException e) {
            throw StatusException.notFound("no such ad object");
        }
        if (!RENDITION.matcher(rendition).matches() || !FILE.matcher(file).matches()
                || !pod.decision.succeeded() || index < 0 || index >= pod.decision.result().ads().size()) {
            throw StatusException.notFound("no such ad object");
        }
        AdPod.Ad ad = pod.decision.result().ads().get(index);
        catalog.asset(ad.assetId()).onComplete(ar -> {
            AdSegmentCatalog.Rendition r = ar.succeeded() ? ar.result().named(rendition) : null;
            int segment = file.equals("init.mp4") ? -1 : r == null ? -2 : r.files().indexOf(file);
            if (r == null || segment == -2) {
                metrics.error(pod.session, pod.stream, pod.breakId, "creative " + ad.creativeId() + " has no " + rendition + "/" + file);
                send(pod, ad, List.copyOf(ad.errorUrls()), "error:401"); // VAST 401: media file not found
                ctx.fail(StatusException.notFound("no such ad object"));
                return;
            }
            if (ctx.request().getHeader(EDGE_SERVED_HEADER) != null) {
                // an edge sent the viewer its shared copy: the request earns what the file would have
                if (segment >= 0 && !r.audio()) {
                    earned(pod, index, ad, r, segment);
                }
                ctx.response().setStatusCode(204).end();
                return;
            }
            Path p = catalog.file(ad.assetId(), rendition, file);
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, r.audio() ? "audio/mp4" : "video/mp4")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=86400");
            ctx.response().sendFile(p.toString()).onSuccess(v -> {
                if (segment >= 0 && !r.audio()) {
                    earned(pod, index, ad, r, segment);
                }
            }).onFailure(e -> {
                metrics.error(pod.session, pod.stream, pod.breakId, "creative file " + rendition + "/" + file + " is unreadable");
                send(pod, ad, List.copyOf(ad.errorUrls()), "error:401"); // VAST 401: media file not found
                if (!ctx.response().headWritten()) {
                    ctx.fail(StatusException.notFound("no such ad object"));
                }
            });
        });
    }

    /** The beacons a video segment request earns, sent in order after the pod's earlier ones. */
    private void earned(SessionPod pod, int index, AdPod.Ad ad, AdSegmentCatalog.Rendition r, int segment) {
        double start = 0;
        double total = 0;
        for (int i = 0; i < r.durations().size(); i++) {
            if (i < segment) {
                start += r.durations().get(i);
            }
            total += r.durations().get(i);
        }
        for (String event : pod.progress(index).reached(start, total, segment == r.files().size() - 1)) {
            send(pod, ad, ad.tracking().getOrDefault(event, List.of()), event);
        }
    }

    private void send(SessionPod pod, AdPod.Ad ad, List<String> urls, String event) {
        AdBeacons beacons = beacons();
        pod.inOrder(() -> {
            if (beacons == null) {
                return Future.failedFuture("no beacon sender on this node");
            }
            return urls.isEmpty() ? Future.succeededFuture() : beacons.send(urls, event, ad, pod.session);
        }).onComplete(ar -> metrics.beacon(pod.session, pod.stream, pod.breakId, ad, event, ar.succeeded()));
    }
}
