package io.tributary.ops;

import io.tributary.StatusException;
import io.tributary.auth.AuthModule;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Consumer;

/**
 * Who may watch the operator feeds: {@code /ws/ops} shows every stream's sessions and QoE, what
 * {@code GET /api/v1/sessions} shows, so it needs the same role (admin); {@code /ws/jobs} shows the
 * catalog's transcode jobs (editor, as {@code GET /api/v1/jobs/{id}}). A browser cannot set headers
 * on a WebSocket, so the page sends its access token as the first message ({@code {"token": "..."}});
 * other clients may send {@code Authorization: Bearer} with the upgrade instead. Installed by a node
 * with accounts; without (auth.enabled: false), the feeds are open like every route.
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

    /** The node's login for the feeds; null when it has no accounts (the feeds are open). */
    public static OpsLogin of(Vertx vertx) {
        return vertx.sharedData().<String, OpsLogin>getLocalMap(SHARED_MAP).get("login");
    }

    /** The caller {@code authorization} names, if it has {@code role}, which {@code feed} needs: else a 401 or 403. */
    public Future<Caller> check(String authorization, Role role, String feed) {
        return auth.caller(authorization).map(c -> {
            c.require(role, feed);
            return c;
        });
    }

    /**
     * Upgrades {@code ctx} to a feed's WebSocket that {@code role} may watch. Credentials sent with the
     * upgrade (tools) are checked before it and refused as on any route; else, on a node with accounts,
     * the socket's first message must carry the token ({@link #await}). {@code opened} gets every socket
     * (its close handlers); {@code signedIn} the ones that may be fed. Anything a client sends after is dropped.
     */
    public static void upgrade(RoutingContext ctx, Role role, String feed, Consumer<ServerWebSocket> opened,
                               Consumer<ServerWebSocket> signedIn) {
        Vertx vertx = ctx.vertx();
        OpsLogin login = of(vertx);
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (login != null && authorization != null) {
            ctx.request().pause();
            login.check(authorization, role, feed).onComplete(ar -> {
                ctx.request().resume();
                if (ar.succeeded()) {
                    upgrade(ctx, null, role, feed, opened, signedIn);
                } else {
                    ctx.fail(ar.cause());
                }
            });
            return;
        }
        upgrade(ctx, login, role, feed, opened, signedIn);
    }

    private static void upgrade(RoutingContext ctx, OpsLogin login, Role role, String feed, Consumer<ServerWebSocket> opened,
                                Consumer<ServerWebSocket> signedIn) {
        ctx.request().toWebSocket().onSuccess(ws -> {
            opened.accept(ws);
            if (login != null) {
                login.await(ctx.vertx(), ws, role, feed, () -> signedIn.accept(ws));
                return;
            }
            ws.handler(ignored -> { }); // the feeds only talk
            signedIn.accept(ws);
        }).onFailure(e -> ctx.fail(StatusException.badRequest("WebSocket handshake failed: " + e.getMessage())));
    }

    /**
     * The first message on {@code ws} must be {@code {"token": "ACCESS_TOKEN"}} of a caller with
     * {@code role} within the login timeout; then {@code signedIn} runs (once). Else the socket closes
     * with 1008 and the reason (401 or 403 and why). Messages after the login are dropped: the feeds only talk.
     */
    public void await(Vertx vertx, ServerWebSocket ws, Role role, String feed, Runnable signedIn) {
        boolean[] answered = new boolean[1];
        long timeout = vertx.setTimer(LOGIN_TIMEOUT_MS, id -> {
            if (!answered[0]) {
                answered[0] = true;
                ws.close((short) 1008, "login required: send {\"token\": ACCESS_TOKEN} first");
            }
        });
        ws.frameHandler(frame -> {
            if (answered[0]) {
                return;
            }
            answered[0] = true;
            vertx.cancelTimer(timeout);
            String token = null;
            if (frame.isText() && frame.isFinal() && frame.binaryData().length() <= MAX_LOGIN_MESSAGE) {
                try {
                    Object t = new JsonObject(frame.textData()).getValue("token");
                    token = t instanceof String s && !s.isEmpty() ? s : null;
                } catch (RuntimeException e) {
                    token = null;
                }
            }
            if (token == null) {
                ws.close((short) 1008, "login required: the first message is {\"token\": ACCESS_TOKEN}");
                return;
            }
            check("Bearer " + token, role, feed).onComplete(ar -> {
                if (ar.succeeded()) {
                    signedIn.run();
                } else {
                    String why = ar.cause() instanceof StatusException s ? s.status() + " " + s.detail() : "login failed";
                    ws.close((short) 1008, why.length() > 120 ? why.substring(0, 120) : why);
                }
            });
        });
    }
}
