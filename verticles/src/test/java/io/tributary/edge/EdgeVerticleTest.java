package io.tributary.edge;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Node;
import io.tributary.cluster.registry.StreamNotFoundException;
import io.tributary.cluster.registry.StreamRegistry;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An edge in front of a real origin node with a real RTMP publisher; a counting pass-through
 * between them shows what reaches the origin.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class EdgeVerticleTest {

    private static final Pattern HINT = Pattern.compile("part-(\\d+)\\.(\\d+)\\.m4s");
    private static final int VIEWERS = 200;

    private final HttpClient viewers = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private LiveNode live;
    private Node origin;
    private Vertx edgeVertx;
    private CountingProxy proxy;
    private EdgeFetcher fetcher;
    private int edgePort;
    private final AtomicInteger registryLookups = new AtomicInteger();
    private ServerSocket silent;
    private final List<Socket> silentConnections = new CopyOnWriteArrayList<>();
    private int refusedPort;

    /** {@code testVertx} (the counting pass-through's) comes from {@link VertxExtension}, closed after the class. */
    @BeforeAll
    void start(Vertx testVertx) throws Exception {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        origin = live.node();
        proxy = await(CountingProxy.start(testVertx, origin.httpUrl("")));

        // an origin that accepts connections and never answers, and a port nobody listens on
        silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    silentConnections.add(silent.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-origin");
        acceptor.setDaemon(true);
        acceptor.start();
        refusedPort = TestNode.freePort();
        String silentUrl = "http://127.0.0.1:" + silent.getLocalPort();
        String refusedUrl = "http://127.0.0.1:" + refusedPort;

        StreamRegistry registry = key -> {
            registryLookups.incrementAndGet();
            if (key.startsWith("unregistered")) {
                return Future.failedFuture(new StreamNotFoundException(key));
            }
            return Future.succeededFuture(key.startsWith("silent") ? silentUrl : key.startsWith("refused") ? refusedUrl : proxy.url());
        };
        edgeVertx = Vertx.vertx();
        edgePort = TestNode.freePort();
        EdgeSettings settings = EdgeSettings.defaults("127.0.0.1", edgePort)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(1500), Duration.ofSeconds(10));
        settings = new EdgeSettings(settings.host(), settings.port(), settings.cacheBytes(), settings.maxObjectBytes(),
                settings.connectTimeout(), settings.originTimeout(), settings.holdTimeout(), settings.mediaTtl(),
                Duration.ofSeconds(3), settings.registryTtl(), settings.originConnections());
        fetcher = new EdgeFetcher(edgeVertx, settings, registry, new SimpleMeterRegistry(), k -> Duration.ofSeconds(30), null);
        await(EdgeVerticle.deploy(edgeVertx, fetcher, 2));
    }

    @AfterAll
    void stop() throws Exception {
        if (edgeVertx != null) {
            await(edgeVertx.close());
        }
        if (silent != null) {
            silent.close();
        }
        for (Socket s : silentConnections) {
            s.close();
        }
        live.close();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private CompletableFuture<HttpResponse<byte[]>> edgeGet(String target) {
        return viewers.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edgePort + target))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private List<HttpResponse<byte[]>> all(List<CompletableFuture<HttpResponse<byte[]>>> requests) throws Exception {
        CompletableFuture.allOf(requests.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        List<HttpResponse<byte[]>> out = new ArrayList<>();
        for (var r : requests) {
            out.add(r.get());
        }
        return out;
    }

    private TestPublication publish(String key) {
        return LiveNode.publish(origin, key, LiveNode.smallSource());
    }

    /** The first video rendition's directory, read from the origin's multivariant playlist. */
    private String rendition(String key) {
        Playlist mv = new Playlist(TestNode.get(origin, "/live/" + key + "/index.m3u8").body());
        String uri = mv.lines.stream().filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
        return uri.substring(0, uri.indexOf('/'));
    }

    private Playlist originPlaylist(String path) {
        HttpResponse<String> r = TestNode.get(origin, path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return new Playlist(r.body());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    @Test
    void concurrentMissesForOneSegmentReachTheOriginOnce() throws Exception {
        try (TestPublication pub = publish("many")) {
            pub.send(8.2);
            LiveNode.awaitVideoSegments(origin, "many", 3, Duration.ofSeconds(10));
            String r = rendition("many");
            Playlist pl = originPlaylist("/live/many/" + r + "/index.m3u8");
            String segment = "/live/many/" + r + "/" + pl.segments().get(1).uri();
            byte[] expected = TestNode.getBytes(origin, segment).body();
            assertTrue(expected.length > 1000);

            proxy.delayMs = 300; // the origin answers slowly: the misses overlap
            try {
                List<CompletableFuture<HttpResponse<byte[]>>> requests = new ArrayList<>();
                for (int i = 0; i < VIEWERS; i++) {
                    requests.add(edgeGet(segment + "?sid=viewer-" + i + "&token=t" + i + "&CMCD=bl%3D" + i));
                }
                Map<String, Integer> outcomes = new java.util.TreeMap<>();
                for (HttpResponse<byte[]> res : all(requests)) {
                    assertEquals(200, res.statusCode(), new String(res.body()));
                    assertArrayEquals(expected, res.body(), "every viewer gets the origin's segment");
                    assertEquals("video/mp4", header(res, "content-type"));
                    outcomes.merge(header(res, "x-cache"), 1, Integer::sum);
                }
                assertEquals(1, proxy.count(segment), "requests reaching the origin for the segment; edge answers " + outcomes);
                assertEquals(0, proxy.countPrefix(segment + "?"), "session parameters never reach the origin");
                assertEquals(1, outcomes.get("MISS"));
                assertTrue(outcomes.getOrDefault("COLLAPSED", 0) > 0, "some requests joined the fetch in flight: " + outcomes);
            } finally {
                proxy.delayMs = 0;
            }
            HttpResponse<byte[]> again = edgeGet(segment + "?sid=late").get(10, TimeUnit.SECONDS);
            assertEquals("HIT", header(again, "x-cache"));
            assertArrayEquals(expected, again.body());
            assertEquals(1, proxy.count(segment));
        }
    }

    @Test
    void blockedRequestsForAFuturePartReachTheOriginOnce() throws Exception {
        try (TestPublication pub = publish("block")) {
            pub.send(6.2);
            LiveNode.awaitVideoSegments(origin, "block", 2, Duration.ofSeconds(10));
            String r = rendition("block");
            Playlist now = originPlaylist("/live/block/" + r + "/index.m3u8");
            Matcher hint = HINT.matcher(now.tag("EXT-X-PRELOAD-HINT").attr("URI"));
            assertTrue(hint.matches());
            String part = "/live/block/" + r + "/" + hint.group();
            String reload = "/live/block/" + r + "/index.m3u8?_HLS_msn=" + hint.group(1) + "&_HLS_part=" + hint.group(2);

            List<CompletableFuture<HttpResponse<byte[]>>> parts = new ArrayList<>();
            List<CompletableFuture<HttpResponse<byte[]>>> reloads = new ArrayList<>();
            for (int i = 0; i < VIEWERS; i++) {
                parts.add(edgeGet(part + "?sid=v" + i));
                reloads.add(edgeGet(reload.replace("?", "?token=x" + i + "&")));
            }
            TestNode.await("the edge's upstream requests", Duration.ofSeconds(5),
                    () -> proxy.count(part) == 1 && proxy.count(reload) == 1);
            Thread.sleep(700);
            assertFalse(parts.stream().anyMatch(CompletableFuture::isDone), "a part answered before it existed");
            assertFalse(reloads.stream().anyMatch(CompletableFuture::isDone), "a blocking reload answered before its part existed");
            assertEquals(1, proxy.count(part), "one upstream request for the hinted part while " + VIEWERS + " wait");
            assertEquals(1, proxy.count(reload), "one upstream blocking reload while " + VIEWERS + " wait");

            pub.send(0.6); // completes the hinted part
            byte[] partBytes = null;
            for (HttpResponse<byte[]> res : all(parts)) {
                assertEquals(200, res.statusCode(), new String(res.body()));
                if (partBytes == null) {
                    partBytes = res.body();
                }
                assertArrayEquals(partBytes, res.body());
            }
            assertArrayEquals(TestNode.getBytes(origin, part).body(), partBytes, "the waiters got the origin's part");
            for (HttpResponse<byte[]> res : all(reloads)) {
                assertEquals(200, res.statusCode(), new String(res.body()));
                String text = new String(res.body());
                assertTrue(text.contains("URI=\"" + hint.group() + "\""), "the reload lists the awaited part:\n" + text);
            }
            assertEquals(1, proxy.count(part));
            assertEquals(1, proxy.count(reload));
        }
    }

    @Test
    void playlistsAreNotServedBeyondTheirFreshness() throws Exception {
        try (TestPublication pub = publish("fresh")) {
            pub.send(4.2);
            LiveNode.awaitOk(origin, "/live/fresh/index.m3u8", Duration.ofSeconds(10));
            String playlist = "/live/fresh/" + rendition("fresh") + "/index.m3u8";
            LiveNode.awaitPlaylist(origin, playlist, "a segment", p -> !p.segments().isEmpty(), Duration.ofSeconds(10));
            HttpResponse<byte[]> first = edgeGet(playlist).get(10, TimeUnit.SECONDS);
            HttpResponse<byte[]> second = edgeGet(playlist + "?sid=2").get(10, TimeUnit.SECONDS);
            assertEquals(200, first.statusCode());
            assertEquals("public, max-age=1", header(first, "cache-control"), "the origin's freshness is passed on");
            assertEquals("HIT", header(second, "x-cache"));
            assertEquals("0", header(second, "age"));
            Thread.sleep(1100);
            HttpResponse<byte[]> third = edgeGet(playlist).get(10, TimeUnit.SECONDS);
            assertEquals("MISS", header(third, "x-cache"), "a playlist older than max-age=1 is fetched again");
            assertEquals(2, proxy.count(playlist));
        }
    }

    @Test
    void unknownStreamsGet404WithoutAnUpstreamStorm() throws Exception {
        // the registry knows the origin, the origin does not know the stream
        String target = "/live/nobody/video/index.m3u8";
        List<CompletableFuture<HttpResponse<byte[]>>> requests = new ArrayList<>();
        for (int i = 0; i < VIEWERS; i++) {
            requests.add(edgeGet(target + "?sid=" + i));
        }
        for (HttpResponse<byte[]> res : all(requests)) {
            assertEquals(404, res.statusCode());
            assertTrue(new String(res.body()).contains("nobody"), new String(res.body()));
        }
        assertEquals(1, proxy.count(target), "one request reached the origin for " + VIEWERS + " viewers");

        // no origin holds it at all: the registry is asked once, the origin never
        int before = registryLookups.get();
        requests.clear();
        for (int i = 0; i < VIEWERS; i++) {
            requests.add(edgeGet("/live/unregistered-1/video/seg-" + (i % 3) + ".m4s"));
        }
        for (HttpResponse<byte[]> res : all(requests)) {
            assertEquals(404, res.statusCode());
            assertTrue(new String(res.body()).contains("not live on any origin"), new String(res.body()));
        }
        assertEquals(1, registryLookups.get() - before, "registry lookups for " + VIEWERS + " requests");
        assertEquals(0, proxy.countPrefix("/live/unregistered-1/"));
    }

    @Test
    void anOriginThatDoesNotAnswerGets504AndARefusingOne502() throws Exception {
        long t0 = System.nanoTime();
        List<CompletableFuture<HttpResponse<byte[]>>> requests = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            requests.add(edgeGet("/live/silent-1/index.m3u8?sid=" + i));
        }
        for (HttpResponse<byte[]> res : all(requests)) {
            assertEquals(504, res.statusCode());
            assertTrue(new String(res.body()).contains("did not answer"), new String(res.body()));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 4000, "answered after " + ms + " ms with a 1.5 s origin timeout");
        assertEquals(1, silentConnections.size(), "one connection to the silent origin for 20 requests");

        HttpResponse<byte[]> refused = edgeGet("/live/refused-1/v/seg-1.m4s").get(10, TimeUnit.SECONDS);
        assertEquals(502, refused.statusCode());
        assertTrue(new String(refused.body()).contains("connection refused"), new String(refused.body()));
    }

    @Test
    void malformedRequestsAre400AndOtherPaths404() throws Exception {
        HttpResponse<byte[]> key = edgeGet("/live/bad%20key/video/seg-1.m4s").get(10, TimeUnit.SECONDS);
        assertEquals(400, key.statusCode());
        assertTrue(new String(key.body()).contains("stream key"));
        assertEquals(400, edgeGet("/live/k/video/index.m3u8?_HLS_msn=1&_HLS_msn=2").get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(400, edgeGet("/live/k/video/..%2f..%2fetc").get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(404, edgeGet("/nothing").get(10, TimeUnit.SECONDS).statusCode());
        HttpResponse<byte[]> health = edgeGet("/health").get(10, TimeUnit.SECONDS);
        assertEquals(200, health.statusCode());
        assertTrue(new String(health.body()).contains("\"role\":\"edge\""));
    }
}
