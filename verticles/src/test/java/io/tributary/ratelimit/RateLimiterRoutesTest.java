package io.tributary.ratelimit;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.cluster.ClusterMember;
import io.tributary.cluster.ClusterSettings;
import io.tributary.http.Routers;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.impl.UserContextInternal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limiter on an API router behind authentication, keyed on the identity contract the auth module
 * sets ({@code ctx.user()} with principal {@code {sub, kind, role}}). The handler ahead of it here
 * stands in for authentication only: it reads the identity from an {@code X-Test-Identity} header
 * ({@code user:alice}, {@code apikey:ci}). The buckets are real (Hazelcast, and Redis when it listens).
 */
class RateLimiterRoutesTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static Vertx vertx;
    private static HazelcastInstance hz;

    @BeforeAll
    static void up() {
        vertx = Vertx.vertx();
        hz = ClusterMember.start(ClusterSettings.embedded());
    }

    @AfterAll
    static void down() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
        hz.shutdown();
    }

    /** An API server: the stand-in authentication, the limiter, an echo route with a body handler, login. */
    private static HttpServer server(RateLimiter limiter) throws Exception {
        Router router = Routers.create(vertx);
        router.route("/api/*").handler(RateLimiterRoutesTest::identify).handler(limiter);
        router.get("/api/v1/things").handler(ctx -> ctx.json(new JsonObject().put("ok", true)));
        router.post(RateLimiter.LOGIN_PATH).handler(ctx -> ctx.json(new JsonObject().put("token", "t")));
        router.post("/api/v1/echo").handler(BodyHandler.create().setBodyLimit(1 << 20))
                .handler(ctx -> ctx.end(Integer.toString(ctx.body().length())));
        return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    private static void identify(RoutingContext ctx) {
        String id = ctx.request().getHeader("X-Test-Identity");
        if (id != null) {
            String[] kindAndSub = id.split(":", 2);
            ((UserContextInternal) ctx.userContext()).setUser(User.create(new JsonObject()
                    .put("sub", kindAndSub[1]).put("kind", kindAndSub[0]).put("role", "viewer")));
        }
        ctx.next();
    }

    @Test
    void switchedOffNothingIsCountedOnAnyDoor() throws Exception {
        RateLimitSettings d = RateLimitSettings.defaults();
        RateLimitSettings off = new RateLimitSettings(false, d.period(), 2, 2, 2, 2, "", d.redisTimeout(), d.keyPrefix());
        RateLimiter limiter = RateLimiter.create(vertx, off, hz, new SimpleMeterRegistry());
        for (int i = 0; i < 5; i++) {
            // the gRPC door asks check() directly: it must say yes as the route handler does
            assertTrue(limiter.check(RateScope.USER, "alice").await(10, TimeUnit.SECONDS).allowed(), "call " + i);
        }
        HttpServer server = server(limiter);
        try {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, get(server.actualPort(), "user:alice").statusCode());
            }
        } finally {
            server.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void usersApiKeysAddressesAndLoginsEachHaveTheirOwnBucket() throws Exception {
        RateLimitSettings s = RateLimitSettings.defaults(); // 100 per user, 10 logins per address a minute
        s = new RateLimitSettings(true, s.period(), s.user(), 150, 30, s.login(), "", s.redisTimeout(), s.keyPrefix());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HttpServer server = server(RateLimiter.create(vertx, s, hz, registry));
        try {
            int port = server.actualPort();
            for (int i = 1; i <= 100; i++) {
                assertEquals(200, get(port, "user:alice").statusCode(), "alice's request " + i);
            }
            HttpResponse<String> refused = get(port, "user:alice");
            assertEquals(429, refused.statusCode());
            assertTrue(refused.body().contains("too many requests for this user (limit 100 per 60 s)"), refused.body());
            assertTrue(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()) <= 60);

            // another user on the same address, an API key, an anonymous caller: unaffected
            assertEquals(200, get(port, "user:bob").statusCode());
            for (int i = 1; i <= 150; i++) {
                assertEquals(200, get(port, "apikey:ci").statusCode(), "the key's request " + i);
            }
            HttpResponse<String> key = get(port, "apikey:ci");
            assertEquals(429, key.statusCode());
            assertTrue(key.body().contains("for this API key (limit 150 per 60 s)"), key.body());
            assertEquals(200, get(port, null).statusCode());

            // logins: per address, whoever asks; ten a minute
            for (int i = 1; i <= 10; i++) {
                assertEquals(200, login(port, i % 2 == 0 ? "user:alice" : null).statusCode(), "login " + i);
            }
            HttpResponse<String> login = login(port, null);
            assertEquals(429, login.statusCode());
            assertTrue(login.body().contains("to log in from this address (limit 10 per 60 s)"), login.body());
            assertEquals(1.0, registry.get("tributary_ratelimit_rejected").tag("scope", "login").counter().count());
            assertEquals(1.0, registry.get("tributary_ratelimit_rejected").tag("scope", "user").counter().count());
            assertEquals(1.0, registry.get("tributary_ratelimit_rejected").tag("scope", "apikey").counter().count());
        } finally {
            server.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void the101stRequestOfAUserAcrossTwoServersSharingRedisGets429() throws Exception {
        Assumptions.assumeTrue(RateLimitTest.listening(6379), "Redis is not listening on 127.0.0.1:6379: test skipped");
        String prefix = "tributary-test:" + UUID.randomUUID() + ":";
        RateLimitSettings s = RateLimitSettings.defaults().withRedis("redis://127.0.0.1:6379", prefix); // 100 per user a minute
        // two limiters, as two nodes have: each its own Redis client
        RateLimiter one = RateLimiter.create(vertx, s, hz, new SimpleMeterRegistry());
        RateLimiter two = RateLimiter.create(vertx, s, hz, new SimpleMeterRegistry());
        one.start().await(10, TimeUnit.SECONDS);
        two.start().await(10, TimeUnit.SECONDS);
        HttpServer a = server(one);
        HttpServer b = server(two);
        try {
            for (int i = 1; i <= 100; i++) {
                int port = (i % 2 == 0 ? a : b).actualPort();
                assertEquals(200, get(port, "user:alice").statusCode(), "alice's request " + i);
            }
            for (HttpServer server : new HttpServer[]{a, b}) {
                HttpResponse<String> refused = get(server.actualPort(), "user:alice");
                assertEquals(429, refused.statusCode());
                long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
                assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
                assertEquals("0", refused.headers().firstValue("RateLimit-Remaining").orElse(null));
            }
            assertEquals(200, get(b.actualPort(), "user:bob").statusCode());
            assertEquals("redis", one.store());
            assertEquals("redis", two.store());
        } finally {
            a.close().await(5, TimeUnit.SECONDS);
            b.close().await(5, TimeUnit.SECONDS);
            one.close().await(5, TimeUnit.SECONDS);
            two.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRequestBodyWaitsForTheCheckOnHazelcastAndRedis() throws Exception {
        RateLimitSettings s = RateLimitSettings.defaults();
        check(s);
        Assumptions.assumeTrue(RateLimitTest.listening(6379), "Redis is not listening on 127.0.0.1:6379: Redis part skipped");
        check(s.withRedis("redis://127.0.0.1:6379", "tributary-test:" + UUID.randomUUID() + ":"));
    }

    private static void check(RateLimitSettings s) throws Exception {
        RateLimiter limiter = RateLimiter.create(vertx, s, hz, new SimpleMeterRegistry());
        limiter.start().await(10, TimeUnit.SECONDS);
        HttpServer server = server(limiter);
        try {
            byte[] body = new byte[256 * 1024];
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/api/v1/echo"))
                        .header("X-Test-Identity", "user:body-" + i).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), limiter.store() + ": " + r.body());
                assertEquals(Integer.toString(body.length), r.body(), limiter.store() + ": the whole body reached its handler");
            }
        } finally {
            server.close().await(5, TimeUnit.SECONDS);
            limiter.close().await(5, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> get(int port, String identity) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/things")).timeout(Duration.ofSeconds(10));
        if (identity != null) {
            b.header("X-Test-Identity", identity);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> login(int port, String identity) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + RateLimiter.LOGIN_PATH))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(10));
        if (identity != null) {
            b.header("X-Test-Identity", identity);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
