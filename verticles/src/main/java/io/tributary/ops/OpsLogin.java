package io.tributary.ops;

import io.tributary.auth.AuthModule;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

/**
 * Who may watch {@code /ws/ops}: the feed shows every stream's sessions and QoE, what
 * {@code GET /api/v1/sessions} shows, so it needs the same role (admin). A browser cannot set headers
 * on a WebSocket, so the page sends its access token as the first message ({@code {"token": "..."}});
 * other clients may send {@code Authorization: Bearer} with the upgrade instead. Installed by a node
 * with accounts; without (auth.enabled: false), the feed is open like every route.
 */
public final class OpsLogin implements Shareable {

    public static final Role ROLE = Role.ADMIN;
    /** A socket that has not sent its token within this is closed. */
    static final long LOGIN_TIMEOUT_MS = 5000;
    /** A first message longer than this is no token of ours. */
    static final int MAX_LOGIN_MESSAGE = 8192;
    private static final String SHARED_MAP = "tributary.ops.login";

    private final AuthModule auth;

    private OpsLogin(AuthModule auth) {
        this.auth = auth;
    }

    public static void install(Vertx vertx, AuthModule auth) {
        if (auth.enabled()) {
            vertx.sharedData().<String, OpsLogin>getLocalMap(SHARED_MAP).put("login", new OpsLogin(auth));
        }
    }

    /** The node's login for the feed; null when it has no accounts (the feed is open). */
    static OpsLogin of(Vertx vertx) {
        return vertx.sharedData().<String, OpsLogin>getLocalMap(SHARED_MAP).get("login");
    }

    /** The caller {@code authorization} ("Bearer ...") names, if it has the role: else a 401 or 403. */
    Future<Caller> check(String authorization) {
        return auth.caller(authorization).map(c -> {
            c.require(ROLE, "/ws/ops");
            return c;
        });
    }
}
