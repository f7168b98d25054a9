package io.tributary.ops;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Operator endpoints on a real node: drain, and scaling delivery under a playing viewer. */
class DrainAndScaleTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void drainRefusesNewPublishesKeepsLiveStreamsAndReportsDraining() throws Exception {
        try (LiveNode liveNode = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"))) {
            Node node = liveNode.node();
            TestPublication publication = liveNode.publish("before").send(4.2);
            RtmpTestPublisher live = publication.rtmp();
            assertEquals(200, TestNode.get(node, "/health").statusCode());

            HttpResponse<String> drained = post(node, "/api/v1/node/drain", "");
            assertEquals(200, drained.statusCode(), drained.body());
            assertEquals("DRAINING", new JsonObject(drained.body()).getString("status"));

            HttpResponse<String> health = TestNode.get(node, "/health");
            assertEquals(503, health.statusCode(), "readiness fails so routers and k8s move viewers");
            assertEquals("DRAINING", new JsonObject(health.body()).getString("status"));
            HttpResponse<String> liveness = TestNode.get(node, "/health/live");
            assertEquals(200, liveness.statusCode(), "liveness holds while drained: the pod is not restarted for it");
            assertEquals("DRAINING", new JsonObject(liveness.body()).getString("status"));

            try (RtmpTestPublisher refused = RtmpTestPublisher.publish(node.rtmpPort(), "after")) {
                assertFalse(refused.publishing());
                assertEquals("NetStream.Publish.Rejected", refused.failure().code());
                assertTrue(refused.failure().description().contains("draining"), refused.failure().description());
            }
            assertEquals(404, TestNode.get(node, "/live/after/index.m3u8").statusCode());
            assertEquals(1.0, Scrape.of(node).value("tributary_rtmp_rejected_total", "reason=\"draining\""), 0.0);

            // the live stream goes on: new media still becomes new segments
            String mv = TestNode.get(node, "/live/before/index.m3u8").body();
            String rendition = videoRendition(mv);
            long before = new Playlist(TestNode.get(node, "/live/before/" + rendition + "/index.m3u8").body()).segments().size();
            publication.send(4.2);
            LiveNode.awaitPlaylist(node, "/live/before/" + rendition + "/index.m3u8", "new segments after the drain (more than " + before + ")",
                    p -> p.segments().size() > before, Duration.ofSeconds(10));
            assertTrue(live.publishing(), "the live publisher was not cut: " + live.failure());
        }
    }

    /**
     * As an operator's script or two dashboards would: 20 scale requests back to back, then 10 at
     * once. Every one is answered (200, or 409 while another is in progress), and when the
     * retirements are done the node runs exactly one set of the last size granted.
     */
    @Test
    void rapidAndConcurrentScaleRequestsLeaveOneSetOfTheRequestedSize() throws Exception {
        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        try {
            int deploymentsBefore = node.vertx().deploymentIDs().size(); // delivery at 2: base + one extra deployment
            int last = 2;
            for (int i = 0; i < 20; i++) {
                int target = 2 + i % 3;
                HttpResponse<String> r = post(node, "/api/v1/verticles/delivery/scale", "{\"instances\": " + target + "}");
                assertTrue(r.statusCode() == 200 || r.statusCode() == 409, i + ": " + r.statusCode() + " " + r.body());
                if (r.statusCode() == 200) {
                    last = target;
                }
            }
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> burst = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                burst.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/verticles/delivery/scale")))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": " + (2 + i % 3) + "}")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            int granted = 0;
            long latest = -1;
            for (var f : burst) {
                HttpResponse<String> r = f.get(30, java.util.concurrent.TimeUnit.SECONDS); // answered, not cut
                assertTrue(r.statusCode() == 200 || r.statusCode() == 409, r.statusCode() + " " + r.body());
                if (r.statusCode() == 200) {
                    granted++;
                    // responses arrive in any order: the grant with the highest generation is the one in force
                    JsonObject g = new JsonObject(r.body());
                    if (g.getLong("generation") > latest) {
                        latest = g.getLong("generation");
                        last = g.getInteger("instances");
                    }
                }
            }
            assertTrue(granted >= 1, "at least one of the burst is granted");
            int expected = last;
            TestNode.await("the retired sets gone", Duration.ofSeconds(30), () ->
                    new JsonObject(TestNode.get(node, "/api/v1/verticles").body()).getInteger("retiring") == 0);
            assertEquals(expected, node.scaler().instances("delivery"));
            assertEquals(deploymentsBefore, node.vertx().deploymentIDs().size(), "one base and one extra deployment, nothing left over");
            assertEquals(200, TestNode.get(node, "/health").statusCode());
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void badScaleRequestsAre400() throws Exception {
        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        try {
            for (String[] c : new String[][]{
                    {"delivery", "{\"instances\": 0}", "instances must be an integer from 1 to 64"},
                    {"delivery", "{\"instances\": 65}", "instances must be an integer from 1 to 64"},
                    {"delivery", "{\"instances\": \"4\"}", "instances: an integer"},
                    {"delivery", "{\"instances\": 2.5}", "instances: an integer"},
                    {"delivery", "not json", "JSON object"},
                    {"delivery", "", "JSON object"},
                    {"transcoder", "{\"instances\": 2}", "no verticle set named 'transcoder'"}}) {
                HttpResponse<String> r = post(node, "/api/v1/verticles/" + c[0] + "/scale", c[1]);
                assertEquals(400, r.statusCode(), c[1] + " -> " + r.body());
                assertTrue(r.body().contains(c[2]), r.body());
            }
            JsonObject sets = new JsonObject(TestNode.get(node, "/api/v1/verticles").body());
            assertEquals(2, sets.getJsonArray("sets").getJsonObject(0).getInteger("instances"), sets.encode());
            // every set of a node with all roles can be scaled (in start-up order: the ingest once delivery serves)
            assertEquals(List.of("delivery", "ingest", "edge", "router"), sets.getJsonArray("sets").stream()
                    .map(o -> ((JsonObject) o).getString("name")).toList());
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void scalingDeliveryUnderAPlayingViewerFailsNoRequest() throws Exception {
        scaleUnderAPlayingViewer("delivery");
    }

    @Test
    void scalingTheEdgeUnderAPlayingViewerFailsNoRequest() throws Exception {
        scaleUnderAPlayingViewer("edge");
    }

    /** The viewer plays from the set being scaled: the node's own server (delivery) or its edge. */
    private void scaleUnderAPlayingViewer(String set) throws Exception {
        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_HTTP_INSTANCES", "1"));
        String base = set.equals("edge") ? "http://127.0.0.1:" + node.roles().edgePort() : node.httpUrl("");
        AtomicBoolean playing = new AtomicBoolean(true);
        try (SyntheticAvSource src = new SyntheticAvSource(320, 240, 30, 30, 0, true);
             RtmpTestPublisher pub = RtmpTestPublisher.publish(node.rtmpPort(), "scaled")) {
            assertTrue(pub.publishing(), "publish refused: " + pub.failure());
            pub.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
            Thread broadcaster = new Thread(() -> {
                try {
                    while (playing.get()) {
                        pub.sendPaced(src.next(1.0), 0);
                    }
                } catch (InterruptedException | RuntimeException e) {
                    // the test ends the broadcast
                }
            }, "broadcaster");
            broadcaster.setDaemon(true);
            broadcaster.start();
            try {
                TestNode.await("the stream plays", Duration.ofSeconds(15),
                        () -> TestNode.get(node, "/live/scaled/index.m3u8").statusCode() == 200);
                String rendition = videoRendition(TestNode.get(node, "/live/scaled/index.m3u8").body());
                String playlist = "/live/scaled/" + rendition + "/index.m3u8";
                // where the viewer plays: an edge may still hold a playlist from before the first segment
                TestNode.await("a segment", Duration.ofSeconds(15), () -> {
                    try {
                        return !new Playlist(get(base + playlist).body()).segments().isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                });

                // the viewer: playlist then its newest segment, over and over, on keep-alive connections
                AtomicInteger ok = new AtomicInteger();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                Thread viewer = new Thread(() -> {
                    while (playing.get()) {
                        try {
                            HttpResponse<String> p = get(base + playlist);
                            if (p.statusCode() != 200) {
                                failures.add("playlist " + p.statusCode());
                                continue;
                            }
                            ok.incrementAndGet();
                            List<Playlist.Segment> segs = new Playlist(p.body()).segments();
                            HttpResponse<String> s = get(base + "/live/scaled/" + rendition + "/" + segs.get(segs.size() - 1).uri());
                            if (s.statusCode() != 200) {
                                failures.add("segment " + s.statusCode());
                            } else {
                                ok.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }, "viewer");
                viewer.start();

                List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
                for (int target : new int[]{4, 1}) {
                    // blocking reloads for the next segment, waiting while the set they arrived on is replaced
                    Playlist now = new Playlist(TestNode.get(node, playlist).body());
                    long next = now.mediaSequence() + now.segments().size();
                    for (int i = 0; i < 20; i++) {
                        held.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base + playlist + "?_HLS_msn=" + next))
                                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
                    }
                    Thread.sleep(300);
                    HttpResponse<String> r = post(node, "/api/v1/verticles/" + set + "/scale", "{\"instances\": " + target + "}");
                    assertEquals(200, r.statusCode(), r.body());
                    assertEquals(target, new JsonObject(r.body()).getInteger("instances"));
                    Thread.sleep(3000);
                }
                for (CompletableFuture<HttpResponse<String>> h : held) {
                    HttpResponse<String> r = h.get(30, TimeUnit.SECONDS);
                    assertEquals(200, r.statusCode(), "a held blocking reload survived the scale: " + r.body());
                }
                playing.set(false);
                viewer.join(30_000);
                assertTrue(failures.isEmpty(), "failed requests while scaling: " + failures);
                assertTrue(ok.get() > 50, "the viewer kept playing: " + ok.get() + " requests");
                assertEquals(1, node.scaler().instances(set));
                TestNode.await("the old sets retired", Duration.ofSeconds(60),
                        () -> new JsonObject(TestNode.get(node, "/api/v1/verticles").body()).getInteger("retiring") == 0);
                System.out.println(set + " scaled 1 -> 4 -> 1: " + ok.get() + " viewer requests, 0 failed, 40 held reloads answered");
            } finally {
                // the source is closed after this block: it must not be encoding then (native use after free)
                playing.set(false);
                broadcaster.join(15_000);
            }
        } finally {
            playing.set(false);
            TestNode.stop(node);
        }
    }

    private static String videoRendition(String multivariant) {
        for (Playlist.Line l : new Playlist(multivariant).lines) {
            if (l.uri() != null) {
                return l.uri().substring(0, l.uri().indexOf('/'));
            }
        }
        throw new AssertionError("no variant in " + multivariant);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(Node node, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
