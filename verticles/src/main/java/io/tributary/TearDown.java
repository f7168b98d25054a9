package io.tributary;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The node's stops, in the reverse order of the starts that added them: a failed start-up
 * and {@link Node#close()} run the same steps. A step that fails does not stop the next.
 */
final class TearDown {

    private final List<Supplier<Future<?>>> steps = new ArrayList<>();
    private boolean ran;

    synchronized void add(Supplier<Future<?>> step) {
        steps.add(step);
    }

    /** Runs every step once, last added first; later calls get the same end. */
    Future<Void> run() {
        List<Supplier<Future<?>>> todo;
        synchronized (this) {
            if (ran) {
                return Future.succeededFuture();
            }
            ran = true;
            todo = new ArrayList<>(steps);
        }
        Future<?> chain = Future.succeededFuture();
        for (int i = todo.size() - 1; i >= 0; i--) {
            Supplier<Future<?>> step = todo.get(i);
            chain = chain.transform(x -> step.get()).otherwiseEmpty();
        }
        return chain.mapEmpty();
    }
}
