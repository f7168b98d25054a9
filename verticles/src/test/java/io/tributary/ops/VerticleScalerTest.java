package io.tributary.ops;

import io.tributary.StatusException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The scaler's serialisation with verticles that take a while to start and stop, as servers
 * finishing their requests do: one scale of a set at a time (409 for the others), never a set
 * left half retired or an instance left over, and no scaling once the node stops.
 */
class VerticleScalerTest {

    /** Verticles alive now (started and not stopped), over every set. */
    private final AtomicInteger alive = new AtomicInteger();
    private Vertx vertx;
    private VerticleScaler scaler;

    private final class Slow extends VerticleBase {
        @Override
        public Future<?> start() {
            return vertx.timer(30).andThen(x -> alive.incrementAndGet());
        }

        @Override
        public Future<?> stop() {
            return vertx.timer(60).andThen(x -> alive.decrementAndGet());
        }
    }

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        scaler = new VerticleScaler(vertx);
        await(scaler.deploy("delivery", Slow::new, 2));
        assertEquals(2, alive.get());
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrentRequestsAreGrantedOneAtATimeAndLeaveOneSetOfTheLastSize() throws Exception {
        int last = 2;
        for (int round = 0; round < 5; round++) {
            List<Future<JsonObject>> burst = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                burst.add(scaler.scale("delivery", 1 + (round + i) % 4));
            }
            int granted = 0;
            for (Future<JsonObject> f : burst) {
                try {
                    last = await(f).getInteger("instances");
                    granted++;
                } catch (StatusException e) {
                    assertEquals(409, e.status(), e.getMessage());
                }
            }
            // a scale to 1 deploys nothing and is over at once, so another of the burst may follow it
            assertTrue(granted >= 1 && granted < burst.size(), granted + " granted: one at a time, the rest refused while one runs");
        }
        int expected = last;
        awaitTrue("retirements done", () -> scaler.describe().getInteger("retiring") == 0 && alive.get() == expected);
        assertEquals(expected, scaler.instances("delivery"));
        assertEquals(expected, alive.get(), "exactly one set of the size granted last: nothing half retired, nothing extra");
        assertEquals(expected == 1 ? 1 : 2, vertx.deploymentIDs().size(), "the base instance and one replaceable deployment");
    }

    @Test
    void aSetUndeployedWhileItScalesLeavesNothingBehind() throws Exception {
        Future<JsonObject> scaling = scaler.scale("delivery", 6);
        await(scaler.undeploy("delivery"));
        try {
            await(scaling);
            fail("a scale whose set was undeployed meanwhile cannot succeed");
        } catch (StatusException e) {
            assertEquals(503, e.status(), e.getMessage());
        }
        awaitTrue("every instance stopped", () -> alive.get() == 0 && vertx.deploymentIDs().isEmpty());
    }

    @Test
    void noScalingOnceTheNodeStops() throws Exception {
        scaler.shutdown();
        try {
            await(scaler.scale("delivery", 3));
            fail("scaled while stopping");
        } catch (StatusException e) {
            assertEquals(503, e.status());
            assertTrue(e.getMessage().contains("shutting down"), e.getMessage());
        }
        assertEquals(2, scaler.instances("delivery"));
        assertEquals(2, alive.get());
    }

    private static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof StatusException s) {
                throw s;
            }
            throw e;
        }
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + " within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
