package io.tributary.edge;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.FirstInstance;
import io.tributary.config.StreamKeys;
import io.tributary.vod.ContentEvents;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.tributary.http.ConnectionGate;
import io.tributary.http.ConnectionLimits;
import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.tributary.hotness.HotnessSettings;
import io.tributary.hotness.ContentHotness;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.ops.VerticleScaler;
import io.tributary.session.PlaybackSessions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.Consumer;

/**
 * The edge role: a cache in front of the cluster's origins serving {@code /live} and {@code /dvr} for any stream
 * and {@code /vod} for any asset
 * on its own port, as the verticle set {@code edge}. An asset deleted or edited anywhere in the cluster
 * leaves its cache at once (the content events). It takes segment TTLs from hotness, counts
 * its requests there and pre-warms S1, and attributes its viewers to the sessions.
 */
public final class EdgeModule {

    private final VerticleScaler scaler;
    private final EdgeFetcher fetcher;
    private final EdgePrewarm prewarm;
    private final int port;
    private final io.tributary.ops.Retiring retiring;
    private final MessageConsumer<JsonObject> withdrawals;
    /**
     * How long an edge keeps nothing of an edited or deleted asset: longer than an origin's availability
     * cache (5 s) and an origin fetch in flight, so the old answer cannot come back into the cache.
     */
    static final long WITHDRAWAL_HOLD_NANOS = 30_000_000_000L;

    private EdgeModule(VerticleScaler scaler, EdgeFetcher fetcher, EdgePrewarm prewarm, int port, io.tributary.ops.Retiring retiring,
                       MessageConsumer<JsonObject> withdrawals) {
        this.withdrawals = withdrawals;
        this.scaler = scaler;
        this.fetcher = fetcher;
        this.prewarm = prewarm;
        this.port = port;
        this.retiring = retiring;
    }

    /**
     * Deploys {@code instances} edge verticles. {@code rungs}: the rendition orders the edge learns,
     * shared with the session catalogue; {@code streamGone}: told each key that leaves the registry.
     */
    public static Future<EdgeModule> start(Vertx vertx, EdgeSettings settings, HotnessSettings hotnessConfig,
                                           HazelcastStreamRegistry registry, MeterRegistry meters, ContentHotness hotness,
                                           PlaybackSessions sessions, EdgeRungs rungs, VerticleScaler scaler, int instances,
                                           TimelineEvents localStreams, Consumer<String> streamGone, ConnectionLimits limits,
                                           io.tributary.cluster.directory.NodeDirectory directory) {
        return start(vertx, settings, hotnessConfig, registry, meters, hotness, sessions, rungs, scaler, instances, localStreams,
                streamGone, limits, directory, io.tributary.ops.Retiring.never(settings.holdTimeout().toMillis() + 1000));
    }

    /** As above, taking part in the node's drain and graceful stop through {@code retiring}. */
    public static Future<EdgeModule> start(Vertx vertx, EdgeSettings settings, HotnessSettings hotnessConfig,
                                           HazelcastStreamRegistry registry, MeterRegistry meters, ContentHotness hotness,
                                           PlaybackSessions sessions, EdgeRungs rungs, VerticleScaler scaler, int instances,
                                           TimelineEvents localStreams, Consumer<String> streamGone, ConnectionLimits limits,
                                           io.tributary.cluster.directory.NodeDirectory directory, io.tributary.ops.Retiring retiring) {
        // the edge's verticles count each request into hotness themselves (region included): no fetcher counter
        EdgeFetcher fetcher = new EdgeFetcher(vertx, settings, registry, meters, k -> hotness.ttl(k.stream(), k.rendition()), null);
        registry.onRemoved(key -> {
            rungs.forget(key);
            streamGone.accept(key);
        });
        // an asset deleted or edited anywhere in the cluster (its availability window may have closed): its media,
        // cached for up to a day, goes now, not when its TTL ends
        MessageConsumer<JsonObject> withdrawals = vertx.eventBus().consumer(ContentEvents.ADDRESS, m -> {
            String type = m.body().getString("type");
            String asset = m.body().getString("asset");
            if (("updated".equals(type) || "deleted".equals(type)) && asset != null && StreamKeys.valid(asset)) {
                fetcher.cache().withdraw("/vod/" + asset + "/", WITHDRAWAL_HOLD_NANOS);
            }
        });
        ConnectionGate gate = new ConnectionGate(limits).register(meters, "edge");
        EdgeDvr dvr = new EdgeDvr(fetcher, directory);
        EdgeVod vod = new EdgeVod(fetcher, directory, hotness);
        FirstInstance<EdgeVerticle> verticles = new FirstInstance<>(() -> new EdgeVerticle(settings, fetcher, hotness, sessions,
                rungs, gate).withRecordings(dvr).withAssets(vod).retiring(retiring));
        return scaler.deploy("edge", verticles, instances).map(id -> {
            EdgePrewarm prewarm = new EdgePrewarm(vertx, fetcher, () -> EdgeVod.liveOnly(hotness.hottest()), hotnessConfig.prewarmRenditions());
            prewarm.start(hotnessConfig.mergeInterval().toMillis());
            if (localStreams != null) {
                // an origin on this node says when a segment completes: S1 segments are fetched then, not a round later
                TimelineEvents.Subscription completions = localStreams.subscribe("edge-prewarm", vertx.getOrCreateContext(),
                        TimelineEvents.DEFAULT_CAPACITY, e -> e instanceof TimelineEvent.SegmentCompleted, e -> {
                            if (e instanceof TimelineEvent.SegmentCompleted s) { // not Lagged, delivered whatever the filter
                                prewarm.segmentCompleted(s.stream(), s.rendition(), s.msn());
                            }
                        });
                prewarm.onStop(completions::close);
            }
            FunctionCounter.builder("tributary_edge_prewarmed_segments_total", prewarm, EdgePrewarm::warmed)
                    .description("segments this edge fetched for S1 content before any viewer asked").register(meters);
            return new EdgeModule(scaler, fetcher, prewarm, verticles.first().actualPort(), retiring, withdrawals);
        }).recover(e -> withdrawals.unregister().otherwiseEmpty().compose(x -> fetcher.close()).transform(x -> Future.failedFuture(e)));
    }

    /** The port the edge serves {@code /live} on. */
    public int port() {
        return port;
    }

    /** Viewer requests the edge's verticles are answering now (origin fetches among them). */
    public int inFlight() {
        return retiring.inFlight();
    }

    /** Stops pre-warming, the edge verticles and the fetcher's clients. */
    public Future<Void> close() {
        prewarm.stop();
        return withdrawals.unregister().otherwiseEmpty().compose(x -> scaler.undeploy("edge")).otherwiseEmpty().compose(x -> fetcher.close()).otherwiseEmpty().mapEmpty();
    }
}
