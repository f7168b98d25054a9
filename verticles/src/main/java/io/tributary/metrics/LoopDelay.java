package io.tributary.metrics;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/**
 * How late a timer fires on the calling verticle's event loop: the time a request arriving then waits
 * behind whatever holds the loop (another verticle's work on the same thread, a long handler). A
 * one-shot timer re-armed each time, so a late fire is measured once, never caught up in a burst.
 */
public final class LoopDelay {

    /** Probes per second and event loop: cheap, and dense enough to see a 10 ms stall. */
    static final long PERIOD_MS = 10;

    private final Vertx vertx;
    private final Timer delay;
    private long timer = -1;
    private boolean stopped;

    private LoopDelay(Vertx vertx, Timer delay) {
        this.vertx = vertx;
        this.delay = delay;
    }

    /** Starts probing the caller's event loop (call from a verticle's start). */
    public static LoopDelay probe(Vertx vertx, Timer delay) {
        LoopDelay p = new LoopDelay(vertx, delay);
        p.arm();
        return p;
    }

    private void arm() {
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
        timer = vertx.setTimer(PERIOD_MS, t -> {
            delay.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
            if (!stopped) {
                arm();
            }
        });
    }

    public void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
    }
}
