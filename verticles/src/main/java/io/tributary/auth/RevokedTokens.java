package io.tributary.auth;

import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Access tokens signed out before they expire: their {@code jti}, in a Hazelcast map every node of
 * the cluster shares (each entry lives until its token would have expired anyway), mirrored in
 * memory on each node so that checking a token costs no cluster call. A node learns of a
 * revocation elsewhere through the map's events (milliseconds), and of older ones by a scan when it
 * starts. Bounded: {@link #MAX} tokens (a token is revoked only by its holder, at most once); past
 * that the oldest revocations are evicted and those tokens live out their few minutes.
 */
final class RevokedTokens {

    private static final Logger LOG = Logger.getLogger(RevokedTokens.class.getName());
    static final String MAP = "tributary.auth.revoked";
    static final int MAX = 100_000;
    static final long PURGE_MS = 60_000;

    private final IMap<String, Long> shared;
    /** jti to its token's expiry (epoch seconds). */
    private final Map<String, Long> local = new ConcurrentHashMap<>();
    private UUID listener;
    private long purge = -1;

    private RevokedTokens(IMap<String, Long> shared) {
        this.shared = shared;
    }

    /** Joins the cluster's deny-list and reads what it holds (on a worker). */
    static Future<RevokedTokens> start(Vertx vertx, HazelcastInstance hz) {
        return vertx.executeBlocking(() -> {
            // the same bound on every member (a dynamic map config; equal ones from each member agree)
            hz.getConfig().addMapConfig(new MapConfig(MAP).setEvictionConfig(new EvictionConfig()
                    .setEvictionPolicy(EvictionPolicy.LRU).setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(MAX)));
            RevokedTokens r = new RevokedTokens(hz.getMap(MAP));
            r.listener = r.shared.addEntryListener(new Mirror(r.local), true);
            r.local.putAll(r.shared);
            return r;
        }, false).map(r -> {
            r.purge = vertx.setPeriodic(PURGE_MS, id -> r.purge());
            return r;
        });
    }

    private record Mirror(Map<String, Long> local) implements EntryAddedListener<String, Long>, EntryUpdatedListener<String, Long> {
        @Override
        public void entryAdded(EntryEvent<String, Long> e) {
            put(e);
        }

        @Override
        public void entryUpdated(EntryEvent<String, Long> e) {
            put(e);
        }

        private void put(EntryEvent<String, Long> e) {
            if (e.getValue() != null && local.size() < MAX) {
                local.put(e.getKey(), e.getValue());
            }
        }
    }

    boolean revoked(String jti) {
        return jti != null && !jti.isEmpty() && local.containsKey(jti);
    }

    /** Revokes the token {@code jti} expiring at {@code exp} (epoch seconds): here at once, elsewhere when the map tells. */
    Future<Void> revoke(String jti, long exp) {
        long ttl = exp - System.currentTimeMillis() / 1000;
        if (jti == null || jti.isEmpty() || ttl <= 0) {
            return Future.succeededFuture();
        }
        if (local.size() >= MAX) {
            LOG.warning("the revoked-token list is full (" + MAX + "): a signed-out access token stays valid until it expires");
            return Future.succeededFuture();
        }
        local.put(jti, exp);
        // one extra second: a node whose clock runs a little ahead still refuses the token until it expires there
        return Future.fromCompletionStage(shared.setAsync(jti, exp, ttl + 1, TimeUnit.SECONDS)).mapEmpty();
    }

    private void purge() {
        long now = System.currentTimeMillis() / 1000;
        local.values().removeIf(exp -> exp < now);
    }

    void close(Vertx vertx) {
        if (purge >= 0) {
            vertx.cancelTimer(purge);
        }
        if (listener != null) {
            try {
                shared.removeEntryListener(listener);
            } catch (RuntimeException e) {
                // the member is leaving already
            }
        }
    }

    int size() {
        return local.size();
    }
}
