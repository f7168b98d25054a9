package io.tributary.session;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.cluster.SharedMaps;
import io.tributary.config.TributaryConfig;
import io.tributary.log.LogContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The player sessions this node serves and the QoE they report. Requests update sessions in
 * memory on the delivery event loops; every {@code sessions.flush-interval} a worker ends idle
 * sessions and writes the changed ones to the cluster map in one batch (never a map write per
 * request). QoE meters exist only for streams that exist here and for VOD assets found playable
 * (content key {@code vod:{asset}}); an asset's meters go once it has had no session for
 * {@code sessions.idle-timeout}, so the labels on {@code /metrics} are bounded by what is watched.
 */
public final class PlaybackSessions {

    private static final Logger LOG = Logger.getLogger(PlaybackSessions.class.getName());

    private final Vertx vertx;
    private final TributaryConfig config;
    private final StreamCatalog streams;
    private final MeterRegistry registry;
    private final IMap<String, HazelcastJsonValue> shared;
    private final String node;
    private final PlaybackEvents events;
    private final BeaconLimiter limiter;
    private final ConcurrentHashMap<String, PlaybackSession> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StreamQoe> qoe = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> beaconResults = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Counter cmcdMalformed;
    private final Counter unknownStream;
    private final Counter overLimit;
    private long flushTimer = -1;
    private volatile boolean flushing;

    public PlaybackSessions(Vertx vertx, TributaryConfig config, StreamCatalog streams, MeterRegistry registry,
                            IMap<String, HazelcastJsonValue> shared, String node) {
        this.vertx = vertx;
        this.config = config;
        this.streams = streams;
        this.registry = registry;
        this.shared = shared;
        this.node = node;
        this.events = new PlaybackEvents(vertx, config.kafka(), registry);
        this.limiter = new BeaconLimiter(config.qoe().beaconRate(), config.qoe().beaconBurst());
        this.cmcdMalformed = Counter.builder("tributary_cmcd_malformed_total")
                .description("requests whose CMCD was malformed (ignored)").register(registry);
        this.unknownStream = Counter.builder("tributary_qoe_unknown_stream_total")
                .description("QoE data (CMCD, beacons) naming a stream this node does not have: dropped").register(registry);
        this.overLimit = Counter.builder("tributary_playback_sessions_over_limit_total")
                .description("players served unattributed because sessions.max-per-node was reached").register(registry);
        Gauge.builder("tributary_playback_sessions", sessions, Map::size).description("player sessions on this node, all streams")
                .register(registry);
        if (!config.metrics().perStreamLabels()) {
            // the seed's scaling metric stays, as the node's total (its per-stream gauges are left out)
            Gauge.builder("active_stream_sessions", sessions, Map::size).description("player sessions on this node now")
                    .register(registry);
        }
    }

    /** The shared map of sessions, for a node that wires it. */
    public static IMap<String, HazelcastJsonValue> map(com.hazelcast.core.HazelcastInstance hz) {
        return hz.getMap(SharedMaps.SESSIONS);
    }

    public Future<Void> start() {
        return events.start().onSuccess(x -> {
            if (config.sessions().enabled()) {
                flushTimer = vertx.setPeriodic(config.sessions().flushInterval().toMillis(), id -> flush());
            }
        });
    }

    public Future<Void> close() {
        if (flushTimer >= 0) {
            vertx.cancelTimer(flushTimer);
        }
        return events.close();
    }

    public boolean enabled() {
        return config.sessions().enabled();
    }

    /**
     * Marks a request an edge makes to an origin for its cache: no viewer behind it, so the origin
     * starts no session, renders no sid and counts no QoE or hotness for it; the edge does, per viewer.
     */
    public static final String EDGE_FETCH_HEADER = "X-Tributary-Edge";

    /** The content key of a VOD asset in sessions, QoE labels, hotness and the routers' ring; no stream key has a ':'. */
    public static final String VOD_PREFIX = "vod:";

    public static String vodKey(String asset) {
        return VOD_PREFIX + asset;
    }

    /** Routes for one delivery (or edge) verticle: the session hook on /live/*, beacons, and the summary API. */
    public void mount(Router router) {
        if (enabled()) {
            router.route("/live/*").handler(new SessionRequests(this, null)::handle);
        }
        QoeBeacons beacons = new QoeBeacons(this);
        // a flooding address is refused before its body is read
        router.post("/api/v1/qoe").handler(beacons::limit);
        router.post("/api/v1/qoe").handler(BodyHandler.create(false).setBodyLimit(Beacon.MAX_BYTES))
                .handler(beacons::post).failureHandler(beacons::postFailure);
        router.route("/ws/qoe").handler(beacons::upgrade);
        router.get("/api/v1/sessions").handler(ctx -> ctx.json(summary()));
    }

