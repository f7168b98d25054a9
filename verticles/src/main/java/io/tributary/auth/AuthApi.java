package io.tributary.auth;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The account routes: sign-in ({@code /api/v1/auth/login}, {@code /refresh}, {@code /logout},
 * {@code /bootstrap}, {@code /me}), accounts and API keys (admin), streams with publish secrets
 * (editor), the audit trail (admin). Who may call which is {@link ApiPolicy}'s table.
 */
final class AuthApi {

    static final int MAX_JSON = 4096;
    /** Password hashes running at once: each takes a worker for hundreds of ms; beyond, 503 at once. */
    static final int MAX_HASHING = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);

    private final Vertx vertx;
    private final AuthSettings settings;
    private final Accounts accounts;
    private final Passwords passwords;
    private final Jwt jwt;
    private final SigningKeys keys;
    private final PublishSecrets secrets;
    private final Authenticator authenticator;
    private final AuthMetrics metrics;
    private final RevokedTokens revoked;
    private final AtomicInteger hashing = new AtomicInteger();
    /** The one-time bootstrap token's hash while no admin exists and none was configured; null otherwise. */
    private volatile byte[] bootstrap;

    AuthApi(Vertx vertx, AuthSettings settings, Accounts accounts, Passwords passwords, Jwt jwt, SigningKeys keys,
            PublishSecrets secrets, Authenticator authenticator, AuthMetrics metrics, RevokedTokens revoked) {
        this.revoked = revoked;
        this.vertx = vertx;
        this.settings = settings;
        this.accounts = accounts;
        this.passwords = passwords;
        this.jwt = jwt;
        this.keys = keys;
        this.secrets = secrets;
        this.authenticator = authenticator;
        this.metrics = metrics;
    }

    void bootstrapToken(String token) {
        bootstrap = token == null ? null : Tokens.sha256(token);
    }

    void mount(Router router) {
        BodyHandler body = BodyHandler.create().setBodyLimit(MAX_JSON);
        router.post("/api/v1/auth/login").handler(body).handler(this::login);
        router.post("/api/v1/auth/refresh").handler(body).handler(this::refresh);
        router.post("/api/v1/auth/logout").handler(body).handler(this::logout);
        router.post("/api/v1/auth/bootstrap").handler(body).handler(this::bootstrap);
        router.get("/api/v1/auth/me").handler(ctx -> ctx.json(ctx.user().principal()));
        router.post("/api/v1/auth/keys/rotate").handler(this::rotate);
        router.post("/api/v1/users").handler(body).handler(this::createUser);
        router.get("/api/v1/users").handler(ctx -> answer(ctx, accounts.list().map(a -> new JsonObject().put("users", a))));
        router.post("/api/v1/api-keys").handler(body).handler(this::createApiKey);
        router.get("/api/v1/api-keys").handler(ctx -> answer(ctx, accounts.apiKeys().map(a -> new JsonObject().put("apiKeys", a))));
        router.delete("/api/v1/api-keys/:id").handler(this::revokeApiKey);
        router.post("/api/v1/streams").handler(body).handler(this::createStream);
        router.post("/api/v1/streams/:key/secret").handler(this::replaceSecret);
        router.get("/api/v1/audit").handler(ctx -> answer(ctx, accounts.auditTrail(200).map(a -> new JsonObject().put("entries", a))));
    }

    // ---- sign-in ----

    private void login(RoutingContext ctx) {
        JsonObject in = json(ctx);
        String name = text(in, "name");
        String password = text(in, "password");
        if (password.length() > Passwords.MAX_LENGTH) {
            throw StatusException.badRequest("password too long");
        }
        answer(ctx, hashing(() -> accounts.byName(name).compose(found -> vertx.executeBlocking(
                        () -> passwords.verify(password, found.map(Accounts.Account::passwordHash).orElse(null)), false)
                .compose(ok -> {
                    if (!ok) {
                        metrics.login("refused");
                        return Future.failedFuture(AuthException.unauthorized("wrong name or password"));
                    }
                    metrics.login("ok");
                    return tokens(found.get(), UUID.randomUUID().toString());
                }))));
    }

    private void refresh(RoutingContext ctx) {
        String token = text(json(ctx), "refreshToken");
        answer(ctx, accounts.useRefresh(token).compose(r -> tokens(r.account(), r.family()))
                .onFailure(e -> metrics.refresh(e instanceof AuthException ? "refused" : "error"))
                .onSuccess(x -> metrics.refresh("ok")));
    }

    /**
     * Signs out: the sign-in's refresh tokens ({@code refreshToken} in the body) and the access token
     * the request carries ({@code Authorization: Bearer}), which every node of the cluster refuses from
     * then on, until it would have expired. One of the two at least.
     */
    private void logout(RoutingContext ctx) {
        JsonObject in = json(ctx);
        Object refresh = in.getValue("refreshToken");
        Jwt.Claims access = accessToken(ctx);
        if (access == null && !(refresh instanceof String r && !r.isEmpty())) {
            throw StatusException.badRequest("logout needs \"refreshToken\" in the body or the access token "
                    + "as Authorization: Bearer");
        }
        Future<Void> revokedAccess = access == null ? Future.succeededFuture() : revoked.revoke(access.jti(), access.exp());
        Future<?> revokedRefresh = refresh instanceof String r && !r.isEmpty() ? accounts.revokeFamilyOf(r) : Future.succeededFuture();
        Future.all(revokedAccess, revokedRefresh).onSuccess(x -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
    }

    /** The access token (a JWT, not an API key) the request was authenticated with, or null. */
    private Jwt.Claims accessToken(RoutingContext ctx) {
        String authorization = ctx.request().getHeader(io.vertx.core.http.HttpHeaders.AUTHORIZATION);
        if (ctx.user() == null || authorization == null || authorization.length() < 8) {
            return null;
        }
        String credential = authorization.substring(7).trim();
        return credential.startsWith(Authenticator.KEY_PREFIX) ? null : jwt.verify(credential);
    }

    /** An access token and a new refresh token of {@code family}. */
    private Future<JsonObject> tokens(Accounts.Account a, String family) {
        String refresh = Tokens.random(32);
        return accounts.storeRefresh(refresh, family, a.id(), settings.refreshTtl()).map(x -> new JsonObject()
                .put("accessToken", jwt.issue(String.valueOf(a.id()), Identity.USER, a.role(), a.name(), a.plan(), settings.accessTtl()))
                .put("tokenType", "Bearer").put("expiresIn", settings.accessTtl().toSeconds())
                .put("refreshToken", refresh).put("refreshExpiresIn", settings.refreshTtl().toSeconds())
                .put("role", a.role().wire()));
    }

    private void bootstrap(RoutingContext ctx) {
        JsonObject in = json(ctx);
        String token = text(in, "token");
        byte[] expected = bootstrap;
        if (expected == null || !MessageDigest.isEqual(expected, Tokens.sha256(token))) {
            throw AuthException.forbidden(expected == null ? "bootstrap is over: an admin exists" : "wrong bootstrap token");
        }
        answer(ctx, newAccount(in, Role.ADMIN).onSuccess(x -> bootstrap = null).map(a -> {
            ctx.response().setStatusCode(201);
            return describe(a);
        }));
    }

    private void rotate(RoutingContext ctx) {
        if (!keys.rotatable()) {
            throw StatusException.conflict("the signing key comes from auth.jwt-secret: rotate it in the config "
                    + "(the old one into auth.jwt-previous-secrets)");
        }
        answer(ctx, vertx.executeBlocking(keys::rotate, false).map(kid -> new JsonObject().put("kid", kid)));
    }

    // ---- accounts and keys ----

    private void createUser(RoutingContext ctx) {
        JsonObject in = json(ctx);
        Role role = role(in);
        answer(ctx, newAccount(in, role).map(a -> {
            ctx.response().setStatusCode(201);
            return describe(a);
        }));
    }

    private Future<Accounts.Account> newAccount(JsonObject in, Role role) {
        String name = text(in, "name");
        String password = text(in, "password");
        if (!Accounts.validName(name)) {
            throw StatusException.badRequest("name must be 1-64 letters, digits, '.', '-', '_' or '@'");
        }
        String problem = Passwords.problem(password);
        if (problem != null) {
            throw StatusException.badRequest(problem);
        }
        Object plan = in.getValue("plan", "free");
        if (!(plan instanceof String p) || !p.matches("[a-z0-9-]{1,32}")) {
            throw StatusException.badRequest("plan must be 1-32 lower-case letters, digits or '-'");
        }
        return hashing(() -> vertx.executeBlocking(() -> passwords.hash(password), false)
                .compose(hash -> accounts.create(name, hash, role, p)));
    }

    private static JsonObject describe(Accounts.Account a) {
        return new JsonObject().put("id", String.valueOf(a.id())).put("name", a.name()).put("role", a.role().wire()).put("plan", a.plan());
    }

    private void createApiKey(RoutingContext ctx) {
        JsonObject in = json(ctx);
        String name = text(in, "name");
        if (name.length() > 100) {
            throw StatusException.badRequest("name must have 100 characters at most");
        }
        Role role = role(in);
        String id = HexFormat.of().formatHex(java.util.Base64.getUrlDecoder().decode(Tokens.random(6)));
        String secret = Tokens.random(32);
        answer(ctx, accounts.storeApiKey(id, name, secret, role, Identity.actor(ctx)).map(x -> {
            ctx.response().setStatusCode(201);
            return new JsonObject().put("id", id).put("name", name).put("role", role.wire())
                    .put("key", Authenticator.KEY_PREFIX + id + "_" + secret);
        }));
    }

    private void revokeApiKey(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        accounts.revokeApiKey(id).onSuccess(found -> {
            authenticator.forget(id);
            if (found) {
                ctx.response().setStatusCode(204).end();
            } else {
                ctx.fail(StatusException.notFound("no API key " + id));
            }
        }).onFailure(ctx::fail);
    }

    // ---- streams ----

    private void createStream(RoutingContext ctx) {
        String name = text(json(ctx), "name");
        if (!StreamKeys.valid(name)) {
            throw StatusException.badRequest("name must be 1-128 letters, digits, '-' or '_'");
        }
        answer(ctx, createStream(accounts, secrets, name, Identity.actor(ctx)).map(secret -> {
            ctx.response().setStatusCode(201);
            return publishing(ctx, name, secret);
        }));
    }

    /**
     * Stores stream {@code name} (a valid key) with a new publish secret, which publishes here at once;
     * gives the secret, or 409 when the stream exists. The REST route and the gRPC control plane share it.
     */
    static Future<String> createStream(Accounts accounts, PublishSecrets secrets, String name, String actor) {
        String secret = Tokens.random(24);
        byte[] hash = Tokens.sha256(secret);
        return accounts.createStream(name, hash, actor).map(x -> {
            secrets.created(name, hash);
            return secret;
        });
    }

    private void replaceSecret(RoutingContext ctx) {
        String name = ctx.pathParam("key");
        String secret = Tokens.random(24);
        byte[] hash = Tokens.sha256(secret);
        answer(ctx, accounts.replaceSecret(name, hash).compose(found -> {
            if (!found) {
                return Future.failedFuture(StatusException.notFound("no stream '" + name + "' (create it with POST /api/v1/streams)"));
            }
            secrets.created(name, hash);
            return Future.succeededFuture(publishing(ctx, name, secret));
        }));
    }

    /** The secret (shown this once) and how each broadcaster takes it. */
    private static JsonObject publishing(RoutingContext ctx, String name, String secret) {
        String host = ctx.request().authority() == null ? "HOST" : ctx.request().authority().host();
        return new JsonObject().put("name", name).put("secret", secret)
                .put("rtmpUrl", "rtmp://" + host + "/live/" + name + "?secret=" + secret)
                .put("obs", new JsonObject().put("server", "rtmp://" + host + "/live").put("streamKey", name + "." + secret))
                .put("srtStreamId", "#!::r=live/" + name + ",m=publish,s=" + secret)
                .put("playback", "/live/" + name + "/index.m3u8");
    }

    // ---- helpers ----

    private <T> Future<T> hashing(java.util.function.Supplier<Future<T>> work) {
        if (hashing.incrementAndGet() > MAX_HASHING) {
            hashing.decrementAndGet();
            return Future.failedFuture(new StatusException(503, "too many sign-ins at once: try again in a moment"));
        }
        Future<T> f;
        try {
            f = work.get();
        } catch (RuntimeException e) {
            hashing.decrementAndGet();
            throw e;
        }
        return f.andThen(x -> hashing.decrementAndGet());
    }

    private static JsonObject json(RoutingContext ctx) {
        try {
            JsonObject o = ctx.body().asJsonObject();
            if (o == null) {
                throw StatusException.badRequest("body must be a JSON object");
            }
            return o;
        } catch (DecodeException | ClassCastException e) {
            throw StatusException.badRequest("body must be a JSON object");
        }
    }

    private static String text(JsonObject in, String field) {
        Object v = in.getValue(field);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw StatusException.badRequest("body needs \"" + field + "\": a non-empty string");
        }
        return s;
    }

    private static Role role(JsonObject in) {
        Object v = in.getValue("role");
        Role r = v instanceof String s ? Role.parse(s) : null;
        if (r == null) {
            throw StatusException.badRequest("role must be one of admin, editor, viewer, guest");
        }
        return r;
    }

    private static void answer(RoutingContext ctx, Future<JsonObject> reply) {
        reply.onSuccess(ctx::json).onFailure(ctx::fail);
    }

}
