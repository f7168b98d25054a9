package io.tributary.edge;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each test gets its own Vert.x from {@link VertxExtension}, closed after it. */
@ExtendWith(VertxExtension.class)
class RequestCollapserTest {

    private Vertx vertx;

    @BeforeEach
    void vertx(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Runs {@code n} callers spread over event loops, each asking for {@code key}; returns their results. */
    private List<CompletableFuture<String>> ask(RequestCollapser<String, String> c, String key, int n,
                                                java.util.function.Supplier<Future<String>> fetch) throws Exception {
        List<CompletableFuture<String>> out = new ArrayList<>();
        CountDownLatch asked = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            CompletableFuture<String> r = new CompletableFuture<>();
            out.add(r);
            vertx.getOrCreateContext().runOnContext(v -> {
                var ctx = Vertx.currentContext();
                c.fetch(key, fetch).onComplete(ar -> {
                    if (Vertx.currentContext() != ctx) {
                        r.completeExceptionally(new AssertionError("answered on another context"));
                    } else if (ar.succeeded()) {
                        r.complete(ar.result());
                    } else {
                        r.completeExceptionally(ar.cause());
                    }
                });
                asked.countDown();
            });
        }
        assertTrue(asked.await(10, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void oneFetchPerKeyInFlightAndEveryWaiterAnswered() throws Exception {
        RequestCollapser<String, String> c = new RequestCollapser<>();
        AtomicInteger fetches = new AtomicInteger();
        Promise<String> upstream = Promise.promise();
        List<CompletableFuture<String>> waiters = ask(c, "seg-1", 200, () -> {
            fetches.incrementAndGet();
            return upstream.future();
        });
        assertEquals(1, fetches.get());
        assertEquals(1, c.inFlight());
        assertFalse(waiters.get(0).isDone());
        upstream.complete("bytes");
        for (CompletableFuture<String> w : waiters) {
            assertEquals("bytes", w.get(5, TimeUnit.SECONDS));
        }
        assertEquals(0, c.inFlight(), "cleared after completion");

        // a later request fetches again
        List<CompletableFuture<String>> later = ask(c, "seg-1", 1, () -> {
            fetches.incrementAndGet();
            return Future.succeededFuture("again");
        });
        assertEquals("again", later.get(0).get(5, TimeUnit.SECONDS));
        assertEquals(2, fetches.get());
    }

    @Test
    void failureReachesEveryWaiterAndIsNotRemembered() throws Exception {
        RequestCollapser<String, String> c = new RequestCollapser<>();
        Promise<String> upstream = Promise.promise();
        List<CompletableFuture<String>> waiters = ask(c, "k", 50, upstream::future);
        upstream.fail(new IllegalStateException("origin down"));
        for (CompletableFuture<String> w : waiters) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> w.get(5, TimeUnit.SECONDS));
            assertEquals("origin down", e.getCause().getMessage());
        }
        assertEquals("ok", ask(c, "k", 1, () -> Future.succeededFuture("ok")).get(0).get(5, TimeUnit.SECONDS));
        // a fetch that throws instead of failing its future is a failure too, and is cleared
        List<CompletableFuture<String>> thrown = ask(c, "t", 1, () -> {
            throw new IllegalArgumentException("bad");
        });
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> thrown.get(0).get(5, TimeUnit.SECONDS));
        assertEquals("bad", e.getCause().getMessage());
        assertEquals(0, c.inFlight());
    }

    @Test
    void differentKeysFetchSeparately() throws Exception {
        RequestCollapser<String, String> c = new RequestCollapser<>();
        AtomicInteger fetches = new AtomicInteger();
        Promise<String> a = Promise.promise();
        Promise<String> b = Promise.promise();
        var wa = ask(c, "a", 10, () -> {
            fetches.incrementAndGet();
            return a.future();
        });
        var wb = ask(c, "b", 10, () -> {
            fetches.incrementAndGet();
            return b.future();
        });
        assertEquals(2, fetches.get());
        b.complete("B");
        assertEquals("B", wb.get(9).get(5, TimeUnit.SECONDS));
        assertFalse(wa.get(0).isDone());
        a.complete("A");
        assertEquals("A", wa.get(3).get(5, TimeUnit.SECONDS));
    }
}