    /** The session hook on {@code /vod/*}, before the routes that serve it; {@code assets} says which assets are playable. */
    public void mountVod(Router router, PlayableAssets assets) {
        if (enabled()) {
            router.route("/vod/*").handler(new SessionRequests(this, assets)::handle);
        }
    }

    // ---- shared with the request hook and the beacons ----

    TributaryConfig config() {
        return config;
    }

    PlaybackEvents events() {
        return events;
    }

    BeaconLimiter limiter() {
        return limiter;
    }

    /**
     * The stream's meters, or null when the stream does not exist here (no label for it then); an asset's
     * only while it has them (made by {@link #assetQoe} once found playable).
     */
    StreamQoe qoe(String key) {
        StreamQoe q = qoe.get(key);
        if (q != null) {
            return q;
        }
        if (key == null || !streams.exists(key)) {
            return null;
        }
        return qoe.computeIfAbsent(key, k -> new StreamQoe(k, registry));
    }

    /** An asset's meters, made when missing: call only for an asset found playable. */
    StreamQoe assetQoe(String key, List<String> rungs) {
        return qoe.computeIfAbsent(key, k -> new StreamQoe(k, rungs, registry));
    }

    void cmcdMalformed() {
        cmcdMalformed.increment();
        beaconResult("cmcd", "malformed");
    }

