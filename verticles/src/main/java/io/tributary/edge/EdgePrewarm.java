package io.tributary.edge;

import io.tributary.cluster.ring.ContentKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps the edge ahead of its hottest content: every interval, for at most {@code max} of the
 * S1 renditions, the media playlist and its newest complete segment are fetched through the
 * edge's own {@link EdgeFetcher} (cache and collapser), so the first viewers after a segment
 * completes hit the cache, and a fetch viewers already caused is joined, never repeated. A
 * round that is still running skips the next tick.
 */
public final class EdgePrewarm {

    private static final Logger LOG = Logger.getLogger(EdgePrewarm.class.getName());

    private final Vertx vertx;
    private final EdgeFetcher fetcher;
    private final Supplier<List<String>> hottest;
    private final int max;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger warmed = new AtomicInteger();
    private long timer = -1;
    private Runnable onStop = () -> { };

    /**
     * @param hottest the S1 content keys ({@code stream/rendition}), hottest first
     * @param max     renditions warmed per round
     */
    public EdgePrewarm(Vertx vertx, EdgeFetcher fetcher, Supplier<List<String>> hottest, int max) {
        this.vertx = vertx;
        this.fetcher = fetcher;
        this.hottest = hottest;
        this.max = max;
    }

    public void start(long intervalMillis) {
        timer = vertx.setPeriodic(intervalMillis, id -> round());
    }

    /** Warms the current S1 renditions once; completes when every fetch has settled. */
    public Future<Void> round() {
        if (max == 0 || running.get() > 0) {
            return Future.succeededFuture();
        }
        List<String> keys = hottest.get();
        List<Future<Void>> fetches = new java.util.ArrayList<>();
        for (String k : keys.subList(0, Math.min(max, keys.size()))) {
            int slash = k.indexOf('/');
            if (slash > 0) {
                running.incrementAndGet();
                fetches.add(warm(k.substring(0, slash), k.substring(slash + 1)).eventually(() -> {
                    running.decrementAndGet();
                    return Future.succeededFuture();
                }));
            }
        }
        return Future.join(fetches).mapEmpty();
    }

    /**
     * A segment just completed on this node's own origin: an S1 rendition's is fetched now, not at
     * the next round, so the first viewers to ask for it already hit the cache.
     */
    public void segmentCompleted(String stream, String rendition, long msn) {
        if (max == 0) {
            return;
        }
        List<String> hot = hottest.get();
        int rank = hot.indexOf(stream + "/" + rendition);
        if (rank < 0 || rank >= max) {
            return;
        }
        fetcher.get(new ContentKey(stream, rendition, "seg-" + msn + ".m4s", "")).onSuccess(s -> {
            if (s.outcome() == EdgeFetcher.Outcome.MISS) {
                warmed.incrementAndGet();
            }
        }).onFailure(e -> LOG.fine(() -> "pre-warming " + stream + "/" + rendition + " " + msn + " failed: " + e.getMessage()));
    }

    private Future<Void> warm(String stream, String rendition) {
        ContentKey playlist = new ContentKey(stream, rendition, "index.m3u8", "");
        return fetcher.get(playlist).compose(p -> {
            if (p.object().status() != 200) {
                return Future.succeededFuture();
            }
            String newest = newestSegment(p.object().body().toString(StandardCharsets.UTF_8));
            if (newest == null) {
                return Future.succeededFuture();
            }
            return fetcher.get(new ContentKey(stream, rendition, newest, "")).map(s -> {
                if (s.outcome() == EdgeFetcher.Outcome.MISS) {
                    warmed.incrementAndGet();
                }
                return (Void) null;
            });
        }).recover(e -> {
            LOG.fine(() -> "pre-warming " + stream + "/" + rendition + " failed: " + e.getMessage());
            return Future.succeededFuture();
        });
    }

    /** The URI of the last complete segment listed (a plain relative name), or null. */
    static String newestSegment(String playlist) {
        String last = null;
        boolean segmentNext = false;
        for (String line : playlist.split("\n")) {
            String l = line.trim();
            if (l.startsWith("#EXTINF")) {
                segmentNext = true;
            } else if (segmentNext && !l.isEmpty() && !l.startsWith("#")) {
                int q = l.indexOf('?');
                last = q < 0 ? l : l.substring(0, q);
                segmentNext = false;
            }
        }
        return last != null && last.matches("[A-Za-z0-9_.-]{1,128}") ? last : null;
    }

    /** Segments this node fetched ahead of any viewer, since start. */
    public int warmed() {
        return warmed.get();
    }

    /** Also done when pre-warming stops (an event subscription feeding it, say). */
    public void onStop(Runnable action) {
        onStop = action;
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        onStop.run();
    }
}
