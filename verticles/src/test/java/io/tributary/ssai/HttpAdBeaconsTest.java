package io.tributary.ssai;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The beacon sender against a real HTTP endpoint on loopback: macros, retries, timeouts, the bounded
 * queue, and the address policy (the endpoint's port is allowed explicitly; a second loopback
 * listener, not allowed, must never be reached).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpAdBeaconsTest {

    Vertx vertx;
    HttpServer server;
    HttpServer trap;
    final AtomicInteger trapped = new AtomicInteger();
    SimpleMeterRegistry registry;
    final List<String> seen = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        registry = new SimpleMeterRegistry();
        server = vertx.createHttpServer().requestHandler(req -> {
            seen.add(req.uri());
            int n = tries.computeIfAbsent(req.path(), k -> new AtomicInteger()).incrementAndGet();
            switch (req.path()) {
                case "/ok" -> req.response().setStatusCode(204).end();
                case "/flaky" -> req.response().setStatusCode(n <= 2 ? 503 : 200).end();
                case "/down" -> req.response().setStatusCode(500).end();
                case "/gone" -> req.response().setStatusCode(404).end();
                case "/hang" -> { } // never answers
                case "/to-trap" -> req.response().setStatusCode(302).putHeader("Location", trapUrl("/redirected")).end();
                default -> req.response().setStatusCode(400).end();
            }
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        trap = vertx.createHttpServer().requestHandler(req -> {
            trapped.incrementAndGet();
            req.response().setStatusCode(204).end();
        });
        trap.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String trapUrl(String path) {
        return "http://127.0.0.1:" + trap.actualPort() + path;
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    HttpAdBeacons beacons(int queue, Duration timeout, int retries) {
        return beacons(queue, timeout, retries, settings(queue, timeout, retries).addressPolicy());
    }

    AdDecisionSettings settings(int queue, Duration timeout, int retries) {
        AdDecisionSettings s = AdDecisionSettings.DEFAULTS;
        return new AdDecisionSettings(s.vastUrl(), s.vastUrlRules(), s.wrapperDepth(), s.decisionTimeout(), s.instances(), s.frequencyCap(),
                s.frequencyWindow(), queue, timeout, retries, false, List.of("127.0.0.1:" + server.actualPort()));
    }

    HttpAdBeacons beacons(int queue, Duration timeout, int retries, AdAddressPolicy policy) {
        return new HttpAdBeacons(vertx, settings(queue, timeout, retries), new AdMetrics(registry), policy);
    }

    double refused() {
        var c = registry.find("tributary_ssai_refused_urls_total").tag("use", "beacon").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void privateAddressesAreRefusedWithoutAConnectionOrARetry() throws Exception {
        HttpAdBeacons b = beacons(100, Duration.ofSeconds(2), 2);
        long t0 = System.nanoTime();
        assertTrue(!ok(b.send(List.of(trapUrl("/imp")), "impression", null, "s1")), "loopback, another port than the allowed one");
        assertTrue(!ok(b.send(List.of("http://localhost:" + trap.actualPort() + "/imp"), "impression", null, "s1")), "a name resolving to loopback");
        assertTrue(!ok(b.send(List.of("http://[::ffff:127.0.0.1]:" + trap.actualPort() + "/imp"), "start", null, "s1")), "v4-mapped loopback");
        assertTrue(!ok(b.send(List.of("http://169.254.169.254/latest/meta-data/"), "start", null, "s1")), "cloud metadata");
        for (String url : List.of("http://10.0.0.1:9/x", "http://192.168.1.1/x", "http://[fd00::1]/x")) {
            assertTrue(!ok(b.send(List.of(url), "start", null, "s1")), url); // one at a time: a send fails with its first URL
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1500, "refused before any connection or retry (no 250 ms backoff), took " + ms + " ms");
        assertEquals(0, trapped.get(), "the private listener got nothing");
        assertEquals(7, refused());
        assertEquals(7, count("refused"));
        assertEquals(0, count("failed"));
        // the allowed endpoint still works
        assertTrue(ok(b.send(List.of(url("/ok")), "start", null, "s1")));
    }

    @Test
    void aRedirectToAPrivateAddressIsNotFollowed() throws Exception {
        HttpAdBeacons b = beacons(100, Duration.ofSeconds(2), 2);
        assertTrue(!ok(b.send(List.of(url("/to-trap")), "complete", null, "s1")));
        assertEquals(1, tries.get("/to-trap").get(), "asked once, not retried");
        assertEquals(0, trapped.get(), "the redirect's private target got nothing");
        assertEquals(1, refused());
    }

    @Test
    void theNodesOwnListenerAndBuiltInAdsAreLetIn() throws Exception {
        AdAddressPolicy own = settings(100, Duration.ofSeconds(2), 0).addressPolicy();
        own.trustOwnListener("127.0.0.1", trap.actualPort());
        assertTrue(ok(beacons(100, Duration.ofSeconds(2), 0, own).send(List.of(trapUrl("/own")), "start", null, "s1")));
        assertEquals(1, trapped.get(), "exactly the node's own listener");
        AdPod.Ad builtIn = new AdPod.Ad("a1", "a1", "a1", 1000, Map.of(), List.of(), true);
        assertTrue(ok(beacons(100, Duration.ofSeconds(2), 0).send(List.of(trapUrl("/builtin")), "start", builtIn, "s1")));
        assertEquals(2, trapped.get(), "a built-in ad's URLs are a node's own");
        AdPod.Ad external = new AdPod.Ad("a2", "c2", "a2", 1000, Map.of(), List.of());
        assertTrue(!ok(beacons(100, Duration.ofSeconds(2), 0).send(List.of(trapUrl("/ext")), "start", external, "s1")));
        assertEquals(2, trapped.get());
    }

    static <T> boolean ok(Future<T> f) throws Exception {
        try {
            f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    double count(String result) {
        var c = registry.find("tributary_ssai_beacons_total").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void macrosAreReplacedAndEachUrlIsSentOnce() throws Exception {
        HttpAdBeacons b = beacons(100, Duration.ofSeconds(2), 2);
        assertTrue(ok(b.send(List.of(url("/ok?c=[ERRORCODE]&cb=[CACHEBUSTING]&t=[TIMESTAMP]&keep=[OTHER]")), "error:303", null, "s1")));
        assertEquals(1, seen.size());
        String uri = seen.get(0);
        assertTrue(uri.matches("/ok\\?c=303&cb=\\d{8}&t=\\d{4}-\\d\\d-\\d\\dT[0-9%A:.]+Z&keep=\\[OTHER]"), uri);
        assertTrue(ok(b.send(List.of(url("/ok?c=[ERRORCODE]")), "start", null, "s1")));
        assertEquals("/ok?c=900", seen.get(1), "no code in the event: 900, undefined error");
        assertEquals(2, count("sent"));
    }

    @Test
    void aServerErrorIsRetriedWithBackoffUntilItAnswers() throws Exception {
        HttpAdBeacons b = beacons(100, Duration.ofSeconds(2), 2);
        long t0 = System.nanoTime();
        assertTrue(ok(b.send(List.of(url("/flaky")), "impression", null, "s1")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(3, tries.get("/flaky").get(), "two 503s, then the third try");
        assertTrue(ms >= HttpAdBeacons.BACKOFF_MS * 3, "backoff 250 + 500 ms, took " + ms);
        assertEquals(1, count("sent"));
        assertEquals(0, count("failed"));
    }

    @Test
    void aDeadEndpointFailsAfterTheRetriesAndA4xxIsNotRetried() throws Exception {
        HttpAdBeacons b = beacons(100, Duration.ofSeconds(2), 2);
        assertTrue(!ok(b.send(List.of(url("/down")), "complete", null, "s1")));
        assertEquals(3, tries.get("/down").get());
        assertTrue(!ok(b.send(List.of(url("/gone")), "complete", null, "s1")));
        assertEquals(1, tries.get("/gone").get());
        assertEquals(2, count("failed"));
    }

    @Test
    void aHangingEndpointTimesOut() throws Exception {
        HttpAdBeacons b = beacons(100, Duration.ofMillis(300), 1);
        long t0 = System.nanoTime();
        assertTrue(!ok(b.send(List.of(url("/hang")), "start", null, "s1")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(2, tries.get("/hang").get());
        assertTrue(ms < 5000, "two tries of 300 ms and a backoff, took " + ms);
        assertEquals(1, count("failed"));
    }

    @Test
    void aFullQueueDropsAndCountsWithoutWaiting() throws Exception {
        HttpAdBeacons b = beacons(3, Duration.ofSeconds(3), 0);
        List<Future<Void>> sends = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            sends.add(b.send(List.of(url("/hang?i=" + i)), "start", null, "s" + i));
        }
        long enqueueMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(enqueueMs < 500, "send only enqueues; took " + enqueueMs + " ms");
        assertEquals(7, count("dropped"));
        assertEquals(3, b.waiting());
        int failedFast = 0;
        for (Future<Void> f : sends) {
            failedFast += f.failed() ? 1 : 0;
        }
        assertEquals(7, failedFast, "a dropped URL's future fails at once");
        for (Future<Void> f : sends) {
            ok(f);
        }
        assertEquals(3, tries.get("/hang").get(), "only the queued three went out");
        assertEquals(0, b.waiting());
        // room again: the next one is taken
        assertTrue(ok(b.send(List.of(url("/ok")), "start", null, "s")));
    }
}