    /**
     * A beacon not bound to a session this node served (forged, or for another stream's session),
     * or past its session's rate: ignored, counted here only.
     */
    void beaconRejected(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("tributary_qoe_beacons_rejected_total")
                .description("QoE beacons ignored: no sid, a sid this node saw no media request for, a sid of another stream, or over the session's rate")
                .tag("reason", r).register(registry)).increment();
    }

    void unknownStream() {
        unknownStream.increment();
    }

    void beaconResult(String source, String result) {
        beaconResults.computeIfAbsent(source + "|" + result, k -> Counter.builder("tributary_qoe_beacons_total")
                .description("QoE reports by source (ws, http, cmcd) and result").tags("source", source, "result", result)
                .register(registry)).increment();
    }

    PlaybackSession session(String sid) {
        return sid == null ? null : sessions.get(sid);
    }

    static String newSid() {
        return UUID.randomUUID().toString();
    }

    /** Starts a session (or returns the one already under that sid); null when this node tracks its maximum. */
    PlaybackSession start(String sid, StreamQoe q, String region, String via) {
        PlaybackSession existing = sessions.get(sid);
        if (existing != null) {
            return existing;
        }
        if (sessions.size() >= config.sessions().maxPerNode()) {
            overLimit.increment();
            return null;
        }
        PlaybackSession s = new PlaybackSession(sid, q.stream, region, q, System.currentTimeMillis(), System.nanoTime());
        PlaybackSession raced = sessions.putIfAbsent(sid, s);
        if (raced != null) {
            return raced;
        }
        q.active.incrementAndGet();
        q.used(System.nanoTime());
        events.publish("session_start", sid, q.stream, new JsonObject().put("via", via).put("region", region));
        try (LogContext c = LogContext.stream(q.stream).session(sid)) {
            LOG.fine(() -> "player session started (" + via + ", region " + region + ")");
        }
        return s;
    }

    // ---- beacons ----

    /** Applies a validated beacon to the meters of its stream (which the caller found to exist). */
    void apply(Beacon b, StreamQoe q, String region) {
        PlaybackSession s = session(b.sid());
        if (s != null && !s.stream.equals(b.stream())) {
            s = null; // a sid of another stream: count for the named stream only
        }
        if (s != null) {
            s.beaconing();
            s.touch(System.currentTimeMillis(), System.nanoTime());
        }
        String sid = b.sid() == null ? "" : b.sid();
        for (Beacon.Event e : b.events()) {
            switch (e.type()) {
                case "startup" -> q.startup(e.seconds(), e.codec());
                case "rebuffer_start" -> {
                    q.rebuffer(region);
                    events.publish("rebuffer", sid, q.stream, new JsonObject().put("source", "beacon"));
                }
                case "rebuffer_end" -> {
                    q.rebufferEnded(region, e.seconds());
                    events.publish("rebuffer_end", sid, q.stream, new JsonObject().put("seconds", e.seconds()));
                }
                case "switch" -> {
                    // the node counts the switches it serves itself; a beacon counts only for players it does not serve
                    Boolean up = direction(q.stream, e.from(), e.to());
                    if (s == null && up != null) {
                        q.switched(up);
                    }
                    JsonObject f = new JsonObject().put("source", "beacon").put("from", e.from()).put("to", e.to());
                    if (up != null) {
                        f.put("direction", up ? "up" : "down");
                    }
                    if (!Double.isNaN(e.bitrate())) {
                        f.put("bitrate", (long) e.bitrate());
                    }
                    events.publish("switch", sid, q.stream, f);
                }
                case "error" -> {
                    String kind = e.kind() == null ? "other" : e.kind();
                    q.error(StreamQoe.ERROR_TYPES.contains(kind) ? kind : "other");
                    events.publish("error", sid, q.stream, new JsonObject().put("source", "beacon")
                            .put("kind", kind).put("fatal", e.fatal()));
                }
                case "latency" -> q.latency(e.seconds());
                case "heartbeat" -> {
                    if (!Double.isNaN(e.playingSeconds())) {
                        q.played(region, e.playingSeconds());
                    }
                    // CMCD bl is the better buffer figure; a heartbeat's counts when the player sends no CMCD
                    if (!Double.isNaN(e.buffer()) && (s == null || !s.sendsCmcdBuffer())) {
                        q.bufferLength(e.buffer());
                    }
                }
                default -> throw new IllegalStateException("unvalidated beacon event " + e.type());
            }
        }
    }

    /** True for a switch to a higher rung, false to a lower one, null when either rung is unknown. */
    Boolean direction(String key, String from, String to) {
        if (from == null || to == null) {
            return null;
        }
        StreamQoe q = qoe.get(key);
        List<String> rungs = q != null && !q.rungs.isEmpty() ? q.rungs : streams.videoRenditions(key); // highest first
        int a = rungs.indexOf(from);
        int b = rungs.indexOf(to);
        return a < 0 || b < 0 || a == b ? null : b < a;
    }

    // ---- flush ----

    private void flush() {
        if (flushing) {
            return;
        }
        flushing = true;
        vertx.executeBlocking(() -> {
            flushNow();
            return null;
        }, false).onComplete(ar -> {
            flushing = false;
            if (ar.failed()) {
                LOG.log(Level.WARNING, "session flush failed", ar.cause());
            }
        });
    }

    /** Ends idle sessions and writes the changed ones; runs on a worker. */
    void flushNow() {
        long now = System.nanoTime();
        long cutoff = now - config.sessions().idleTimeout().toNanos();
        Map<String, HazelcastJsonValue> changed = new HashMap<>();
        List<String> ended = new ArrayList<>();
        for (PlaybackSession s : sessions.values()) {
            if (s.idleSince(cutoff)) {
                if (sessions.remove(s.sid, s)) {
                    s.qoe.active.decrementAndGet();
                    ended.add(s.sid);
                    try (LogContext c = LogContext.stream(s.stream).session(s.sid)) {
                        LOG.fine(() -> "player session ended: idle");
                    }
                    events.publish("session_end", s.sid, s.stream, new JsonObject().put("reason", "idle")
                            .put("duration_seconds", (System.currentTimeMillis() - s.startedAt) / 1000.0)
                            .put("bytes", s.bytes()).put("switches", s.switches()));
                }
                continue;
            }
            JsonObject record = s.flushRecord(node);
            if (record != null) {
                changed.put(s.sid, new HazelcastJsonValue(record.encode()));
            }
        }
        // an asset's meters go when nobody watched it for the idle timeout: labels stay bounded by what is watched.
        // A request that took them just before still counts into the dropped ones; the next one makes them anew.
        for (StreamQoe q : qoe.values()) {
            if (q.stream.startsWith(VOD_PREFIX) && q.idleSince(cutoff) && qoe.remove(q.stream, q)) {
                q.removeMeters();
            }
        }
        limiter.sweep(now);
        if (!changed.isEmpty()) {
            shared.setAll(changed);
        }
        for (String sid : ended) {
            shared.delete(sid);
        }
    }

    // ---- streams and the summary ----

    /** A stream is gone from this node: its meters were dropped from the registry with it. */
    public void forgetStream(String key) {
        qoe.remove(key);
    }

    /** Sessions on this node now, all streams. */
    public int size() {
        return sessions.size();
    }

    /**
     * The ops summary: {@code {"sessions":N,"streams":[{"stream","sessions","startups","startup_seconds_avg",
     * "rebuffer_events","rebuffer_ratio","errors","switches","bytes","latency_seconds_avg"}]}} for every stream on
     * this node and every asset watched here lately ({@code vod:{asset}}), by key. Safe from any thread.
     */
    public JsonObject summary() {
        TreeMap<String, JsonObject> byKey = new TreeMap<>();
        for (String key : streams.keys()) {
            StreamQoe q = qoe.get(key);
            byKey.put(key, q == null ? StreamQoe.emptySummary(key) : q.summary());
        }
        for (StreamQoe q : qoe.values()) {
            if (q.stream.startsWith(VOD_PREFIX)) {
                byKey.put(q.stream, q.summary());
            }
        }
        return new JsonObject().put("sessions", sessions.size()).put("streams", new JsonArray(new ArrayList<>(byKey.values())));
    }
}
