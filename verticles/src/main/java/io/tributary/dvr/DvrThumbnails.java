package io.tributary.dvr;

import io.tributary.StatusException;
import io.tributary.media.transcode.KeyframeThumbnail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scrubbing previews: a JPEG of the keyframe a recorded segment starts with, decoded on a
 * worker, cached (LRU, bounded in entries and bytes: recordings do not change), with a bound
 * on decodes in flight so a burst of scrubbing cannot take every worker thread.
 */
public final class DvrThumbnails {

    public static final int MIN_WIDTH = 32;
    public static final int MAX_WIDTH = 1920;
    static final int DEFAULT_WIDTH = 320;
    static final long MAX_CACHED_BYTES = 32L << 20;
    private static final int MAX_ENTRIES = 2048;

    private final int maxDecodes;
    private final AtomicInteger decoding = new AtomicInteger();
    private long cachedBytes;
    private final LinkedHashMap<String, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true);

    /** @param maxDecodes decodes in flight on the node; more get 503 (the player asks again) */
    public DvrThumbnails(int maxDecodes) {
        this.maxDecodes = maxDecodes;
    }

    /** The width parameter: 32..1920, 320 when absent. */
    static int width(String value) {
        if (value == null) {
            return DEFAULT_WIDTH;
        }
        if (value.isEmpty() || value.length() > 5 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw StatusException.badRequest("width must be an integer from " + MIN_WIDTH + " to " + MAX_WIDTH);
        }
        int w = Integer.parseInt(value);
        if (w < MIN_WIDTH || w > MAX_WIDTH) {
            throw StatusException.badRequest("width must be from " + MIN_WIDTH + " to " + MAX_WIDTH + ": " + w);
        }
        return w & ~1;
    }

    /** The smallest video rung at least {@code width} wide, else the widest. */
    static RecordedRendition pick(List<RecordedRendition> renditions, int width) {
        RecordedRendition best = null;
        for (RecordedRendition r : renditions) {
            if (r.audio()) {
                continue;
            }
            if (best == null) {
                best = r;
            } else if (best.width() < width ? r.width() > best.width() : r.width() >= width && r.width() < best.width()) {
                best = r;
            }
        }
        return best;
    }

    Future<byte[]> jpeg(Vertx vertx, String cacheKey, Path init, Path segment, int width) {
        synchronized (cache) {
            byte[] hit = cache.get(cacheKey);
            if (hit != null) {
                return Future.succeededFuture(hit);
            }
        }
        if (decoding.incrementAndGet() > maxDecodes) {
            decoding.decrementAndGet();
            return Future.failedFuture(new StatusException(503, "too many thumbnails being made: try again"));
        }
        return vertx.executeBlocking(() -> KeyframeThumbnail.jpeg(Files.readAllBytes(init), Files.readAllBytes(segment),
                width, 0.8f), false).andThen(x -> decoding.decrementAndGet()).map(jpeg -> {
            put(cacheKey, jpeg);
            return jpeg;
        }).recover(e -> Future.failedFuture(e instanceof StatusException ? e
                : new StatusException(404, "t: the recorded picture could not be decoded")));
    }

    /** Caches a picture, then drops the least recently used until both bounds hold (the one just put may be among them). */
    void put(String cacheKey, byte[] jpeg) {
        synchronized (cache) {
            if (cache.containsKey(cacheKey)) {
                return;
            }
            cache.put(cacheKey, jpeg);
            cachedBytes += jpeg.length;
            var it = cache.values().iterator();
            while ((cache.size() > MAX_ENTRIES || cachedBytes > MAX_CACHED_BYTES) && it.hasNext()) {
                cachedBytes -= it.next().length;
                it.remove();
            }
        }
    }

    /** Bytes cached now (for tests). */
    long cachedBytes() {
        synchronized (cache) {
            return cachedBytes;
        }
    }
}
