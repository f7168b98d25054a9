package io.tributary;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The node's stops, in the reverse order of the starts that added them: a failed start-up
 * and {@link Node#close()} run the same steps. A step that fails does not stop the next, and
 * neither does one that hangs: after the step limit (15 s) it is logged by name and left behind,
 * so a stuck close never keeps the node (and its cluster membership) from going.
 */
final class TearDown {

    private static final Logger LOG = Logger.getLogger(TearDown.class.getName());
    static final long STEP_LIMIT_MS = 15_000;
    private static final long SLOW_MS = 3_000;
    /** Not a Vert.x timer: the node's Vert.x may be the thing closing. */
    private static final ScheduledExecutorService CLOCK = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tributary-teardown-clock");
        t.setDaemon(true);
        return t;
    });

    private record Step(String name, Supplier<Future<?>> run) {
    }

    private final List<Step> steps = new ArrayList<>();
    private final long stepLimitMs;
    private boolean ran;

    TearDown() {
        this(STEP_LIMIT_MS);
    }

    TearDown(long stepLimitMs) {
        this.stepLimitMs = stepLimitMs;
    }

    synchronized void add(Supplier<Future<?>> step) {
        add("step " + (steps.size() + 1), step);
    }

    /** A step with a name for the log when it is slow or stuck. */
    synchronized void add(String name, Supplier<Future<?>> step) {
        steps.add(new Step(name, step));
    }

    /** Runs every step once, last added first; later calls get the same end. */
    Future<Void> run() {
        List<Step> todo;
        synchronized (this) {
            if (ran) {
                return Future.succeededFuture();
            }
            ran = true;
            todo = new ArrayList<>(steps);
        }
        Future<?> chain = Future.succeededFuture();
        for (int i = todo.size() - 1; i >= 0; i--) {
            Step step = todo.get(i);
            chain = chain.transform(x -> bounded(step)).otherwiseEmpty();
        }
        return chain.mapEmpty();
    }

    private Future<?> bounded(Step step) {
        long started = System.nanoTime();
        Future<?> f;
        try {
            f = step.run().get();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        Promise<Void> done = Promise.promise();
        var limit = CLOCK.schedule(() -> {
            if (done.tryComplete()) {
                LOG.warning("teardown: " + step.name() + " did not finish in " + stepLimitMs + " ms; going on without it");
            }
        }, stepLimitMs, TimeUnit.MILLISECONDS);
        f.onComplete(ar -> {
            limit.cancel(false);
            long ms = (System.nanoTime() - started) / 1_000_000;
            if (done.tryComplete() && ms >= SLOW_MS) {
                LOG.warning("teardown: " + step.name() + " took " + ms + " ms");
            }
        });
        return done.future();
    }
}
