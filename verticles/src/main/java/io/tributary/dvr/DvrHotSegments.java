package io.tributary.dvr;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recorded files asked for again (a catch-up many viewers watch, a seek-back window) kept in
 * direct memory, LRU and bounded in bytes: a response is then a gathered write of memory, as
 * live segments are, instead of a file opened per request. Recordings are immutable; an entry
 * lives at most {@code ttlMs} so a file retention removed stops being served soon after.
 */
final class DvrHotSegments {

    /** Larger files are always sent from disk. */
    static final long MAX_FILE = 16L << 20;

    private record Entry(ByteBuffer bytes, long at) {
    }

    private final long maxBytes;
    private final long ttlMs;
    private long bytes;
    private final LinkedHashMap<Path, Entry> map = new LinkedHashMap<>(256, 0.75f, true);

    DvrHotSegments(long maxBytes, long ttlMs) {
        this.maxBytes = maxBytes;
        this.ttlMs = ttlMs;
    }

    /** A view of the cached bytes (never written to), or null. */
    synchronized ByteBuffer get(Path file) {
        Entry e = map.get(file);
        if (e == null) {
            return null;
        }
        if (System.currentTimeMillis() - e.at() > ttlMs) {
            map.remove(file);
            bytes -= e.bytes().capacity();
            return null;
        }
        return e.bytes().duplicate();
    }

    synchronized void put(Path file, byte[] content) {
        if (content.length > MAX_FILE || content.length > maxBytes / 8 || map.containsKey(file)) {
            return;
        }
        // writable direct memory: a read-only view has no address, and the native transport would copy it per write
        ByteBuffer direct = ByteBuffer.allocateDirect(content.length).put(content).flip();
        map.put(file, new Entry(direct, System.currentTimeMillis()));
        bytes += content.length;
        var it = map.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Path, Entry> eldest = it.next();
            bytes -= eldest.getValue().bytes().capacity();
            it.remove();
        }
    }
}
