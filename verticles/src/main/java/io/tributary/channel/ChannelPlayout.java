package io.tributary.channel;

import io.tributary.live.Publications;
import io.tributary.vod.ContentEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The node's FAST playout: one verticle hosting every channel ({@link ChannelFeed}s), all fed from
 * one periodic tick on its event loop. Channels come from PostgreSQL at start, on a change (the
 * event bus, so an edit on any node reaches every node at once) and every refresh interval. Each
 * channel publishes through the publication API like an ingest: in a cluster one origin claims it,
 * the others retry, so a channel moves to another node when its node leaves.
 */
final class ChannelPlayout extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(ChannelPlayout.class.getName());
    static final long TICK_MS = 100;
    /** Each channel is fed once per {@link #TICK_MS}, in one of this many slices spread over it. */
    static final int SLICES = 10;
    /** Assets whose indexes (inits, segment lists) stay loaded. */
    static final int ASSET_CACHE = 256;

    private final ChannelStore store;
    private final Publications publications;
    private final Function<String, Path> assetDir;
    private final ChannelSettings settings;
    private final ChannelMetrics metrics;
    private final WorkerExecutor readers;
    private final Map<String, ChannelFeed> feeds = new HashMap<>();
    private final Map<String, AssetMedia> assets = new LinkedHashMap<>(16, 0.75f, true);
    private long tick;
    /** The slice the next timer fires for; feeds take slices in turn as they are created. */
    private int slice;
    private int created;
    private long refresh;
    private MessageConsumer<String> changes;
    private MessageConsumer<JsonObject> deletions;

    ChannelPlayout(ChannelStore store, Publications publications, Function<String, Path> assetDir, ChannelSettings settings,
                   ChannelMetrics metrics, WorkerExecutor readers) {
        this.store = store;
        this.publications = publications;
        this.assetDir = assetDir;
        this.settings = settings;
        this.metrics = metrics;
        this.readers = readers;
    }

    @Override
    public Future<?> start() {
        tick = vertx.setPeriodic(TICK_MS / SLICES, t -> {
            long began = System.nanoTime();
            long now = System.currentTimeMillis();
            int k = slice;
            slice = (slice + 1) % SLICES;
            List<ChannelFeed> due = new ArrayList<>(feeds.size() / SLICES + 1);
            for (ChannelFeed f : feeds.values()) {
                if (f.slice == k) {
                    due.add(f);
                }
            }
            for (ChannelFeed f : due) {
                f.tick(now);
            }
            if (k == 0) {
                metrics.onAir(feeds.values().stream().filter(ChannelFeed::onAir).count());
            }
            metrics.slice.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
        });
        refresh = vertx.setPeriodic(settings.refresh().toMillis(), t -> reload(null));
        changes = vertx.eventBus().consumer(ChannelModule.CHANGED, m -> reload(m.body()));
        // a deleted asset or an edited window reaches the schedules at once (the programmes give way to the slate)
        deletions = vertx.eventBus().<JsonObject>consumer(ContentEvents.ADDRESS, m -> {
            String type = m.body().getString("type");
            if ("deleted".equals(type)) {
                synchronized (assets) {
                    assets.remove(m.body().getString("asset"));
                }
            }
            if ("deleted".equals(type) || "updated".equals(type)) {
                reload(null);
            }
        });
        return changes.completion().compose(x -> deletions.completion()).compose(x -> reload(null));
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(tick);
        vertx.cancelTimer(refresh);
        for (ChannelFeed f : feeds.values()) {
            f.stop();
        }
        feeds.clear();
        return changes.unregister().eventually(deletions::unregister);
    }

    Publications publications() {
        return publications;
    }

    void programmeStarted() {
        metrics.programmes.increment();
    }

    void skipped(boolean deleted) {
        (deleted ? metrics.skippedDeleted : metrics.skippedUnavailable).increment();
    }

    /** Blocking media reads, off the event loop. */
    <T> Future<T> read(Callable<T> work) {
        return readers.executeBlocking(work, false);
    }

    /** An asset's media index, cached (on a worker). */
    AssetMedia asset(String id, List<String> renditions) throws java.io.IOException {
        synchronized (assets) {
            AssetMedia m = assets.get(id);
            if (m != null && m.video.keySet().containsAll(renditions)) {
                return m;
            }
        }
        Path dir = assetDir.apply(id);
        boolean audio = java.nio.file.Files.isDirectory(dir.resolve("audio"));
        AssetMedia loaded = AssetMedia.load(id, dir, renditions, audio);
        synchronized (assets) {
            assets.put(id, loaded);
            if (assets.size() > ASSET_CACHE) {
                assets.remove(assets.keySet().iterator().next());
            }
        }
        return loaded;
    }

    /** Loads one channel ({@code id}) or all (null) and applies what changed. */
    private Future<Void> reload(String id) {
        Future<List<ChannelStore.Channel>> channels = id == null ? store.all()
                : store.get(id).map(c -> c.map(List::of).orElse(List.of()));
        return channels.compose(list -> {
            List<String> ids = new ArrayList<>();
            for (ChannelStore.Channel c : list) {
                ids.addAll(c.schedule().assets());
            }
            return store.listings(ids.stream().distinct().toList()).map(known -> {
                List<String> seen = new ArrayList<>();
                for (ChannelStore.Channel c : list) {
                    Map<String, Long> durations = new HashMap<>();
                    Map<String, ChannelStore.Listing> listed = new HashMap<>();
                    for (String a : c.schedule().assets()) {
                        ChannelStore.Listing l = known.get(a);
                        if (l != null) {
                            listed.put(a, l);
                            if (l.asset().durationMs() > 0) {
                                durations.put(a, l.asset().durationMs());
                            }
                        }
                    }
                    feeds.computeIfAbsent(c.id(), k -> new ChannelFeed(this, k, created++ % SLICES)).update(c.schedule(), c.renditions(), durations, listed);
                    seen.add(c.id());
                }
                // gone from the database: off the air
                for (String gone : new ArrayList<>(feeds.keySet())) {
                    if ((id == null || id.equals(gone)) && !seen.contains(gone)) {
                        feeds.remove(gone).stop();
                        LOG.info("channel " + gone + " deleted: off the air");
                    }
                }
                return (Void) null;
            });
        }).onFailure(e -> LOG.warning("channels not reloaded: " + e.getMessage()));
    }
}
