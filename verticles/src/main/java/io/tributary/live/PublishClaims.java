package io.tributary.live;

import io.vertx.core.Future;

/**
 * The gate a publish passes before this node takes its stream key: in a cluster, one origin per
 * key. A refusal fails with {@link io.tributary.cluster.registry.StreamHeldException} naming the
 * origin that holds the key; a local duplicate is {@link LiveStreams#claim}'s to decide.
 */
public interface PublishClaims {

    /** A single node: every key is free. */
    PublishClaims NONE = new PublishClaims() {
        @Override
        public Future<Void> claim(String key) {
            return Future.succeededFuture();
        }

        @Override
        public void release(String key) {
        }
    };

    /** Takes {@code key} for this node, or fails when another origin holds it. */
    Future<Void> claim(String key);

    /** A claim no stream came of (the publisher left, or was refused here): give the key back. */
    void release(String key);
}
