package io.tributary.ssai;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Node;
import io.tributary.cluster.registry.StreamRegistry;
import io.tributary.edge.CountingProxy;
import io.tributary.edge.EdgeFetcher;
import io.tributary.edge.EdgeSettings;
import io.tributary.edge.EdgeVerticle;
import io.tributary.testing.TestNode;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.tributary.ssai.SsaiStitchTest.Seg;
import static io.tributary.ssai.SsaiStitchTest.segments;
import static io.tributary.ssai.SsaiStitchTest.strip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SSAI through an edge: a real origin node (FAST channel with an 8 s break, creatives conditioned by the
 * VOD pipeline, a stand-in decision service on the event bus giving s-red sessions the red creative and
 * s-blue ones the blue) and a real edge in front of it, with a counting pass-through between them. A
 * hundred sessions watch through the edge; the origin must see one request per shared object (each
 * creative object once, the shared playlist at most once per round of a hundred reloads), one pod
 * request per session per break, and one bodiless report per ad segment a session fetched, which is
 * what sends that session's beacons.
 */
@Timeout(value = 360, unit = TimeUnit.SECONDS)
class SsaiEdgeTest {

    static final int SESSIONS = 100;

    @TempDir
    static Path dir;
    static Node node;
    static String content;
    static String slate;
    static String red;
    static String blue;
    static HttpServer tracker;
    static final List<String> tracked = new CopyOnWriteArrayList<>();
    static CountingProxy proxy;
    static Vertx edgeVertx;
    static int edgePort;
    static SimpleMeterRegistry edgeMeters = new SimpleMeterRegistry();

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "2");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_SSAI_ENABLED", "true");
        env.put("TRIBUTARY_SSAI_DECISION_INSTANCES", "0"); // the test's consumer alone answers tributary.ssai.decide
        node = TestNode.start(env);
        content = upload(VodTestMedia.write(dir.resolve("content.mp4"), 640, 360, 4, 25), "content");
        slate = upload(VodTestMedia.write(dir.resolve("slate.mp4"), 640, 360, 4, 25), "slate");
        red = upload(AdTestMedia.write(dir.resolve("red.mp4"), 640, 360, 8, 25, 220, 20, 20), "red");
        blue = upload(AdTestMedia.write(dir.resolve("blue.mp4"), 640, 360, 8, 25, 20, 20, 220), "blue");

        tracker = node.vertx().createHttpServer().requestHandler(req -> {
            tracked.add(req.getParam("sid") + ":" + req.getParam("e"));
            req.response().end();
        });
        await(tracker.listen(0, "127.0.0.1"));
        SsaiModule.useBeacons(node.vertx(), new RecordingAdBeacons(node.vertx()));
        node.vertx().eventBus().<JsonObject>consumer(AdDecisionRequest.ADDRESS, m -> {
            AdDecisionRequest r = AdDecisionRequest.fromJson(m.body());
            String asset = r.session().startsWith("s-red") ? red : blue;
            Map<String, List<String>> tracking = new LinkedHashMap<>();
            for (String e : AdSegmentProgress.EVENTS) {
                tracking.put(e, List.of("http://127.0.0.1:" + tracker.actualPort() + "/t?sid=" + r.session() + "&e=" + e));
            }
            m.reply(new AdPod(r.breakId(), r.durationMs(), List.of(new AdPod.Ad("ad-" + asset, "cr-" + asset, asset, 8000,
                    tracking, List.of()))).toJson());
        });

        proxy = await(CountingProxy.start(node.vertx(), node.httpUrl("")));
        StreamRegistry registry = key -> Future.succeededFuture(proxy.url());
        edgeVertx = Vertx.vertx();
        edgePort = TestNode.freePort();
        EdgeFetcher fetcher = new EdgeFetcher(edgeVertx, EdgeSettings.defaults("127.0.0.1", edgePort), registry, edgeMeters,
                k -> Duration.ofSeconds(30), null);
        await(EdgeVerticle.deploy(edgeVertx, fetcher, 2));
    }

    @AfterAll
    static void stop() throws Exception {
        if (edgeVertx != null) {
            await(edgeVertx.close());
        }
        if (node != null) {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static String upload(Path src, String title) throws Exception {
        HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=" + title)))
                .POST(HttpRequest.BodyPublishers.ofFile(src)).header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        JsonObject created = new JsonObject(r.body());
        long job = created.getLong("job");
        TestNode.await("job " + job + " done", Duration.ofSeconds(150), () -> {
            try {
                return new JsonObject(TestNode.get(node, "/api/v1/jobs/" + job).body()).getString("state").equals("done");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        return created.getString("id");
    }

    static HttpRequest.Builder edge(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edgePort + path)).timeout(Duration.ofSeconds(30));
    }

    static byte[] edgeBytes(String path) throws Exception {
        HttpResponse<byte[]> r = TestNode.HTTP.send(edge(path).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), () -> path + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        return r.body();
    }

    @Test
    void aHundredSessionsGetTheirOwnPodsFromTheEdgeWithOneOriginRequestPerSharedObject() throws Exception {
        HttpResponse<String> created = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/channels")))
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("id", "edgech").put("slate", slate)
                        .put("loop", new JsonArray().add(new JsonObject().put("asset", content)).add(new JsonObject().put("break", 8)))
                        .encode())).header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        List<String> sids = new ArrayList<>();
        for (int i = 0; i < SESSIONS / 2; i++) {
            sids.add("s-red-" + i);
            sids.add("s-blue-" + i);
        }
        String playlist = "/live/edgech/360p/index.m3u8";

        // every round, all sessions reload at once through the edge, until each has its first pod and content after it
        Map<String, Map<Long, Seg>> seen = new LinkedHashMap<>();
        sids.forEach(s -> seen.put(s, new LinkedHashMap<>()));
        int rounds = 0;
        int worstRound = 0;
        long until = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < until && !sids.stream().allMatch(s -> podAndAfter(seen.get(s)))) {
            int before = proxy.count(playlist);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (String sid : sids) {
                answers.add(TestNode.HTTP.sendAsync(edge(playlist + "?sid=" + sid).build(), HttpResponse.BodyHandlers.ofString()));
            }
            boolean onAir = true;
            for (int i = 0; i < sids.size(); i++) {
                HttpResponse<String> r = answers.get(i).get(30, TimeUnit.SECONDS);
                if (r.statusCode() != 200) {
                    onAir = false; // the channel is not on air yet
                    continue;
                }
                for (Seg s : segments(r.body())) {
                    Seg earlier = seen.get(sids.get(i)).putIfAbsent(s.msn(), s);
                    if (earlier != null) {
                        assertEquals(strip(earlier.uri()), strip(s.uri()), sids.get(i) + ": msn " + s.msn() + " renamed\n" + r.body());
                    }
                }
            }
            if (onAir) {
                rounds++;
                worstRound = Math.max(worstRound, proxy.count(playlist) - before);
            }
            Thread.sleep(500);
        }
        String breakPath = null;
        for (String sid : sids) {
            List<Seg> pod = firstPod(seen.get(sid), sid);
            assertEquals(8, pod.size(), sid + " lists the pod's eight 1 s segments: " + seen.get(sid).values());
            assertEquals(8.0, pod.stream().mapToDouble(Seg::duration).sum(), 0.1, sid + ": the pod fills the break");
            assertTrue(pod.get(0).discontinuity() && pod.get(0).map().startsWith("/ads/" + sid + "/"), sid + ": its own map after a discontinuity");
            Seg after = seen.get(sid).get(pod.get(7).msn() + 1);
            assertTrue(after != null && after.discontinuity() && after.uri().startsWith("seg-"), sid + ": content resumes: " + after);
            String b = pod.get(0).uri().substring(("/ads/" + sid).length(), pod.get(0).uri().indexOf("/0/360p/"));
            breakPath = breakPath == null ? b : breakPath;
            assertEquals(breakPath, b, sid + ": every session's first pod is for the same break (failed pod requests at the edge: "
                    + edgeMeters.get("tributary_edge_ad_pod_fetches_total").tag("result", "failed").counter().count() + "; "
                    + sid + "'s pod requests: " + proxy.counts().entrySet().stream().filter(e -> e.getKey().startsWith("/ads/" + sid + "/")).toList() + ")");
        }
        String breakId = breakPath.substring(1);

        // two sessions, two pods: s-red-0 sees red, s-blue-0 blue (decoded from what the edge serves)
        List<Seg> redPod = firstPod(seen.get("s-red-0"), "s-red-0");
        List<Seg> bluePod = firstPod(seen.get("s-blue-0"), "s-blue-0");
        double[] r = AdTestMedia.meanColour(edgeBytes(redPod.get(0).map()), edgeBytes(redPod.get(0).uri()));
        assertTrue(r[0] > 150 && r[2] < 80, "s-red-0 sees the red creative: " + Arrays.toString(r));
        double[] b = AdTestMedia.meanColour(edgeBytes(bluePod.get(0).map()), edgeBytes(bluePod.get(0).uri()));
        assertTrue(b[2] > 150 && b[0] < 80, "s-blue-0 sees the blue creative: " + Arrays.toString(b));
        for (int i = 1; i < redPod.size(); i++) {
            edgeBytes(redPod.get(i).uri()); // s-red-0 plays its whole pod, in order
        }
        byte[] redFirst = edgeBytes(redPod.get(0).uri());
        byte[] blueFirst = edgeBytes(bluePod.get(0).uri());
        assertFalse(Arrays.equals(redFirst, blueFirst), "different pods, different media");

        // every other session plays its whole pod, all sessions at once: all from the edge's shared copies
        String firstFile = redPod.get(0).uri().substring(redPod.get(0).uri().lastIndexOf('/'));
        Map<String, byte[]> got = new java.util.concurrent.ConcurrentHashMap<>();
        List<CompletableFuture<?>> players = new ArrayList<>();
        for (String sid : sids) {
            if (sid.equals("s-red-0") || sid.equals("s-blue-0")) {
                continue;
            }
            List<Seg> pod = firstPod(seen.get(sid), sid);
            List<String> paths = new ArrayList<>();
            paths.add(pod.get(0).map());
            pod.forEach(x -> paths.add(x.uri()));
            CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
            for (String path : paths) { // one player fetches in order
                chain = chain.thenCompose(x -> TestNode.HTTP.sendAsync(edge(path).build(), HttpResponse.BodyHandlers.ofByteArray())
                        .thenAccept(res -> got.put(path, res.statusCode() == 200 ? res.body() : new byte[0])));
            }
            players.add(chain);
        }
        CompletableFuture.allOf(players.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        got.forEach((path, body) -> {
            assertTrue(body.length > 0, path + " served");
            if (path.endsWith(firstFile)) {
                assertArrayEquals(path.startsWith("/ads/s-red") ? redFirst : blueFirst, body, path + ": the creative's shared object");
            }
        });
        assertEquals((SESSIONS - 2) * 9, got.size(), "every session's init and eight segments");

        // the origin's side: each creative object once; a pod per session per break; the playlist once per round at most
        Map<String, Integer> counts = proxy.counts();
        List<String> vod = counts.keySet().stream().filter(t -> t.startsWith("/vod/")).toList();
        assertEquals(18, vod.size(), "two creatives' init and eight segments each: " + vod);
        for (String t : vod) {
            assertEquals(1, counts.get(t), t + " fetched once for every session: " + counts);
        }
        for (String sid : sids) {
            assertEquals(1, proxy.count("/ads/" + sid + "/" + breakId + "/pod.json?stream=edgech"), sid + "'s pod asked once: " + counts);
        }
        counts.forEach((t, n) -> {
            if (t.endsWith("/pod.json?stream=edgech")) {
                assertEquals(1, n, t + ": one pod request per session per break");
            }
        });
        assertTrue(worstRound <= 2, "a round of " + SESSIONS + " reloads reached the origin at most twice (one expiry within it): " + worstRound);
        assertTrue(proxy.count(playlist) <= rounds, proxy.count(playlist) + " origin playlist requests for " + rounds + " rounds of "
                + SESSIONS + " sessions");
        // no session object was fetched whole from the origin: the reports alone, one per ad segment a session got.
        // An edge reports after answering its player, without waiting: the last reports may still be on their way
        TestNode.await("every ad segment a session got reported to the origin", Duration.ofSeconds(10), () -> sids.stream()
                .filter(sid -> !sid.equals("s-red-0") && !sid.equals("s-blue-0"))
                .allMatch(sid -> firstPod(seen.get(sid), sid).stream().allMatch(seg -> proxy.count(seg.uri()) >= 1)));
        for (String sid : sids) {
            if (sid.equals("s-red-0") || sid.equals("s-blue-0")) {
                continue; // these fetched their first segment twice (each fetch is reported; the second earns nothing)
            }
            List<Seg> pod = firstPod(seen.get(sid), sid);
            assertEquals(0, proxy.count(pod.get(0).map()), "no init report");
            for (Seg s : pod) {
                assertEquals(1, proxy.count(s.uri()), s.uri() + " reported once");
            }
        }

        // the reports earn s-red-0's six beacons, in order; s-blue-0 fetched only its first segment
        TestNode.await("s-red-0's six beacons", Duration.ofSeconds(15),
                () -> tracked.stream().filter(t -> t.startsWith("s-red-0:")).count() >= 6);
        assertEquals(List.of("s-red-0:impression", "s-red-0:start", "s-red-0:firstQuartile", "s-red-0:midpoint",
                "s-red-0:thirdQuartile", "s-red-0:complete"), tracked.stream().filter(t -> t.startsWith("s-red-0:")).toList());
        TestNode.await("s-blue-0's first beacons", Duration.ofSeconds(15),
                () -> tracked.stream().filter(t -> t.startsWith("s-blue-0:")).count() >= 2);
        assertFalse(tracked.contains("s-blue-0:complete"), "no complete for a session that fetched one segment");
        long podRequests = proxy.counts().keySet().stream().filter(t -> t.endsWith("/pod.json?stream=edgech")).count();
        assertTrue(podRequests >= SESSIONS, "at least one break's pods: " + podRequests);
        assertEquals((double) podRequests, edgeMeters.get("tributary_edge_ad_pod_fetches_total").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum(), "the edge's count of pods asked: per session per break, not per reload");

        // a blocking reload in the session's numbering waits at the edge for the session's next segment
        String now = TestNode.HTTP.send(edge(playlist + "?sid=s-red-0").build(), HttpResponse.BodyHandlers.ofString()).body();
        List<Seg> listed = segments(now);
        long next = listed.get(listed.size() - 1).msn() + 1;
        long t0 = System.nanoTime();
        HttpResponse<String> blocked = TestNode.HTTP.send(edge(playlist + "?sid=s-red-0&_HLS_msn=" + next).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, blocked.statusCode(), blocked.body());
        List<Seg> then = segments(blocked.body());
        assertTrue(then.get(then.size() - 1).msn() >= next, "the answer lists session msn " + next + ":\n" + blocked.body());
        assertTrue(System.nanoTime() - t0 < 6_000_000_000L, "answered when the segment completed");
        for (Seg x : then) {
            Seg before = seen.get("s-red-0").get(x.msn());
            if (before != null) {
                assertEquals(strip(before.uri()), strip(x.uri()), "numbers hold in blocking answers: msn " + x.msn());
            }
        }
        assertTrue(proxy.counts().keySet().stream().anyMatch(t -> t.startsWith(playlist + "?_HLS_msn=")),
                "the edge asked the origin for a blocking reload: " + proxy.counts().keySet());

        // a stranger's ad URL: 404 naming the problem, never a fetch
        HttpResponse<String> unknown = TestNode.HTTP.send(edge("/ads/nobody/" + breakId + "/0/360p/seg_0.m4s").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
        assertEquals(0, proxy.count("/ads/nobody/" + breakId + "/0/360p/seg_0.m4s"));
    }

    static boolean podAndAfter(Map<Long, Seg> seen) {
        List<Seg> all = seen.values().stream().filter(s -> s.uri().startsWith("/ads/")).toList();
        if (all.isEmpty()) {
            return false;
        }
        String first = all.get(0).uri().substring(0, all.get(0).uri().indexOf("/0/360p/"));
        List<Seg> pod = all.stream().filter(s -> s.uri().startsWith(first + "/")).toList();
        return pod.size() >= 8 && seen.get(pod.get(pod.size() - 1).msn() + 1) != null;
    }

    static List<Seg> firstPod(Map<Long, Seg> seen, String sid) {
        List<Seg> all = seen.values().stream().filter(s -> s.uri().startsWith("/ads/" + sid + "/")).toList();
        assertFalse(all.isEmpty(), sid + " got ads: " + seen.values());
        String first = all.get(0).uri().substring(0, all.get(0).uri().indexOf("/0/360p/"));
        return all.stream().filter(s -> s.uri().startsWith(first + "/")).toList();
    }
}
