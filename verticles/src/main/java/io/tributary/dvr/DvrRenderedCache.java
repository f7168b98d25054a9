package io.tributary.dvr;

import io.vertx.core.buffer.Buffer;

import java.util.LinkedHashMap;
import java.util.Map;

/** Rendered playlists of closed windows: LRU, bounded in bytes, each kept at most {@code ttlMs}. Thread-safe. */
final class DvrRenderedCache {

    private record Entry(Buffer body, long at) {
    }

    private final long maxBytes;
    private final long ttlMs;
    private long bytes;
    private final LinkedHashMap<String, Entry> map = new LinkedHashMap<>(64, 0.75f, true);

    DvrRenderedCache(long maxBytes, long ttlMs) {
        this.maxBytes = maxBytes;
        this.ttlMs = ttlMs;
    }

    synchronized Buffer get(String key) {
        Entry e = map.get(key);
        if (e == null) {
            return null;
        }
        if (System.currentTimeMillis() - e.at() > ttlMs) {
            map.remove(key);
            bytes -= e.body().length();
            return null;
        }
        return e.body();
    }

    /** Drops the renderings of one stream (keys start with {@code stream + "/"}). */
    synchronized void forget(String stream) {
        var it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            if (e.getKey().startsWith(stream + "/")) {
                bytes -= e.getValue().body().length();
                it.remove();
            }
        }
    }

    synchronized void put(String key, Buffer body) {
        if (body.length() > maxBytes / 4) {
            return; // one answer may not push out everything else
        }
        Entry old = map.put(key, new Entry(body, System.currentTimeMillis()));
        bytes += body.length() - (old == null ? 0 : old.body().length());
        var it = map.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Entry> eldest = it.next();
            bytes -= eldest.getValue().body().length();
            it.remove();
        }
    }
}
