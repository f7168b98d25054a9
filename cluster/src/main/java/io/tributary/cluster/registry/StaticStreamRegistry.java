package io.tributary.cluster.registry;

import io.vertx.core.Future;

import java.util.Map;
import java.util.function.Predicate;

/**
 * A registry without a cluster: every stream is at one configured origin (an edge in front of
 * a single origin, as nginx with one upstream), optionally only the keys a predicate accepts.
 */
public final class StaticStreamRegistry implements StreamRegistry {

    private final String origin;
    private final Predicate<String> holds;

    public StaticStreamRegistry(String originBaseUrl, Predicate<String> holds) {
        this.origin = originBaseUrl.endsWith("/") ? originBaseUrl.substring(0, originBaseUrl.length() - 1) : originBaseUrl;
        this.holds = holds;
    }

    /** Every stream key at {@code originBaseUrl}: the origin itself says 404 for what it does not hold. */
    public static StaticStreamRegistry allAt(String originBaseUrl) {
        return new StaticStreamRegistry(originBaseUrl, k -> true);
    }

    /** Only the listed stream keys, each at its origin. */
    public static StreamRegistry of(Map<String, String> originByStream) {
        Map<String, String> copy = Map.copyOf(originByStream);
        return key -> {
            String o = copy.get(key);
            return o == null ? Future.failedFuture(new StreamNotFoundException(key)) : Future.succeededFuture(o);
        };
    }

    @Override
    public Future<String> originBaseUrl(String streamKey) {
        return holds.test(streamKey) ? Future.succeededFuture(origin) : Future.failedFuture(new StreamNotFoundException(streamKey));
    }
}
