package io.tributary.auth;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.db.Postgres;
import io.tributary.live.PublishGate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

import java.nio.file.Path;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * Accounts, tokens, API keys and publish secrets on the node's PostgreSQL; or, with
 * {@code auth.enabled: false}, none of it: every API route open and only the configured
 * anonymous keys publishing. {@link #guard} goes on every HTTP router before its API routes.
 */
public final class AuthModule {

    private static final Logger LOG = Logger.getLogger(AuthModule.class.getName());
    /** Expired refresh tokens are swept this often. */
    static final long PURGE_MS = 3_600_000;

    private final Vertx vertx;
    private final AuthSettings settings;
    private final Accounts accounts;
    private final Authenticator authenticator;
    private final AuthApi api;
    private final PublishSecrets secrets;
    private final Jwt jwt;
    private RevokedTokens revoked;
    private long reload = -1;
    private long purge = -1;

    private AuthModule(Vertx vertx, AuthSettings settings, Accounts accounts, Authenticator authenticator, AuthApi api,
                       PublishSecrets secrets, Jwt jwt) {
        this.vertx = vertx;
        this.settings = settings;
        this.accounts = accounts;
        this.authenticator = authenticator;
        this.api = api;
        this.secrets = secrets;
        this.jwt = jwt;
    }

    /** No accounts: said loudly, since every operator route is open then. */
    public static AuthModule disabled(Vertx vertx, AuthSettings settings) {
        LOG.warning("auth.enabled is false: every API route, the operator routes too, is open to whoever reaches this node");
        return new AuthModule(vertx, settings, null, null, null, null, null);
    }

    /** @param clustered other nodes must verify this node's tokens: a generated key (this node's own) cannot do */
    public static Future<AuthModule> start(Vertx vertx, AuthSettings settings, Postgres postgres, Path dataDir,
                                           MeterRegistry registry, boolean clustered, HazelcastInstance hz) {
        if (clustered && settings.jwtSecret().isEmpty()) {
            LOG.warning("auth.jwt-secret is empty on a clustered node: its tokens are signed with a key of its own, which the"
                    + " other nodes reject; set the same auth.jwt-secret (TRIBUTARY_AUTH_JWT_SECRET) on every node");
        }
        Accounts accounts = new Accounts(postgres.pool());
        PublishSecrets secrets = new PublishSecrets(accounts);
        Future<RevokedTokens> revocations = RevokedTokens.start(vertx, hz);
        return revocations.compose(r -> vertx.executeBlocking(() -> new Object[]{SigningKeys.load(settings, dataDir),
                new Passwords(settings.passwordIterations())}, false)).compose(made -> {
                    SigningKeys keys = (SigningKeys) made[0];
                    Passwords passwords = (Passwords) made[1];
                    Jwt jwt = new Jwt(keys, Clock.systemUTC());
                    RevokedTokens revoked = revocations.result();
                    Authenticator authenticator = new Authenticator(jwt, accounts, revoked);
                    AuthApi api = new AuthApi(vertx, settings, accounts, passwords, jwt, keys, secrets, authenticator,
                            new AuthMetrics(registry), revoked);
                    AuthModule module = new AuthModule(vertx, settings, accounts, authenticator, api, secrets, jwt);
                    module.revoked = revoked;
                    return module.firstAdmin(passwords).compose(x -> secrets.load()).map(x -> {
                        module.reload = secrets.follow(vertx);
                        module.purge = vertx.setPeriodic(PURGE_MS, id -> accounts.purgeExpired());
                        return module;
                    });
                });
    }

    /** The configured admin when missing; with none configured and no admin yet, a one-time bootstrap token in the log. */
    private Future<Void> firstAdmin(Passwords passwords) {
        if (!settings.adminPassword().isEmpty()) {
            return accounts.byName(settings.adminUser()).compose(found -> found.isPresent() ? Future.<Void>succeededFuture()
                    : vertx.executeBlocking(() -> passwords.hash(settings.adminPassword()), false)
                            .compose(hash -> accounts.create(settings.adminUser(), hash, Role.ADMIN, "free"))
                            .onSuccess(a -> LOG.info("created admin account '" + a.name() + "' from auth.admin-password"))
                            // another node of the cluster created it meanwhile
                            .<Void>mapEmpty().recover(e -> accounts.byName(settings.adminUser())
                                    .compose(again -> again.isPresent() ? Future.succeededFuture() : Future.failedFuture(e))));
        }
        return accounts.anyAdmin().map(any -> {
            if (!any) {
                String token = Tokens.random(24);
                api.bootstrapToken(token);
                // info, not a warning: on a first start this is the expected next step, not a fault
                LOG.info("no admin account yet. Create the first with: curl -H 'Content-Type: application/json' "
                        + "-d '{\"token\":\"" + token + "\",\"name\":\"admin\",\"password\":\"...\"}' "
                        + "http://HOST:PORT/api/v1/auth/bootstrap  (the token is good once, until an admin exists)");
            }
            return null;
        });
    }

    public boolean enabled() {
        return accounts != null;
    }

    /** Before any API route of {@code router}: credentials read, the JSON rule and the role table applied. */
    public void guard(Router router) {
        if (enabled()) {
            ApiPolicy.mount(router, authenticator, accounts);
        } else {
            ApiPolicy.mountOpen(router);
        }
    }

    /** The account, key and stream routes. */
    public void mount(Router router) {
        if (enabled()) {
            api.mount(router);
        }
    }

    /**
     * The caller an {@code authorization} value (gRPC metadata) names, or a 401; {@link Caller#OPEN}
     * on a node without accounts.
     */
    public Future<Caller> caller(String authorization) {
        return enabled() ? authenticator.caller(authorization) : Future.succeededFuture(Caller.OPEN);
    }

    /** Stream {@code name} with a new publish secret (the secret; 409 when it exists); 409 too without accounts. */
    public Future<String> createStream(String name, Caller by) {
        if (!enabled()) {
            return Future.failedFuture(io.tributary.StatusException.conflict(
                    "publish secrets need accounts (auth.enabled: true); rtmp.stream-keys decides who publishes here"));
        }
        if (!io.tributary.config.StreamKeys.valid(name)) {
            return Future.failedFuture(io.tributary.StatusException.badRequest("name must be 1-128 letters, digits, '-' or '_'"));
        }
        return AuthApi.createStream(accounts, secrets, name, by.actor());
    }

    /** An audit line and row, as ApiPolicy writes for HTTP calls: who, what, the outcome (an HTTP-style status). */
    public void audit(String actor, String action, int outcome) {
        ApiPolicy.AUDIT.info(() -> "audit actor=" + actor + " action=\"" + action + "\" outcome=" + outcome);
        if (enabled()) {
            accounts.audit(actor, action, outcome)
                    .onFailure(e -> ApiPolicy.AUDIT.warning("audit row not written: " + e.getMessage()));
        }
    }

    /** Publish secrets for the ingest protocols. */
    public PublishGate publishGate() {
        return enabled() ? secrets : PublishGate.NONE;
    }

    /** A publish secret for {@code stream} good in this process only (the demo broadcaster's); null without accounts. */
    public String ephemeralSecret(String stream) {
        return enabled() ? secrets.ephemeral(stream) : null;
    }

    /** An access token for an account or key, as a signed-in client would get it (tests, tools on the node). */
    public String issue(String sub, String kind, Role role, String name) {
        return jwt.issue(sub, kind, role, name, settings.accessTtl());
    }

    public AuthSettings settings() {
        return settings;
    }

    public Future<Void> close() {
        if (reload >= 0) {
            vertx.cancelTimer(reload);
        }
        if (purge >= 0) {
            vertx.cancelTimer(purge);
        }
        if (revoked != null) {
            revoked.close(vertx);
        }
        return Future.succeededFuture();
    }
}
