package io.tributary.channel;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.live.Publications;
import io.tributary.vod.VodModule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;

import java.util.function.Predicate;

/**
 * FAST channels: the channel API over the VOD catalog's PostgreSQL, and (on an origin) the playout
 * verticle that airs every channel as a live stream at {@code /live/{id}/}.
 */
public final class ChannelModule {

    /** Published (cluster-wide) with a channel id whenever a channel is created, edited or deleted. */
    static final String CHANGED = "tributary.channels.changed";

    private final Vertx vertx;
    private final ChannelSettings settings;
    private final VodModule vod;
    private final ChannelStore store;
    private final ChannelMetrics metrics;
    private WorkerExecutor readers;
    private String playout;

    public ChannelModule(Vertx vertx, ChannelSettings settings, VodModule vod, MeterRegistry registry) {
        this.vertx = vertx;
        this.settings = settings;
        this.vod = vod;
        this.store = new ChannelStore(vod.pool());
        this.metrics = new ChannelMetrics(registry);
    }

    /** The channel API; {@code keyAllowed}: whether an id may publish as a stream key here. */
    public void mount(Router router, Predicate<String> keyAllowed) {
        new ChannelApi(vertx, settings, store, keyAllowed).mount(router);
    }

    /** {@code GET /api/v1/channels}'s answer, for the other door (gRPC). */
    public Future<io.vertx.core.json.JsonObject> channels() {
        return api().list();
    }

    /** {@code GET /api/v1/channels/{id}/schedule}'s answer; {@code from} (ISO 8601) and {@code hours} null: now, 24. */
    public Future<io.vertx.core.json.JsonObject> schedule(String id, String from, String hours) {
        return api().schedule(id, from, hours);
    }

    private ChannelApi api() {
        return new ChannelApi(vertx, settings, store, id -> false); // reads only: no key is asked about
    }

    /** Deploys the playout: every channel publishes through {@code publications}. */
    public Future<Void> startPlayout(Publications publications) {
        readers = vertx.createSharedWorkerExecutor("tributary-playout", 4);
        return vertx.deployVerticle(new ChannelPlayout(store, publications, vod::published, settings, metrics, readers))
                .map(id -> {
                    playout = id;
                    return null;
                });
    }

    public Future<Void> close() {
        Future<Void> undeployed = playout == null ? Future.succeededFuture() : vertx.undeploy(playout).otherwiseEmpty();
        return undeployed.eventually(() -> readers == null ? Future.succeededFuture() : readers.close());
    }
}
