package io.tributary;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node's close runs every step, last added first, past steps that fail, throw or never finish. */
@Timeout(10)
class TearDownTest {

    @Test
    void aStuckStepIsLeftBehindAndTheRestStillRun() throws Exception {
        TearDown t = new TearDown(300);
        List<String> ran = new ArrayList<>();
        t.add("first added", () -> {
            ran.add("first");
            return Future.succeededFuture();
        });
        t.add("stuck", () -> {
            ran.add("stuck");
            return Promise.promise().future(); // never completes
        });
        t.add("throws", () -> {
            ran.add("throws");
            throw new IllegalStateException("broken close");
        });
        t.add(() -> {
            ran.add("fails");
            return Future.failedFuture("closed badly");
        });
        long started = System.nanoTime();
        t.run().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertEquals(List.of("fails", "throws", "stuck", "first"), ran);
        assertTrue(ms >= 300 && ms < 3000, "waited the stuck step's limit once, not forever: " + ms + " ms");
        // a second close is the same end, and runs nothing again
        t.run().toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertEquals(4, ran.size());
    }
}
