package io.tributary.auth;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * The one way to say who may call a route: {@code router.post(path).handler(Access.require(Role.EDITOR))}
 * before the route's own handler. No credentials (or bad ones): 401 with {@code WWW-Authenticate};
 * a role below the one required: 403. On a node with {@code auth.enabled: false} everything passes.
 */
public final class Access {

    /** Set on every request of a node without accounts. */
    static final String OPEN = "tributary.auth.open";
    /** Set once a route's guard ran: the catch-all for writes leaves it alone. */
    static final String GUARDED = "tributary.auth.guarded";

    private Access() {
    }

    public static Handler<RoutingContext> require(Role role) {
        return ctx -> {
            ctx.put(GUARDED, Boolean.TRUE);
            if (Boolean.TRUE.equals(ctx.get(OPEN))) {
                ctx.next();
                return;
            }
            Role have = Identity.role(ctx);
            if (have == null) {
                ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"tributary\"");
                ctx.fail(AuthException.unauthorized(ctx.request().method() + " " + ctx.request().path() + " needs the "
                        + role.wire() + " role: send Authorization: Bearer ACCESS_TOKEN or X-Api-Key: KEY"));
            } else if (!have.atLeast(role)) {
                ctx.fail(AuthException.forbidden(ctx.request().method() + " " + ctx.request().path() + " needs the "
                        + role.wire() + " role; this " + ctx.user().principal().getString("kind") + " has " + have.wire()));
            } else {
                ctx.next();
            }
        };
    }
}
