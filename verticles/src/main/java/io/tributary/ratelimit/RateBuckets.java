package io.tributary.ratelimit;

import io.vertx.core.Future;

/** Where buckets live, shared by every node: one atomic take per request. */
public interface RateBuckets {

    /** Takes a token from {@code key}'s bucket of {@code limit} tokens refilled every {@code periodMillis}. */
    Future<Allowance> take(String key, int limit, long periodMillis);

    /** The store's name in metrics: {@code redis} or {@code hazelcast}. */
    String name();

    /** Readies the store (connects, loads what it runs); never fails: a store not ready fails its takes instead. */
    default Future<Void> start() {
        return Future.succeededFuture();
    }

    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
