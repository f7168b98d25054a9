package io.tributary.auth;

import io.tributary.StatusException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Who may call which API route, in one table mounted before every route of the node (the routes
 * themselves live in their domains' packages). Operator routes need admin; catalog, asset, job
 * and stream writes need editor; public catalog reads stay open. A write (POST, PUT, PATCH) the
 * table does not name needs admin: a new route is closed until it is listed. Writes take JSON only
 * (415 otherwise), so a cross-site form or {@code text/plain} POST, which a browser sends without
 * asking, changes nothing. Admin calls and every guarded write are audited.
 */
public final class ApiPolicy {

    /** One line per audited call: who, what, when (the log's time), the answer's status. */
    static final Logger AUDIT = Logger.getLogger("tributary.audit");

    /** A guard: {@code method} null for every method; {@code path} in vertx-web's route syntax. */
    public record Rule(Role role, HttpMethod method, String path) {
    }

    /** The table. A route added elsewhere gets a line here (or {@link Access#require} on its own route). */
    public static final List<Rule> RULES = List.of(
            // operator: this node and any node of the cluster, the cluster's internals
            new Rule(Role.ADMIN, null, "/api/v1/node/*"),
            new Rule(Role.ADMIN, null, "/api/v1/nodes/*"),
            new Rule(Role.ADMIN, null, "/api/v1/verticles/*"),
            new Rule(Role.ADMIN, null, "/api/v1/cluster/*"),
            new Rule(Role.ADMIN, HttpMethod.GET, "/api/v1/sessions"),
            new Rule(Role.ADMIN, HttpMethod.GET, "/api/v1/hotness/*"),
            new Rule(Role.ADMIN, HttpMethod.DELETE, "/api/v1/recordings/*"),
            // accounts
            new Rule(Role.ADMIN, null, "/api/v1/users/*"),
            new Rule(Role.ADMIN, null, "/api/v1/api-keys/*"),
            new Rule(Role.ADMIN, null, "/api/v1/audit/*"),
            new Rule(Role.ADMIN, HttpMethod.POST, "/api/v1/auth/keys/rotate"),
            new Rule(Role.GUEST, HttpMethod.GET, "/api/v1/auth/me"),
            // editors: streams (publish secrets, cues), the VOD catalog and its jobs
            new Rule(Role.EDITOR, HttpMethod.POST, "/api/v1/streams"),
            new Rule(Role.EDITOR, HttpMethod.POST, "/api/v1/streams/:key/*"),
            new Rule(Role.EDITOR, HttpMethod.POST, "/api/v1/assets/*"),
            new Rule(Role.EDITOR, HttpMethod.PATCH, "/api/v1/assets/*"),
            new Rule(Role.EDITOR, HttpMethod.DELETE, "/api/v1/assets/*"),
            new Rule(Role.EDITOR, HttpMethod.GET, "/api/v1/jobs/*"),
            // FAST channels: editors make and change them; the list, the EPG and XMLTV stay public
            new Rule(Role.EDITOR, HttpMethod.POST, "/api/v1/channels/*"),
            new Rule(Role.EDITOR, HttpMethod.PATCH, "/api/v1/channels/*"),
            new Rule(Role.EDITOR, HttpMethod.DELETE, "/api/v1/channels/*"),
            // viewers: a signed playback URL for what they may watch
            new Rule(Role.VIEWER, HttpMethod.POST, "/api/v1/playback-tokens"));

    /** Writes anybody may send: signing in, and players' beacons. */
    static final Set<String> OPEN_WRITES = Set.of("/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout",
            "/api/v1/auth/bootstrap", "/api/v1/qoe");
    /** Writes whose body is not JSON: VOD uploads (a file). They need a token all the same. */
    static final Set<String> RAW_BODIES = Set.of("/api/v1/assets");
    private static final Set<HttpMethod> WRITES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);

    private ApiPolicy() {
    }

    /** Mounts authentication, the table, the catch-all for writes and the JSON rule; before any API route. */
    static void mount(Router router, Authenticator authenticator, Accounts accounts) {
        router.route("/api/*").handler(authenticator);
        for (Rule rule : RULES) {
            var route = rule.method() == null ? router.route(rule.path()) : router.route(rule.method(), rule.path());
            route.handler(ctx -> {
                audit(ctx, accounts, rule.role());
                ctx.next();
            }).handler(Access.require(rule.role()));
        }
        router.route("/api/*").handler(ctx -> {
            if (WRITES.contains(ctx.request().method()) && ctx.get(Access.GUARDED) == null
                    && !OPEN_WRITES.contains(ctx.normalizedPath())) {
                audit(ctx, accounts, Role.ADMIN);
                Access.require(Role.ADMIN).handle(ctx);
            } else {
                ctx.next();
            }
        });
        // after the guards: a refused caller learns of its credentials first, and the attempt is audited
        router.route("/api/*").handler(ApiPolicy::jsonOnly);
    }

    /** With an admin listener: the admin routes (and /metrics) answer 404 on {@code router}, naming where they are. */
    public static void operatorRoutesElsewhere(Router router) {
        for (Rule rule : RULES) {
            if (rule.role() == Role.ADMIN) {
                (rule.method() == null ? router.route(rule.path()) : router.route(rule.method(), rule.path()))
                        .handler(ctx -> ctx.fail(StatusException.notFound(ctx.request().path()
                                + " is served on the admin listener (admin.host, admin.port)")));
            }
        }
        router.get("/metrics").handler(ctx -> ctx.fail(StatusException.notFound("/metrics is served on the admin listener")));
    }

    /** A node without accounts: every request passes every guard (the lab setting {@code auth.enabled: false}). */
    static void mountOpen(Router router) {
        router.route("/api/*").handler(ctx -> {
            ctx.put(Access.OPEN, Boolean.TRUE);
            ctx.next();
        });
    }

    static void jsonOnly(RoutingContext ctx) {
        HttpMethod m = ctx.request().method();
        if ((m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH) && !ctx.normalizedPath().equals("/api/v1/qoe")
                && !RAW_BODIES.contains(ctx.normalizedPath())) {
            String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
            String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!media.equals("application/json")) {
                ctx.fail(new StatusException(415, m + " " + ctx.request().path()
                        + " takes Content-Type: application/json (got " + (type == null ? "none" : "'" + type + "'") + ")"));
                return;
            }
        }
        ctx.next();
    }

    /** Audits admin calls and guarded writes once answered (refusals too): who, what, the status. */
    private static void audit(RoutingContext ctx, Accounts accounts, Role role) {
        HttpMethod m = ctx.request().method();
        if (ctx.get("tributary.audit") != null || !(WRITES.contains(m) || role == Role.ADMIN && m != HttpMethod.GET)) {
            return;
        }
        ctx.put("tributary.audit", Boolean.TRUE);
        String action = m + " " + ctx.request().path();
        ctx.addEndHandler(x -> {
            String actor = Identity.actor(ctx);
            int status = ctx.response().getStatusCode();
            AUDIT.info(() -> "audit actor=" + actor + " action=\"" + action + "\" outcome=" + status);
            accounts.audit(actor, action, status).onFailure(e -> AUDIT.warning("audit row not written: " + e.getMessage()));
        });
    }
}
