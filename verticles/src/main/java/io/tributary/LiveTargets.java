package io.tributary;

import io.tributary.cluster.ring.ContentKey;
import io.vertx.ext.web.RoutingContext;

/** The content key of a {@code /live/...} request, for the edge and the router alike. */
public final class LiveTargets {

    private LiveTargets() {
    }

    /** @throws StatusException 400 naming what is malformed, 404 when it names no live object */
    public static ContentKey contentKey(RoutingContext ctx) {
        ContentKey key;
        try {
            key = ContentKey.parse(ctx.request().uri());
        } catch (IllegalArgumentException e) {
            throw StatusException.badRequest(e.getMessage());
        }
        if (key == null) {
            throw StatusException.notFound("no such resource: " + ctx.normalizedPath());
        }
        return key;
    }
}
