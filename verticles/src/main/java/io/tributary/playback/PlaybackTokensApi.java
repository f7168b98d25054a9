package io.tributary.playback;

import io.tributary.StatusException;
import io.tributary.auth.Identity;
import io.tributary.config.StreamKeys;
import io.tributary.playback.PlaybackToken.Kind;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /api/v1/playback-tokens}: a signed playback token for one stream, channel or asset,
 * {@code {"stream":"cam1"}} (or {@code "asset"}, {@code "channel"}), optionally {@code "ttl"}
 * seconds (at most {@code playback.token-ttl}) and {@code "bindAddress": true} to bind it to the
 * caller's address. JSON only (a cross-site form post cannot send it without a preflight).
 */
public final class PlaybackTokensApi {

    private final PlaybackAccess access;

    public PlaybackTokensApi(PlaybackAccess access) {
        this.access = access;
    }

    public void mount(Router router) {
        // a signed-in viewer (auth.ApiPolicy.RULES); for entitled content, only one whose plan is entitled
        router.post("/api/v1/playback-tokens").handler(BodyHandler.create(false).setBodyLimit(2048)).handler(this::issue);
    }

    private void issue(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new StatusException(415, "Content-Type must be application/json");
        }
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw StatusException.badRequest("body is not a JSON object");
        }
        if (body == null) {
            throw StatusException.badRequest("body is empty: give stream, channel or asset");
        }
        Kind kind = null;
        String name = null;
        for (Kind k : Kind.values()) {
            Object v = body.getValue(k.wire());
            if (v != null) {
                if (kind != null) {
                    throw StatusException.badRequest("give one of stream, channel or asset");
                }
                if (!(v instanceof String s) || !StreamKeys.valid(s)) {
                    throw StatusException.badRequest(k.wire() + " must be a name of letters, digits, '-' or '_'");
                }
                kind = k;
                name = s;
            }
        }
        if (kind == null) {
            throw StatusException.badRequest("give stream, channel or asset");
        }
        long max = access.settings().tokenTtl().toSeconds();
        long ttl = max;
        Object t = body.getValue("ttl");
        if (t != null) {
            if (!(t instanceof Number n) || n.longValue() < 1 || n.longValue() > max || n.doubleValue() != n.longValue()) {
                throw StatusException.badRequest("ttl must be whole seconds from 1 to " + max + " (playback.token-ttl)");
            }
            ttl = n.longValue();
        }
        Object bind = body.getValue("bindAddress");
        if (bind != null && !(bind instanceof Boolean)) {
            throw StatusException.badRequest("bindAddress must be true or false");
        }
        if (access.accessOf(kind, name) == PlaybackSettings.Access.ENTITLED) {
            Entitlement.require(Identity.role(ctx), Identity.plan(ctx), access.settings().plansFor(name), kind.wire() + " '" + name + "'");
        }
        String ip = Boolean.TRUE.equals(bind) ? PlaybackAccess.clientAddress(ctx.request()) : "";
        long expires = System.currentTimeMillis() / 1000 + ttl;
        String token = access.tokens().mint(new PlaybackToken.Claims(kind, name, expires, ip));
        String base = kind == Kind.ASSET ? "/vod/" + name : "/live/" + name;
        ctx.response().setStatusCode(201);
        ctx.json(new JsonObject().put("token", token).put("expires", expires).put(kind.wire(), name)
                .put("address", ip.isEmpty() ? null : ip)
                .put("hls", base + "/index.m3u8?token=" + token).put("dash", base + "/manifest.mpd?token=" + token));
    }
}
