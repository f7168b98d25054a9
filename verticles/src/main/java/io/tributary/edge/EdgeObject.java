package io.tributary.edge;

import io.vertx.core.buffer.Buffer;

/**
 * One origin response as the edge keeps and serves it.
 *
 * @param status       the origin's status (404s are kept briefly too: negative caching)
 * @param contentType  the origin's Content-Type, or null
 * @param cacheControl the origin's Cache-Control, or null
 * @param body         the body
 * @param fetchedAt    when it arrived (nanoTime), for the Age header
 * @param freshUntil   until when (nanoTime) it may be served from the cache; at or before
 *                     {@code fetchedAt} when it must not be cached at all
 */
public record EdgeObject(int status, String contentType, String cacheControl, Buffer body, long fetchedAt, long freshUntil) {

    public boolean cacheable() {
        return freshUntil - fetchedAt > 0;
    }

    public boolean freshAt(long now) {
        return now - freshUntil < 0;
    }

    /** What the entry costs the cache: the body plus a rough fixed overhead. */
    public long weight() {
        return body.length() + 256L;
    }
}
