package io.tributary.edge;

import io.vertx.core.buffer.Buffer;

/**
 * One origin response as the edge keeps and serves it (shared by every event loop, immutable
 * but for the viewer forms of a manifest, derived once on first use).
 */
public final class EdgeObject {

    private final int status;
    private final String contentType;
    private final String cacheControl;
    private final Buffer body;
    private final long fetchedAt;
    private final long freshUntil;
    private volatile EdgeManifests.Forms forms;

    /**
     * @param status       the origin's status (404s are kept briefly too: negative caching)
     * @param contentType  the origin's Content-Type, or null
     * @param cacheControl the origin's Cache-Control, or null
     * @param body         the body, identity-encoded
     * @param fetchedAt    when it arrived (nanoTime), for the Age header
     * @param freshUntil   until when (nanoTime) it may be served from the cache; at or before
     *                     {@code fetchedAt} when it must not be cached at all
     */
    public EdgeObject(int status, String contentType, String cacheControl, Buffer body, long fetchedAt, long freshUntil) {
        this.status = status;
        this.contentType = contentType;
        this.cacheControl = cacheControl;
        this.body = body;
        this.fetchedAt = fetchedAt;
        this.freshUntil = freshUntil;
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public String cacheControl() {
        return cacheControl;
    }

    public Buffer body() {
        return body;
    }

    public long fetchedAt() {
        return fetchedAt;
    }

    public long freshUntil() {
        return freshUntil;
    }

    public boolean cacheable() {
        return freshUntil - fetchedAt > 0;
    }

    public boolean freshAt(long now) {
        return now - freshUntil < 0;
    }

    /** What the entry costs the cache: the body plus a rough fixed overhead. */
    public long weight() {
        // a manifest's derived forms (gzip, a few clock rewrites) are not counted: a few KB per
        // stream, while the bytes that matter are segments
        return body.length() + 256L;
    }

    /** This manifest as viewers get it, derived on the first request and kept with the object. */
    EdgeManifests.Forms manifestForms() {
        EdgeManifests.Forms f = forms;
        if (f == null) {
            synchronized (this) { // event loops of all edge verticles share the object: derive once
                f = forms;
                if (f == null) {
                    f = EdgeManifests.Forms.of(body);
                    forms = f;
                }
            }
        }
        return f;
    }
}
