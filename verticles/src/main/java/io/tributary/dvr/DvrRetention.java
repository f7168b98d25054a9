package io.tributary.dvr;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.VertxInternal;

import java.util.List;
import java.util.logging.Logger;

/**
 * Keeps this node's recordings within bounds, every {@code dvr.retention-interval} and whenever the
 * recorder finds the disk limit passed: segments past their stream's retention go, then, while the
 * recordings pass {@code dvr.max-disk}, the oldest of any stream; then init segments nothing needs.
 * Rows are deleted before their files, so a row never names a missing file. One pass at a time.
 */
final class DvrRetention {

    private static final Logger LOG = Logger.getLogger(DvrRetention.class.getName());
    static final int BATCH = 1000;

    private final Vertx vertx;
    private final DvrSettings settings;
    private final PgDvrIndex index;
    private final DvrFiles files;
    private final DvrMetrics metrics;
    private final WorkerExecutor workers;
    /** The passes' own context: {@link #run} is called from the recorder's and the timer's. */
    private final Context context;
    private long timer = -1;
    private boolean running;
    private boolean again;
    private volatile boolean closed;

    DvrRetention(Vertx vertx, DvrSettings settings, PgDvrIndex index, DvrFiles files, DvrMetrics metrics,
                 WorkerExecutor workers) {
        this.vertx = vertx;
        this.settings = settings;
        this.index = index;
        this.files = files;
        this.metrics = metrics;
        this.workers = workers;
        this.context = ((VertxInternal) vertx).createEventLoopContext();
    }

    void start() {
        context.runOnContext(v -> timer = vertx.setPeriodic(settings.retentionInterval().toMillis(), id -> run()));
    }

    void close() {
        closed = true;
        context.runOnContext(v -> vertx.cancelTimer(timer));
    }

    /** A pass now, or right after the one running. */
    void run() {
        context.runOnContext(v -> {
            if (closed) {
                return;
            }
            if (running) {
                again = true;
                return;
            }
            running = true;
            pass().onComplete(ar -> {
                running = false;
                if (ar.failed() && !closed) {
                    LOG.warning("DVR retention pass failed: " + ar.cause().getMessage());
                }
                if (again) {
                    again = false;
                    run();
                }
            });
        });
    }

    /** One pass: retention, the disk limit, unused inits. */
    Future<Void> pass() {
        return index.knownRenditions().compose(renditions -> {
            Future<Void> chain = Future.succeededFuture();
            long now = System.currentTimeMillis();
            for (String[] r : renditions) {
                long cutoff = now - settings.keepOf(r[0]).toMillis();
                chain = chain.compose(x -> expire(r[0], r[1], cutoff));
            }
            return chain;
        }).compose(x -> evict()).compose(x -> index.deleteUnusedInits()).compose(this::deleteFiles)
                .eventually(this::refreshDisk).mapEmpty();
    }

    /** The file system's figures for the metrics, read here on a worker (statvfs may block), not on a scrape. */
    Future<Void> refreshDisk() {
        return workers.executeBlocking(files::usage, false).map(u -> {
            metrics.free.set(u[1]);
            return null;
        });
    }

    private Future<Void> expire(String stream, String rendition, long cutoff) {
        return index.deleteBefore(stream, rendition, cutoff, BATCH).compose(removed -> {
            metrics.expired.increment(removed.size());
            if (!removed.isEmpty()) {
                DvrModule.deleted(vertx, stream, Long.MIN_VALUE, cutoff);
            }
            return deleteFiles(removed).compose(x -> removed.size() == BATCH && !closed ? expire(stream, rendition, cutoff)
                    : Future.succeededFuture());
        });
    }

    private Future<Void> evict() {
        return evict(8);
    }

    /** The oldest {@code limit} segments, then as many as the excess left needs at their mean size, until under. */
    private Future<Void> evict(int limit) {
        long max = settings.maxDiskBytes();
        if (max <= 0 || metrics.used.get() <= max || closed) {
            return Future.succeededFuture();
        }
        return index.deleteOldest(limit).compose(removed -> {
            if (removed.isEmpty()) {
                return Future.succeededFuture();
            }
            metrics.evictions.increment(removed.size());
            long bytes = removed.stream().mapToLong(PgDvrIndex.Removed::size).sum();
            long mean = Math.max(1, bytes / removed.size());
            return deleteFiles(removed).compose(x -> {
                long excess = metrics.used.get() - max;
                return evict((int) Math.max(1, Math.min(BATCH, excess / mean + 1)));
            });
        });
    }

    Future<Void> deleteFiles(List<PgDvrIndex.Removed> removed) {
        if (removed.isEmpty()) {
            return Future.succeededFuture();
        }
        return workers.executeBlocking(() -> {
            long freed = 0;
            for (PgDvrIndex.Removed r : removed) {
                if (index.node().equals(r.node())) {
                    freed += files.delete(r.file());
                }
            }
            return freed;
        }, false).map(freed -> {
            metrics.used.addAndGet(-freed);
            return null;
        });
    }
}
