package io.tributary.edge;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Single flight: at most one fetch per key in flight, however many ask. The first caller's
 * fetch runs; everyone who asks while it is in flight gets its outcome, success or failure.
 * The entry is cleared when the fetch completes, so a later call fetches again (whatever
 * should be reused afterwards is the cache's business, not this class's).
 *
 * <p>Shared by the edge's verticle instances: each caller is answered on its own Vert.x
 * context, not on the thread that completed the fetch.
 */
public final class RequestCollapser<K, V> {

    private final ConcurrentHashMap<K, Future<V>> inFlight = new ConcurrentHashMap<>();

    /**
     * The outcome of the fetch in flight for {@code key}, or of {@code fetch} started now when
     * none is. {@code isLeader}, when given, is told whether this call started the fetch.
     */
    public Future<V> fetch(K key, Supplier<Future<V>> fetch) {
        return fetch(key, fetch, null);
    }

    public Future<V> fetch(K key, Supplier<Future<V>> fetch, boolean[] isLeader) {
        Promise<V> mine = Promise.promise();
        Future<V> running = inFlight.putIfAbsent(key, mine.future());
        if (isLeader != null) {
            isLeader[0] = running == null;
        }
        if (running != null) {
            return onCaller(running);
        }
        Future<V> f;
        try {
            f = fetch.get();
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        f.onComplete(ar -> {
            inFlight.remove(key, mine.future());
            mine.handle(ar);
        });
        return onCaller(mine.future());
    }

    /** Fetches in flight now. */
    public int inFlight() {
        return inFlight.size();
    }

    private static <V> Future<V> onCaller(Future<V> shared) {
        Context ctx = Vertx.currentContext();
        if (ctx == null) {
            return shared;
        }
        Promise<V> local = Promise.promise();
        shared.onComplete(ar -> {
            if (Vertx.currentContext() == ctx) {
                local.handle(ar);
            } else {
                ctx.runOnContext(v -> local.handle(ar));
            }
        });
        return local.future();
    }
}
