package io.tributary.ratelimit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.tributary.cluster.SharedMaps;
import io.tributary.cluster.ratelimit.RateTake;
import io.tributary.cluster.ratelimit.RateWindow;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Buckets in the Hazelcast cluster ({@link SharedMaps#RATE_LIMITS}): the embedded default, where a
 * single node is a one-member cluster, and the fallback when Redis fails. Each take is one
 * {@link RateTake} run by the key's owner, so every member of the cluster counts against the same bucket.
 */
public final class HazelcastBuckets implements RateBuckets {

    private final Vertx vertx;
    private final IMap<String, RateWindow> buckets;

    public HazelcastBuckets(Vertx vertx, HazelcastInstance hz) {
        this.vertx = vertx;
        this.buckets = hz.getMap(SharedMaps.RATE_LIMITS);
    }

    @Override
    public Future<Allowance> take(String key, int limit, long periodMillis) {
        // the answer comes on a Hazelcast thread: back onto the caller's context
        return Future.fromCompletionStage(buckets.submitToKey(key, new RateTake(limit, periodMillis)), vertx.getOrCreateContext())
                .map(r -> new Allowance(r[0] == 1, r[1], r[2]));
    }

    @Override
    public String name() {
        return "hazelcast";
    }
}
