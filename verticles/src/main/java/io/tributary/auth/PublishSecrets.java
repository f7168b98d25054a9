package io.tributary.auth;

import io.tributary.live.PublishGate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The publish secrets of streams created with {@code POST /api/v1/streams}, as SHA-256 hashes held
 * in memory (SRT decides in its handshake, RTMP before its publish answer) and reloaded from
 * PostgreSQL every {@link #RELOAD_MS}: a stream created on another node of a cluster publishes
 * here within that. Streams of this process only ({@link #ephemeral}) serve the demo broadcaster.
 */
public final class PublishSecrets implements PublishGate {

    private static final Logger LOG = Logger.getLogger(PublishSecrets.class.getName());
    static final long RELOAD_MS = 10_000;

    private final Accounts accounts;
    private volatile Map<String, byte[]> stored = Map.of();
    private final Map<String, byte[]> local = new ConcurrentHashMap<>();

    PublishSecrets(Accounts accounts) {
        this.accounts = accounts;
    }

    Future<Void> load() {
        return accounts.streamSecrets().map(m -> {
            m.putAll(local);
            stored = Map.copyOf(m);
            return null;
        });
    }

    long follow(Vertx vertx) {
        return vertx.setPeriodic(RELOAD_MS, id -> load().onFailure(e -> LOG.fine("publish secrets not reloaded: " + e.getMessage())));
    }

    /** A stream created here: publishes at once, before the next reload. */
    void created(String name, byte[] hash) {
        Map<String, byte[]> m = new java.util.HashMap<>(stored);
        m.put(name, hash);
        stored = Map.copyOf(m);
    }

    /** A secret for {@code name} valid in this process only, never stored (the built-in demo broadcaster's). */
    public String ephemeral(String name) {
        String secret = Tokens.random(24);
        local.put(name, Tokens.sha256(secret));
        created(name, Tokens.sha256(secret));
        return secret;
    }

    @Override
    public boolean hasSecret(String key) {
        return stored.containsKey(key);
    }

    @Override
    public String refusal(String key, String secret) {
        byte[] hash = stored.get(key);
        if (hash == null) {
            return "stream '" + key + "' is not allowed to publish here: an editor creates it with POST /api/v1/streams";
        }
        if (secret == null || secret.isEmpty()) {
            return "stream '" + key + "' needs its publish secret: rtmp://HOST/live/" + key + "?secret=SECRET, or the key "
                    + key + Credentials.SEPARATOR + "SECRET";
        }
        if (!MessageDigest.isEqual(hash, Tokens.sha256(secret))) {
            return "wrong publish secret for stream '" + key + "'";
        }
        return null;
    }
}
