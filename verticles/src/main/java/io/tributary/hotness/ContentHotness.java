package io.tributary.hotness;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.StatusException;
import io.tributary.cluster.hotness.HotnessBoard;
import io.tributary.cluster.hotness.HotnessCounter;
import io.tributary.cluster.hotness.HotnessPolicy;
import io.tributary.cluster.hotness.HotnessScore;
import io.tributary.cluster.hotness.HotnessTiers;
import io.tributary.cluster.hotness.Tier;
import io.tributary.cluster.ring.ContentKey;
import io.tributary.session.QoeSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's part in content hotness: every content request bumps a local counter (a map
 * lookup and a LongAdder, on any event loop); every merge interval a worker folds the counts
 * into the cluster maps with entry processors, reads the scores back and ranks them into tiers.
 * Requests only read the last ranking, so a tier costs a hash lookup and never a cluster call.
 */
public final class ContentHotness {

    private static final Logger LOG = Logger.getLogger(ContentHotness.class.getName());
    /** Most entries {@code GET /api/v1/hotness?top=} lists. */
    public static final int MAX_TOP = 1000;

    private record Snapshot(HotnessTiers tiers, Map<String, Map<String, HotnessScore>> regions, long atMillis) {
    }

    private final Vertx vertx;
    private final HotnessSettings config;
    private final QoeSettings qoe;
    private final HotnessPolicy policy;
    private final HotnessCounter counter;
    private final HotnessBoard board;
    private final EnumMap<Tier, String> cacheControl = new EnumMap<>(Tier.class);
    private final AtomicBoolean merging = new AtomicBoolean();
    private volatile Snapshot snapshot;
    private long timer = -1;

    public ContentHotness(Vertx vertx, HotnessSettings config, QoeSettings qoe, HazelcastInstance hz,
                          MeterRegistry meters) {
        this.vertx = vertx;
        this.config = config;
        this.qoe = qoe;
        this.policy = config.policy();
        this.counter = new HotnessCounter(config.maxKeys());
        this.board = new HotnessBoard(hz, config.halfLife().toMillis());
        for (Tier t : Tier.values()) {
            cacheControl.put(t, "public, max-age=" + policy.ttl(t).toSeconds());
        }
        this.snapshot = new Snapshot(HotnessTiers.rank(Map.of(), 0, config.halfLife().toMillis()), Map.of(), 0);
        Gauge.builder("tributary_hotness_ranked_content", this, h -> h.snapshot.tiers().ranked().size())
                .description("content keys in the last hotness ranking (cluster-wide)").register(meters);
        FunctionCounter.builder("tributary_hotness_dropped_hits_total", counter, HotnessCounter::overflow)
                .description("requests not counted for hotness because the node's key limit was reached").register(meters);
    }

    public Future<Void> start() {
        timer = vertx.setPeriodic(config.mergeInterval().toMillis(), id -> merge());
        return Future.succeededFuture();
    }

    /** One content request for a rendition of {@code stream}, from {@code regionHeader} (X-Region, may be null). */
    public void hit(String stream, String rendition, String regionHeader) {
        counter.hit(HotnessBoard.regional(routingKey(stream, rendition), qoe.region(regionHeader)));
    }

    public static String routingKey(String stream, String rendition) {
        return new ContentKey(stream, rendition, "", "").routingKey();
    }

    public Tier tier(String stream, String rendition) {
        return snapshot.tiers().tier(routingKey(stream, rendition));
    }

    public Duration ttl(String stream, String rendition) {
        return policy.ttl(tier(stream, rendition));
    }

    /** The Cache-Control of a segment or part of this rendition, by its tier. */
    public String mediaCacheControl(String stream, String rendition) {
        return cacheControl.get(tier(stream, rendition));
    }

    /** Content keys (stream/rendition) in S1 now, hottest first. */
    public List<String> hottest() {
        return snapshot.tiers().keys(Tier.S1);
    }

    /** Counts since the last merge go to the cluster, then the ranking is rebuilt; one at a time. */
    public Future<Void> merge() {
        if (!merging.compareAndSet(false, true)) {
            return Future.succeededFuture();
        }
        return vertx.<Void>executeBlocking(() -> {
            long now = System.currentTimeMillis();
            board.merge(counter.drain(), now);
            snapshot = new Snapshot(HotnessTiers.rank(board.scores(), now, board.halfLifeMillis()),
                    board.regionalScores(), now);
            return null;
        }).onComplete(ar -> {
            merging.set(false);
            if (ar.failed()) {
                LOG.log(Level.WARNING, "hotness merge failed", ar.cause());
            }
        });
    }

    /** {@code GET /api/v1/hotness?top=N}. */
    public void mount(Router router) {
        router.get("/api/v1/hotness").handler(this::list);
    }

    private void list(RoutingContext ctx) {
        String topParam = ctx.request().getParam("top");
        int top = 20;
        if (topParam != null) {
            try {
                top = Integer.parseInt(topParam);
            } catch (NumberFormatException e) {
                top = -1;
            }
            if (top < 1 || top > MAX_TOP) {
                throw StatusException.badRequest("top must be an integer from 1 to " + MAX_TOP);
            }
        }
        ctx.json(json(top));
    }

    JsonObject json(int top) {
        Snapshot s = snapshot;
        long halfLife = config.halfLife().toMillis();
        JsonArray content = new JsonArray();
        List<HotnessTiers.Ranked> ranked = s.tiers().ranked();
        for (HotnessTiers.Ranked r : ranked.subList(0, Math.min(top, ranked.size()))) {
            JsonObject regions = new JsonObject();
            s.regions().getOrDefault(r.key(), Map.of()).forEach((region, score) ->
                    regions.put(region, round(score.decayedTo(s.atMillis(), halfLife))));
            int slash = r.key().indexOf('/');
            content.add(new JsonObject()
                    .put("key", r.key())
                    .put("stream", slash < 0 ? r.key() : r.key().substring(0, slash))
                    .put("rendition", slash < 0 ? null : r.key().substring(slash + 1))
                    .put("score", round(r.score()))
                    .put("requestsPerSecond", round(r.score() * Math.log(2) / (halfLife / 1000.0)))
                    .put("tier", r.tier().name())
                    .put("ttlSeconds", policy.ttl(r.tier()).toSeconds())
                    .put("regions", regions));
        }
        return new JsonObject()
                .put("updatedAt", s.atMillis())
                .put("halfLifeSeconds", config.halfLife().toMillis() / 1000.0)
                .put("ranked", ranked.size())
                .put("content", content);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    public Future<Void> close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return Future.succeededFuture();
    }
}
