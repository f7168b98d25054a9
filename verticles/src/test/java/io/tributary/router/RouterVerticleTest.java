package io.tributary.router;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Node;
import io.tributary.cluster.health.HealthPolicy;
import io.tributary.cluster.registry.StaticStreamRegistry;
import io.tributary.cluster.ring.HashRing;
import io.tributary.edge.EdgeFetcher;
import io.tributary.edge.EdgeSettings;
import io.tributary.edge.EdgeVerticle;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Routers in front of real edges in front of a real origin with a real RTMP publisher. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class RouterVerticleTest {

    private final HttpClient viewer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    /** The edges' own Vert.x instances: a test closes one to stop that edge. */
    private final List<Vertx> vertxes = new ArrayList<>();
    private LiveNode live;
    private Node origin;
    private String rendition;
    private Vertx routers;

    /** The routers' Vert.x comes from {@link VertxExtension}, closed after the class. */
    @BeforeAll
    void start(Vertx routers) {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        origin = live.node();
        live.publish("routed").send(6.2);
        live.awaitOk("/live/routed/index.m3u8", Duration.ofSeconds(10));
        rendition = live.videoRendition("routed");
        this.routers = routers;
    }

    @AfterAll
    void stop() throws Exception {
        for (Vertx v : vertxes) {
            v.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        live.close();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** A real edge on its own Vert.x instance, in front of the origin; close its Vert.x to kill it. */
    private record Edge(String url, Vertx vertx) {
    }

    private Edge edge() throws Exception {
        Vertx v = Vertx.vertx();
        vertxes.add(v);
        int port = TestNode.freePort();
        EdgeFetcher f = new EdgeFetcher(v, EdgeSettings.defaults("127.0.0.1", port),
                StaticStreamRegistry.allAt(origin.httpUrl("")), new SimpleMeterRegistry(), k -> Duration.ofSeconds(30), null);
        await(EdgeVerticle.deploy(v, f, 1));
        return new Edge("http://127.0.0.1:" + port, v);
    }

    private record Routed(String url, EdgeRouting routing) {
    }

    private Routed router(RouterSettings.Mode mode, HealthPolicy policy, Duration interval, double bounded, Edge... edges)
            throws Exception {
        Map<String, Integer> members = new LinkedHashMap<>();
        for (Edge e : edges) {
            members.put(e.url(), 1);
        }
        int port = TestNode.freePort();
        RouterSettings s = RouterSettings.defaults("127.0.0.1", port, mode).with(policy, interval, bounded);
        EdgeRouting routing = new EdgeRouting(routers, s, () -> members).start();
        await(RouterVerticle.deploy(routers, routing, 2));
        return new Routed("http://127.0.0.1:" + port, routing);
    }

    private HttpResponse<byte[]> get(String url) throws Exception {
        return viewer.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String location(HttpResponse<?> r) {
        return r.headers().firstValue("location").orElse(null);
    }

    /** A stream key whose rendition the ring puts on {@code edge}. */
    private static String keyOn(HashRing ring, String edge) {
        for (int i = 0; ; i++) {
            if (ring.lookup("k" + i + "/video").equals(edge)) {
                return "k" + i;
            }
        }
    }

    @Test
    void redirectsFollowTheRingAndTheEdgeServesTheStream() throws Exception {
        Edge a = edge();
        Edge b = edge();
        Routed r = router(RouterSettings.Mode.REDIRECT, HealthPolicy.DEFAULT, Duration.ofSeconds(1), 0, a, b);
        HashRing ring = HashRing.of(a.url(), b.url());

        String playlist = "/live/routed/" + rendition + "/index.m3u8?sid=viewer-1&token=abc";
        String expectedEdge = ring.lookup("routed/" + rendition);
        for (int i = 0; i < 20; i++) {
            HttpResponse<byte[]> res = get(r.url() + playlist);
            assertEquals(302, res.statusCode());
            assertEquals(expectedEdge + playlist, location(res), "the viewer's query goes along to the edge");
        }
        HttpResponse<byte[]> followed = get(location(get(r.url() + playlist)));
        assertEquals(200, followed.statusCode());
        Playlist pl = new Playlist(new String(followed.body()));
        String segment = "/live/routed/" + rendition + "/" + pl.segments().get(0).uri();
        HttpResponse<byte[]> segRedirect = get(r.url() + segment);
        assertEquals(expectedEdge + segment, location(segRedirect), "every object of a rendition goes to the same edge");
        assertArrayEquals(TestNode.getBytes(origin, segment).body(), get(location(segRedirect)).body());

        Map<String, Integer> share = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            String loc = location(get(r.url() + "/live/k" + i + "/video/part-1.0.m4s"));
            String edgeUrl = loc.substring(0, loc.indexOf("/live/"));
            assertEquals(ring.lookup("k" + i + "/video"), edgeUrl);
            share.merge(edgeUrl, 1, Integer::sum);
        }
        assertTrue(share.getOrDefault(a.url(), 0) > 50 && share.getOrDefault(b.url(), 0) > 50, "shares " + share);

        assertEquals(400, get(r.url() + "/live/bad%20key/v/index.m3u8").statusCode());
        assertEquals(404, get(r.url() + "/elsewhere").statusCode());
    }

    @Test
    void anEdgeThatStopsIsTakenOutByActiveChecksAndItsKeysMove() throws Exception {
        Edge a = edge();
        Edge b = edge();
        HealthPolicy policy = new HealthPolicy(3, Duration.ofSeconds(5), 1, 1);
        Routed r = router(RouterSettings.Mode.REDIRECT, policy, Duration.ofMillis(200), 0, a, b);
        HashRing ring = HashRing.of(a.url(), b.url());
        String onA = keyOn(ring, a.url());
        String onB = keyOn(ring, b.url());
        String target = "/live/" + onA + "/video/index.m3u8";
        assertTrue(location(get(r.url() + target)).startsWith(a.url()));

        await(a.vertx().close());
        long t0 = System.nanoTime();
        TestNode.await("the router to move " + onA + " off the stopped edge", Duration.ofSeconds(5),
                () -> {
                    try {
                        return location(get(r.url() + target)).startsWith(b.url());
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2000, "took " + ms + " ms with 200 ms checks");
        assertTrue(location(get(r.url() + "/live/" + onB + "/video/index.m3u8")).startsWith(b.url()), "keys of the live edge stay");
        assertFalse(r.routing().health().available(a.url()));
        // nothing left: the router says so instead of redirecting into a void
        await(b.vertx().close());
        TestNode.await("no edge available", Duration.ofSeconds(5), () -> {
            try {
                return get(r.url() + target).statusCode() == 503;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void proxyModeServesThroughTheEdgeAndFailsOverAtOnce() throws Exception {
        Edge a = edge();
        Edge b = edge();
        // active checks far apart: only passive health can react within this test
        HealthPolicy policy = new HealthPolicy(1, Duration.ofSeconds(30), 1, 1);
        Routed r = router(RouterSettings.Mode.PROXY, policy, Duration.ofSeconds(60), 0, a, b);
        HashRing ring = HashRing.of(a.url(), b.url());

        String playlist = "/live/routed/" + rendition + "/index.m3u8?sid=x";
        HttpResponse<byte[]> res = get(r.url() + playlist);
        assertEquals(200, res.statusCode(), new String(res.body()));
        assertEquals(ring.lookup("routed/" + rendition), res.headers().firstValue("x-edge").orElseThrow());
        assertTrue(new String(res.body()).startsWith("#EXTM3U"));
        String segment = "/live/routed/" + rendition + "/" + new Playlist(new String(res.body())).segments().get(0).uri();
        assertArrayEquals(TestNode.getBytes(origin, segment).body(), get(r.url() + segment).body());

        String edgeOfStream = ring.lookup("routed/" + rendition);
        Edge dying = edgeOfStream.equals(a.url()) ? a : b;
        String other = dying == a ? b.url() : a.url();
        await(dying.vertx().close());
        HttpResponse<byte[]> failedOver = get(r.url() + segment + "?sid=y");
        assertEquals(200, failedOver.statusCode(), new String(failedOver.body()));
        assertEquals(other, failedOver.headers().firstValue("x-edge").orElseThrow());
        assertArrayEquals(TestNode.getBytes(origin, segment).body(), failedOver.body());
        assertFalse(r.routing().health().available(dying.url()), "one failure (max_fails 1) took it out");
        assertEquals(other, get(r.url() + playlist).headers().firstValue("x-edge").orElseThrow());
    }

    @Test
    void boundedLoadPassesAnOverloadedEdgeForTheNextOnTheRing() throws Exception {
        Edge a = edge();
        Edge b = edge();
        Routed bounded = router(RouterSettings.Mode.PROXY, HealthPolicy.DEFAULT, Duration.ofSeconds(60), 1.25, a, b);
        HashRing ring = HashRing.of(a.url(), b.url());
        String onA = keyOn(ring, a.url()) + "/video";
        EdgeRouting routing = bounded.routing();
        assertEquals(a.url(), routing.pick(onA));
        for (int i = 0; i < 10; i++) {
            routing.begin(a.url());
        }
        assertEquals(b.url(), routing.pick(onA), "10 in flight against an average of 5.5 is over 1.25 times");
        for (int i = 0; i < 10; i++) {
            routing.end(a.url());
        }
        assertEquals(a.url(), routing.pick(onA));
        assertNotEquals(0, ring.size());
    }
}
