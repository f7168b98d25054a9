package io.tributary.ops;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * How a role's HTTP verticles (edge, router) take part in the node's graceful stop: {@code /health}
 * answers 503 while the node drains (routers and readiness probes send viewers elsewhere), the
 * requests they serve are counted (as a route handler) so the drain waits for them, and a stopping
 * verticle finishes them within what is left of the grace.
 */
public final class Retiring implements Handler<RoutingContext> {

    private final BooleanSupplier draining;
    private final LongSupplier stopGraceMillis;
    private final AtomicInteger inFlight = new AtomicInteger();

    public Retiring(BooleanSupplier draining, LongSupplier stopGraceMillis) {
        this.draining = draining;
        this.stopGraceMillis = stopGraceMillis;
    }

    /** Outside a node (tests of a verticle alone): never draining, {@code stopGraceMillis} to finish on a stop. */
    public static Retiring never(long stopGraceMillis) {
        return new Retiring(() -> false, () -> stopGraceMillis);
    }

    public boolean draining() {
        return draining.getAsBoolean();
    }

    /** How long a stopping verticle may take to finish its in-flight requests. */
    public long stopGraceMillis() {
        return stopGraceMillis.getAsLong();
    }

    /** Requests through this handler not answered (or closed) yet. */
    public int inFlight() {
        return Math.max(0, inFlight.get());
    }

    @Override
    public void handle(RoutingContext ctx) {
        inFlight.incrementAndGet();
        ctx.addEndHandler(x -> inFlight.decrementAndGet()); // answered, failed or closed: once
        ctx.next();
    }
}
