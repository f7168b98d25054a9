package io.tributary.cluster.registry;

import io.vertx.core.Future;

/**
 * Which origin holds a live stream: stream key to the origin's HTTP base URL
 * ({@code http://10.0.0.5:8080}). Edges ask it on a cache miss; the cluster implementation
 * is backed by the shared streams map, registered on publish and removed on unpublish or
 * when the origin leaves.
 */
public interface StreamRegistry {

    /**
     * The base URL of the origin holding {@code streamKey}; fails with
     * {@link StreamNotFoundException} when no origin holds it.
     */
    Future<String> originBaseUrl(String streamKey);
}
