package io.tributary.edge;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EdgeCacheTest {

    private static final long S = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(5 * S);

    private EdgeObject object(int size, long ttlNanos) {
        long t = now.get();
        return new EdgeObject(200, "video/mp4", null, Buffer.buffer(new byte[size]), t, t + ttlNanos);
    }

    @Test
    void evictsLeastRecentlyUsedToStayWithinBytes() {
        // each object weighs 1000 + 256 bytes: four fit in 5100
        EdgeCache cache = new EdgeCache(5100, 5100, now::get);
        for (int i = 0; i < 4; i++) {
            cache.put("seg-" + i, object(1000, 30 * S));
        }
        assertEquals(4, cache.size());
        assertNotNull(cache.get("seg-0")); // seg-0 is now the most recently used
        cache.put("seg-4", object(1000, 30 * S));
        assertTrue(cache.bytes() <= 5100, "bytes " + cache.bytes());
        assertNull(cache.get("seg-1"), "the least recently used went");
        assertNotNull(cache.get("seg-0"));
        assertNotNull(cache.get("seg-4"));
        assertEquals(1, cache.evictions());
        assertEquals(4 * 1256, cache.bytes());
    }

    @Test
    void entriesAreNeverServedPastTheirFreshness() {
        EdgeCache cache = new EdgeCache(1 << 20, 1 << 20, now::get);
        cache.put("index.m3u8", object(300, S));
        cache.put("seg-1.m4s", object(300, 30 * S));
        now.addAndGet(S - 1);
        assertNotNull(cache.get("index.m3u8"));
        now.addAndGet(1);
        assertNull(cache.get("index.m3u8"), "a playlist one second old with max-age=1 is stale");
        assertNotNull(cache.get("seg-1.m4s"));
        assertEquals(1, cache.size(), "the stale entry was dropped");
        assertEquals(556, cache.bytes());
    }

    @Test
    void uncacheableAndOversizedObjectsAreNotKept() {
        EdgeCache cache = new EdgeCache(10_000, 2_000, now::get);
        cache.put("no-cache", object(10, 0));
        cache.put("huge", object(5_000, 30 * S));
        assertEquals(0, cache.size());
        assertEquals(0, cache.bytes());
        EdgeObject first = object(100, 30 * S);
        cache.put("k", first);
        EdgeObject second = object(200, 30 * S);
        cache.put("k", second);
        assertSame(second, cache.get("k"));
        assertEquals(456, cache.bytes(), "a replaced entry's bytes are released");
    }

    @Test
    void staleEntriesNobodyAsksForAgainAreSweptByLaterPuts() {
        EdgeCache cache = new EdgeCache(1 << 20, 1 << 20, now::get);
        for (int i = 0; i < 10; i++) {
            cache.put("part-" + i, object(1000, 2 * S)); // live parts: fetched once, never asked for again
        }
        assertEquals(10 * 1256, cache.bytes());
        now.addAndGet(3 * S);
        cache.put("part-10", object(1000, 2 * S));
        assertEquals(1, cache.size(), "the ten stale parts went with the first put a second later");
        assertEquals(1256, cache.bytes());
        assertEquals(0, cache.evictions(), "not evictions: nothing fresh made room");
    }

    @Test
    void withdrawnContentIsDroppedAndNotKeptAgainDuringItsHold() {
        EdgeCache cache = new EdgeCache(1 << 20, 1 << 20, now::get);
        cache.put("/vod/a1/360p/seg-1.m4s", object(300, 3600 * S));
        cache.put("/vod/a1/index.m3u8", object(300, 60 * S));
        cache.put("/vod/a10/360p/seg-1.m4s", object(300, 3600 * S));
        assertEquals(2, cache.withdraw("/vod/a1/", 10 * S), "the asset's objects, not a1's neighbour a10");
        assertNull(cache.get("/vod/a1/360p/seg-1.m4s"));
        assertNull(cache.get("/vod/a1/index.m3u8"));
        assertNotNull(cache.get("/vod/a10/360p/seg-1.m4s"));
        assertEquals(556, cache.bytes());
        // a fetch that was in flight completes: served to its viewer, but not kept
        cache.put("/vod/a1/360p/seg-1.m4s", object(300, 3600 * S));
        assertNull(cache.get("/vod/a1/360p/seg-1.m4s"));
        // after the hold the asset is cached again (its origin now answers for the edited asset)
        now.addAndGet(10 * S);
        cache.put("/vod/a1/360p/seg-1.m4s", object(300, 3600 * S));
        assertNotNull(cache.get("/vod/a1/360p/seg-1.m4s"));
    }

    @Test
    void withdrawalsAreBounded() {
        EdgeCache cache = new EdgeCache(1 << 20, 1 << 20, now::get);
        for (int i = 0; i <= EdgeCache.MAX_WITHDRAWN; i++) {
            cache.withdraw("/vod/a" + i + "/", 3600 * S);
        }
        // the oldest hold gave way to the newest: a stranger cannot grow the list by editing assets
        cache.put("/vod/a0/x.m4s", object(300, 3600 * S));
        assertNotNull(cache.get("/vod/a0/x.m4s"));
        cache.put("/vod/a1/x.m4s", object(300, 3600 * S));
        assertNull(cache.get("/vod/a1/x.m4s"));
    }
}
