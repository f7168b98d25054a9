package io.tributary.auth;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the credentials of an API request: {@code Authorization: Bearer} with an access token
 * (a JWT) or an API key, or {@code X-Api-Key}. Valid ones become the request's user
 * ({@link Identity}); invalid ones are a 401 whatever the route (a client with a stale token
 * should learn it); none leave the request anonymous for the routes' guards to judge.
 */
final class Authenticator implements Handler<RoutingContext> {

    static final String KEY_PREFIX = "trk_";
    /** Known keys are checked against the database at most this often (a revocation elsewhere takes this long here). */
    static final long KEY_CACHE_MS = 30_000;
    static final int KEY_CACHE_MAX = 10_000;

    private record CachedKey(Accounts.ApiKey key, long until) {
    }

    private final Jwt jwt;
    private final Accounts accounts;
    private final RevokedTokens revoked;
    private final Map<String, CachedKey> keys = new ConcurrentHashMap<>();

    Authenticator(Jwt jwt, Accounts accounts, RevokedTokens revoked) {
        this.jwt = jwt;
        this.accounts = accounts;
        this.revoked = revoked;
    }

    /** {@link Jwt#verify}, and not signed out: a 401 either way. */
    Jwt.Claims verify(String token) {
        Jwt.Claims c = jwt.verify(token);
        if (revoked.revoked(c.jti())) {
            throw AuthException.unauthorized("access token revoked (signed out)");
        }
        return c;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String apiKey = ctx.request().getHeader("X-Api-Key");
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (apiKey == null && authorization == null) {
            ctx.next();
            return;
        }
        String credential = apiKey;
        if (credential == null) {
            if (authorization.length() < 8 || !authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                fail(ctx, "Authorization must be 'Bearer ACCESS_TOKEN' or 'Bearer API_KEY'");
                return;
            }
            credential = authorization.substring(7).trim();
        }
        if (credential.startsWith(KEY_PREFIX)) {
            Future<Accounts.ApiKey> lookup = apiKey(credential);
            // a key not cached yet is looked up in PostgreSQL: hold the request's body meanwhile, or a
            // body handler further on finds the request already ended (a 500 on every first POST with a key)
            boolean hold = !lookup.isComplete() && !ctx.request().isEnded();
            if (hold) {
                ctx.request().pause();
            }
            lookup.onComplete(r -> {
                if (hold) {
                    ctx.request().resume();
                }
                if (r.succeeded()) {
                    Accounts.ApiKey key = r.result();
                    Identity.set(ctx, Identity.user(key.id(), Identity.API_KEY, key.role(), key.name()));
                    ctx.next();
                } else {
                    fail(ctx, r.cause() instanceof AuthException a ? a : null);
                }
            });
            return;
        }
        try {
            Jwt.Claims c = verify(credential);
            Identity.set(ctx, Identity.user(c.sub(), c.kind(), c.role(), c.name(), c.plan()));
        } catch (AuthException e) {
            fail(ctx, e);
            return;
        }
        ctx.next();
    }

    /**
     * The caller an {@code Authorization} value names ({@code Bearer ACCESS_TOKEN} or {@code Bearer API_KEY}),
     * for callers outside the router (gRPC metadata); a 401 when it is missing, malformed, invalid or expired.
     */
    Future<Caller> caller(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Future.failedFuture(AuthException.unauthorized("no credentials: send the metadata "
                    + "'authorization: Bearer ACCESS_TOKEN' or 'Bearer API_KEY'"));
        }
        if (authorization.length() < 8 || !authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return Future.failedFuture(AuthException.unauthorized("authorization must be 'Bearer ACCESS_TOKEN' or 'Bearer API_KEY'"));
        }
        String credential = authorization.substring(7).trim();
        if (credential.startsWith(KEY_PREFIX)) {
            return apiKey(credential).map(k -> new Caller(k.id(), Identity.API_KEY, k.role(), k.name()));
        }
        try {
            Jwt.Claims c = verify(credential);
            return Future.succeededFuture(new Caller(c.sub(), c.kind(), c.role(), c.name()));
        } catch (AuthException e) {
            return Future.failedFuture(e);
        }
    }

    private static void fail(RoutingContext ctx, String message) {
        fail(ctx, AuthException.unauthorized(message));
    }

    private static void fail(RoutingContext ctx, AuthException e) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"tributary\", error=\"invalid_token\"");
        ctx.fail(e != null ? e : AuthException.unauthorized("API key could not be checked"));
    }

    /** The live key {@code text} ({@code trk_ID_SECRET}) names, or a 401. */
    Future<Accounts.ApiKey> apiKey(String text) {
        int sep = text.indexOf('_', KEY_PREFIX.length());
        if (sep < 0 || text.length() > 200) {
            return Future.failedFuture(AuthException.unauthorized("malformed API key"));
        }
        String id = text.substring(KEY_PREFIX.length(), sep);
        byte[] hash = Tokens.sha256(text.substring(sep + 1));
        CachedKey cached = keys.get(id);
        Future<Accounts.ApiKey> found;
        if (cached != null && cached.until() > System.currentTimeMillis()) {
            found = Future.succeededFuture(cached.key());
        } else {
            found = accounts.apiKey(id).map(k -> {
                if (k.isEmpty()) {
                    keys.remove(id);
                    return null;
                }
                if (keys.size() >= KEY_CACHE_MAX) {
                    keys.clear(); // a bound, not an LRU: the keys in use come back at their next request
                }
                keys.put(id, new CachedKey(k.get(), System.currentTimeMillis() + KEY_CACHE_MS));
                return k.get();
            });
        }
        return found.compose(k -> k != null && MessageDigest.isEqual(k.hash(), hash) ? Future.succeededFuture(k)
                : Future.failedFuture(AuthException.unauthorized("API key unknown or revoked")));
    }

    void forget(String keyId) {
        keys.remove(keyId);
    }
}
