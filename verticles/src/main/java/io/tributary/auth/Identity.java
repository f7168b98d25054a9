package io.tributary.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.UserContextInternal;

/**
 * Who made a request, as every other part of the node reads it: {@code ctx.user().principal()}
 * has {@code sub} (an account id or an API key id), {@code kind} ({@code user} or {@code apikey}),
 * {@code role}, {@code name} and, for a user signed in with a password, {@code plan}.
 */
public final class Identity {

    public static final String USER = "user";
    public static final String API_KEY = "apikey";

    private Identity() {
    }

    static User user(String sub, String kind, Role role, String name) {
        return user(sub, kind, role, name, "");
    }

    static User user(String sub, String kind, Role role, String name, String plan) {
        return User.create(new JsonObject().put("sub", sub).put("kind", kind).put("role", role.wire()).put("name", name)
                .put("plan", plan));
    }

    /** The plan of the request's user as its access token says ("" for none or anonymous). */
    public static String plan(RoutingContext ctx) {
        User u = ctx.user();
        return u == null ? "" : u.principal().getString("plan", "");
    }

    /** Sets the request's user (vertx-web's own authentication handlers do it the same way). */
    static void set(RoutingContext ctx, User user) {
        ((UserContextInternal) ctx.userContext()).setUser(user);
    }

    /** The role of the request's user, or null when anonymous. */
    public static Role role(RoutingContext ctx) {
        User u = ctx.user();
        return u == null ? null : Role.parse(u.principal().getString("role"));
    }

    /** {@code kind:sub}, or {@code anonymous}: how logs name the caller. */
    public static String actor(RoutingContext ctx) {
        User u = ctx.user();
        return u == null ? "anonymous" : u.principal().getString("kind") + ":" + u.principal().getString("sub")
                + " (" + u.principal().getString("name") + ")";
    }
}
