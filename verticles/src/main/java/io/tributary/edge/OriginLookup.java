package io.tributary.edge;

import io.tributary.cluster.registry.StreamNotFoundException;
import io.tributary.cluster.registry.StreamRegistry;
import io.vertx.core.Future;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The stream registry as the edge asks it: one lookup per stream in flight however many
 * requests miss at once, the answer reused for a short while, and "nobody holds it"
 * remembered as briefly so requests for an unknown stream do not storm the registry.
 */
final class OriginLookup {

    /** Above this many remembered streams, expired entries are swept (and all dropped if still too many). */
    private static final int MAX_REMEMBERED = 10_000;

    private record Remembered(String origin, long until) {
    }

    private final StreamRegistry registry;
    private final long positiveNanos;
    private final long negativeNanos;
    private final LongSupplier clock;
    private final RequestCollapser<String, String> collapser = new RequestCollapser<>();
    private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();

    OriginLookup(StreamRegistry registry, long positiveNanos, long negativeNanos, LongSupplier clock) {
        this.registry = registry;
        this.positiveNanos = positiveNanos;
        this.negativeNanos = negativeNanos;
        this.clock = clock;
    }

    Future<String> originOf(String stream) {
        Future<String> known = remembered(stream);
        if (known != null) {
            return known;
        }
        // asked again inside the single flight: a lookup that completed (and was remembered) between
        // the check above and this call, on another event loop, must not start a second one
        return collapser.fetch(stream, () -> {
            Future<String> meanwhile = remembered(stream);
            return meanwhile != null ? meanwhile : lookup(stream);
        });
    }

    /** The remembered answer for {@code stream} while it is fresh, else null. */
    private Future<String> remembered(String stream) {
        Remembered r = remembered.get(stream);
        if (r == null || clock.getAsLong() - r.until >= 0) {
            return null;
        }
        return r.origin != null ? Future.succeededFuture(r.origin) : Future.failedFuture(new StreamNotFoundException(stream));
    }

    private Future<String> lookup(String stream) {
        return registry.originBaseUrl(stream).andThen(ar -> {
            if (ar.succeeded()) {
                remember(stream, new Remembered(ar.result(), clock.getAsLong() + positiveNanos));
            } else if (ar.cause() instanceof StreamNotFoundException) {
                remember(stream, new Remembered(null, clock.getAsLong() + negativeNanos));
            }
        });
    }

    /** The origin failed us: ask the registry again next time (the stream may have moved). */
    void forget(String stream) {
        remembered.remove(stream);
    }

    private void remember(String stream, Remembered r) {
        if (remembered.size() >= MAX_REMEMBERED) {
            long now = clock.getAsLong();
            remembered.values().removeIf(x -> now - x.until >= 0);
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.clear();
            }
        }
        remembered.put(stream, r);
    }
}
