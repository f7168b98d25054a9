package io.tributary.vod;

import io.vertx.core.Future;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Assets' availability windows (and encryption) for playback, read from the catalog at most every {@link #TTL_NANOS}
 * per asset (a player fetches a segment every few seconds; the database is asked far less). Shared
 * by every delivery verticle; bounded: past {@link #MAX_ENTRIES} assets it starts afresh.
 */
final class AvailabilityCache {

    static final long TTL_NANOS = 5_000_000_000L;
    static final int MAX_ENTRIES = 10_000;

    private record Entry(Optional<Playable> playable, long readAt) {
    }

    private final VodCatalog catalog;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    AvailabilityCache(VodCatalog catalog) {
        this.catalog = catalog;
    }

    /** The window and encryption of {@code id}, empty when there is no such asset. */
    Future<Optional<Playable>> playable(String id) {
        long now = System.nanoTime();
        Entry e = entries.get(id);
        if (e != null && now - e.readAt < TTL_NANOS) {
            return Future.succeededFuture(e.playable);
        }
        return catalog.playable(id).onSuccess(w -> {
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
            entries.put(id, new Entry(w, now));
        });
    }

    /** An edit or a delete: the next request reads it again. */
    void forget(String id) {
        entries.remove(id);
    }
}
