package io.tributary.edge;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The edge's object cache: bounded by bytes, least recently used evicted first, and every
 * entry with its own freshness: an entry past it is never served (a live playlist is only
 * good for its max-age) and is dropped when met, or by the sweep a put runs at most once a
 * second (a live part nobody asks for again would otherwise sit there until the byte bound). Keys are normalised cache keys (see
 * {@code ContentKey#cacheKey}). Thread-safe (one lock: gets and puts are map operations).
 */
public final class EdgeCache {

    private final long maxBytes;
    private final long maxObjectBytes;
    private final LongSupplier clock;
    private final LinkedHashMap<String, EdgeObject> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;
    private long evictions;
    private long lastSweep;
    private static final long SWEEP_NANOS = 1_000_000_000L;
    /** Withdrawn key prefixes and until when nothing under them is kept; at most {@link #MAX_WITHDRAWN}. */
    private final LinkedHashMap<String, Long> withdrawn = new LinkedHashMap<>();
    static final int MAX_WITHDRAWN = 1024;

    /**
     * @param maxBytes       bound on the bytes held
     * @param maxObjectBytes objects larger than this are served but not kept
     * @param nanoClock      time source ({@link System#nanoTime} outside tests)
     */
    public EdgeCache(long maxBytes, long maxObjectBytes, LongSupplier nanoClock) {
        if (maxBytes <= 0 || maxObjectBytes <= 0) {
            throw new IllegalArgumentException("cache bounds must be positive");
        }
        this.maxBytes = maxBytes;
        this.maxObjectBytes = Math.min(maxObjectBytes, maxBytes);
        this.clock = nanoClock;
        this.lastSweep = nanoClock.getAsLong();
    }

    /** The fresh entry for {@code key}, or null (a stale one is dropped). */
    public synchronized EdgeObject get(String key) {
        EdgeObject o = entries.get(key);
        if (o == null) {
            return null;
        }
        if (!o.freshAt(clock.getAsLong())) {
            entries.remove(key);
            bytes -= o.weight();
            return null;
        }
        return o;
    }

    /** Keeps {@code object} if it is cacheable and small enough, evicting the least recently used to fit. */
    public synchronized void put(String key, EdgeObject object) {
        if (!object.cacheable() || object.weight() > maxObjectBytes || !object.freshAt(clock.getAsLong())) {
            return;
        }
        long now = clock.getAsLong();
        if (!withdrawn.isEmpty() && withheld(key, now)) {
            return;
        }
        if (now - lastSweep >= SWEEP_NANOS) {
            lastSweep = now;
            dropStale(now);
        }
        EdgeObject old = entries.put(key, object);
        if (old != null) {
            bytes -= old.weight();
        }
        bytes += object.weight();
        if (bytes > maxBytes) {
            // live objects age out in request order, so the LRU end is mostly stale ones anyway
            for (Iterator<Map.Entry<String, EdgeObject>> it = entries.entrySet().iterator(); it.hasNext() && bytes > maxBytes; ) {
                Map.Entry<String, EdgeObject> e = it.next();
                if (e.getValue() != object) {
                    it.remove();
                    bytes -= e.getValue().weight();
                    evictions++;
                }
            }
        }
    }

    /**
     * Drops every entry whose key starts with {@code prefix} (content withdrawn: an asset deleted or its
     * availability edited) and keeps nothing under it for {@code holdNanos}, so that a fetch already in
     * flight, or answered by an origin that has not heard yet, cannot put the old object back.
     *
     * @return the entries dropped
     */
    public synchronized int withdraw(String prefix, long holdNanos) {
        int dropped = 0;
        for (Iterator<Map.Entry<String, EdgeObject>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, EdgeObject> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                it.remove();
                bytes -= e.getValue().weight();
                dropped++;
            }
        }
        withdrawn.remove(prefix);
        if (withdrawn.size() >= MAX_WITHDRAWN) {
            Iterator<String> oldest = withdrawn.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        withdrawn.put(prefix, clock.getAsLong() + holdNanos);
        return dropped;
    }

    /** True while {@code key} is under a prefix withdrawn within its hold; expired holds are forgotten. */
    private boolean withheld(String key, long now) {
        boolean held = false;
        for (Iterator<Map.Entry<String, Long>> it = withdrawn.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> w = it.next();
            if (now - w.getValue() >= 0) {
                it.remove();
            } else if (key.startsWith(w.getKey())) {
                held = true;
            }
        }
        return held;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int size() {
        return entries.size();
    }

    private void dropStale(long now) {
        for (Iterator<EdgeObject> it = entries.values().iterator(); it.hasNext(); ) {
            EdgeObject o = it.next();
            if (!o.freshAt(now)) {
                it.remove();
                bytes -= o.weight();
            }
        }
    }

    /** Fresh entries evicted to make room, since start. */
    public synchronized long evictions() {
        return evictions;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
