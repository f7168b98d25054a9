package io.tributary.ratelimit;

import io.tributary.Node;
import io.tributary.StatusException;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API's rate limits as a client sees them, on real nodes: the embedded default, two clustered
 * nodes sharing Hazelcast buckets, two unclustered nodes sharing the Redis at 127.0.0.1:6379, and a
 * node whose Redis is unreachable. Until authentication lands every caller is anonymous, so a client
 * is its address; a second client connects from 127.0.0.2.
 */
class RateLimitTest {

    private static final String API = "/api/v1/streams";

    @Test
    void the101stRequestWithinAMinuteOnTheEmbeddedDefaultGets429WithRetryAfter() {
        // the shipped figures: 100 per minute per client
        Node node = TestNode.start(Map.of("TRIBUTARY_RATELIMIT_ANONYMOUS", "100"));
        try {
            for (int i = 1; i <= 100; i++) {
                HttpResponse<String> r = TestNode.get(node, API);
                assertEquals(200, r.statusCode(), "request " + i + ": " + r.body());
                assertEquals("100", r.headers().firstValue("RateLimit-Limit").orElse(null));
                assertEquals(Integer.toString(100 - i), r.headers().firstValue("RateLimit-Remaining").orElse(null));
            }
            HttpResponse<String> refused = TestNode.get(node, API);
            assertRefused(refused, 60);
            assertTrue(refused.body().contains("limit 100 per 60 s"), refused.body());
            // still refused: a refused request does not move the window
            assertRefused(TestNode.get(node, "/api/v1/cluster"), 60);

            // another client is unaffected
            assertEquals(200, fromOtherAddress(node, API));
            // players are not limited here: media, the clock and the beacons' own bound
            assertEquals(404, TestNode.get(node, "/live/nobody/index.m3u8").statusCode());
            assertEquals(200, TestNode.get(node, "/api/v1/time").statusCode());

            Scrape metrics = Scrape.of(node);
            assertEquals(2.0, metrics.value("tributary_ratelimit_rejected_total", "scope=\"anonymous\""));
            assertTrue(metrics.value("tributary_ratelimit_check_seconds_count", "store=\"hazelcast\"") >= 102);
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void aClientsBucketIsFullAgainWhenItsPeriodEnds() throws Exception {
        Node node = TestNode.start(Map.of("TRIBUTARY_RATELIMIT_ANONYMOUS", "3", "TRIBUTARY_RATELIMIT_PERIOD", "2s"));
        try {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, TestNode.get(node, API).statusCode());
            }
            HttpResponse<String> refused = TestNode.get(node, API);
            assertRefused(refused, 2);
            Thread.sleep(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()) * 1000 + 200);
            assertEquals(200, TestNode.get(node, API).statusCode());
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void twoClusteredNodesCountOneBucketPerClient() {
        try (TestCluster cluster = new TestCluster(2)) {
            Map<String, String> env = Map.of("TRIBUTARY_RATELIMIT_ANONYMOUS", "20");
            Node a = cluster.start(0, env);
            Node b = cluster.start(1, env);
            TestNode.await("two members", java.time.Duration.ofSeconds(30),
                    () -> a.hazelcast().getCluster().getMembers().size() == 2);
            for (int i = 0; i < 20; i++) {
                Node n = i % 2 == 0 ? a : b;
                assertEquals(200, TestNode.get(n, API).statusCode(), "request " + (i + 1));
            }
            assertRefused(TestNode.get(a, API), 60);
            assertRefused(TestNode.get(b, API), 60);
            assertEquals(200, fromOtherAddress(b, API));
        }
    }

    @Test
    void twoNodesSharingRedisCountOneBucketPerClient() throws Exception {
        Assumptions.assumeTrue(listening(6379), "Redis is not listening on 127.0.0.1:6379: test skipped");
        String prefix = "tributary-test:" + UUID.randomUUID() + ":";
        Map<String, String> env = Map.of("TRIBUTARY_RATELIMIT_ANONYMOUS", "20", "TRIBUTARY_REDIS_URL", "redis://127.0.0.1:6379",
                "TRIBUTARY_RATELIMIT_KEY_PREFIX", prefix);
        // not clustered: each node has its own one-member Hazelcast, so only Redis is shared
        Node a = TestNode.start(env);
        Node b = TestNode.start(env);
        Vertx vertx = Vertx.vertx();
        Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:6379");
        try {
            for (int i = 0; i < 20; i++) {
                Node n = i % 2 == 0 ? a : b;
                assertEquals(200, TestNode.get(n, API).statusCode(), "request " + (i + 1));
            }
            assertRefused(TestNode.get(b, API), 60);
            assertRefused(TestNode.get(a, API), 60);
            assertEquals(200, fromOtherAddress(a, API));

            // the bucket is in Redis, and it expires with its period
            String key = prefix + "anonymous:127.0.0.1";
            assertEquals(20, redis.send(Request.cmd(Command.GET).arg(key)).await(5, TimeUnit.SECONDS).toInteger());
            long ttl = redis.send(Request.cmd(Command.PTTL).arg(key)).await(5, TimeUnit.SECONDS).toLong();
            assertTrue(ttl > 0 && ttl <= 60_000, "PTTL " + ttl);
            assertTrue(Scrape.of(a).value("tributary_ratelimit_check_seconds_count", "store=\"redis\"") >= 10);
            assertEquals(0.0, Scrape.of(a).value("tributary_ratelimit_store_errors_total", "store=\"redis\""));
        } finally {
            redis.send(Request.cmd(Command.DEL).arg(prefix + "anonymous:127.0.0.1").arg(prefix + "anonymous:127.0.0.2"))
                    .await(5, TimeUnit.SECONDS);
            redis.close();
            vertx.close();
            TestNode.stop(a);
            TestNode.stop(b);
        }
    }

    @Test
    void aNodeWhoseRedisIsUnreachableStillLimitsThroughHazelcastAndCountsTheFailure() {
        int closed = TestNode.freePort(); // nothing listens there
        Map<String, String> env = new HashMap<>(Map.of("TRIBUTARY_RATELIMIT_ANONYMOUS", "5",
                "TRIBUTARY_REDIS_URL", "redis://127.0.0.1:" + closed));
        Node node = TestNode.start(env);
        try {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, TestNode.get(node, API).statusCode(), "request " + (i + 1));
            }
            assertRefused(TestNode.get(node, API), 60);
            Scrape metrics = Scrape.of(node);
            assertTrue(metrics.value("tributary_ratelimit_store_errors_total", "store=\"redis\"") >= 1);
            assertEquals(0.0, metrics.value("tributary_ratelimit_unchecked_total"));
        } finally {
            TestNode.stop(node);
        }
    }

    private static void assertRefused(HttpResponse<String> r, int periodSeconds) {
        assertEquals(429, r.statusCode(), r.body());
        long retry = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow(() -> new AssertionError("no Retry-After")));
        assertTrue(retry >= 1 && retry <= periodSeconds, "Retry-After " + retry);
        assertEquals(StatusException.PROBLEM_JSON, r.headers().firstValue("Content-Type").orElse(null));
        JsonObject problem = new JsonObject(r.body());
        assertEquals(429, problem.getInteger("status"));
        assertEquals("Too Many Requests", problem.getString("title"));
        assertTrue(problem.getString("detail").startsWith("too many requests from this address"), problem.getString("detail"));
    }

    /** The status a client connecting from 127.0.0.2 gets for {@code GET path}. */
    static int fromOtherAddress(Node node, String path) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", node.httpPort()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 200"
            return Integer.parseInt(head.substring(9, 12));
        } catch (IOException e) {
            throw new AssertionError("request from 127.0.0.2 failed", e);
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
