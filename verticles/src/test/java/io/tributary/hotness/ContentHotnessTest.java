package io.tributary.hotness;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.Node;
import io.tributary.edge.EdgeFetcher;
import io.tributary.edge.EdgePrewarm;
import io.tributary.edge.EdgeSettings;
import io.tributary.edge.EdgeVerticle;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hotness on a real node with a real publisher: requests counted per rendition and region, merged
 * into the Hazelcast map, ranked into tiers over a skewed distribution; the tier's TTL shows in
 * Cache-Control at the origin and at an edge sharing the map; the edge pre-warms S1 content.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContentHotnessTest {

    private LiveNode live;
    private Node origin;
    private TestPublication pub;

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of(
                "TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_QOE_REGIONS", "eu,us",
                // no decay within the test: scores are exact request counts
                "TRIBUTARY_HOTNESS_HALF_LIFE", "24h",
                "TRIBUTARY_HOTNESS_MERGE_INTERVAL", "200ms",
                "TRIBUTARY_HOTNESS_S1_TTL", "77s",
                "TRIBUTARY_HOTNESS_S2_TTL", "33s",
                "TRIBUTARY_HOTNESS_S3_TTL", "5s"));
        origin = live.node();
        pub = live.publish("hot").send(8.2);
    }

    @AfterAll
    void stop() {
        live.close();
    }

    @Test
    void skewedRequestsRankIntoTiersThatSetCacheControlAtOriginAndEdge() throws Exception {
        TestNode.await("the multivariant playlist", Duration.ofSeconds(15), () -> renditions().size() >= 2);
        List<String> renditions = renditions();
        String video = renditions.stream().filter(r -> !r.equals("audio")).findFirst().orElseThrow();
        String audio = renditions.stream().filter(r -> r.equals("audio")).findFirst().orElseThrow();
        live.awaitSegments("hot", video, 3, Duration.ofSeconds(15));
        Playlist vp = new Playlist(TestNode.get(origin, "/live/hot/" + video + "/index.m3u8").body());
        Playlist ap = new Playlist(TestNode.get(origin, "/live/hot/" + audio + "/index.m3u8").body());
        String videoSeg = "/live/hot/" + video + "/" + vp.segments().get(0).uri();
        String audioSeg = "/live/hot/" + audio + "/" + ap.segments().get(0).uri();

        // a skewed catalogue: 200 other renditions with 300/(i+1) requests each, counted as the node counts
        for (int i = 0; i < 200; i++) {
            for (int n = 0; n < 300 / (i + 1); n++) {
                origin.hotness().hit("other" + i, "v", null);
            }
        }
        // the real stream over HTTP: video 250 requests from three regions, audio one
        for (int i = 0; i < 250; i++) {
            String region = i < 150 ? "eu" : i < 200 ? "us" : "mars";
            assertEquals(200, TestNode.get(origin, videoSeg, Map.of("X-Region", region)).statusCode());
        }
        assertEquals(200, TestNode.get(origin, audioSeg).statusCode());

        TestNode.await("every request merged, video ranked S1", Duration.ofSeconds(10), () -> {
            JsonObject h = hotness(300);
            JsonObject e = entry(h, "hot/" + video);
            return e != null && e.getString("tier").equals("S1") && entry(h, "hot/" + audio) != null
                    && e.getJsonObject("regions").getDouble("eu", 0.0) + e.getJsonObject("regions").getDouble("us", 0.0)
                    + e.getJsonObject("regions").getDouble("other", 0.0) > 249.9;
        });
        JsonObject all = hotness(300);
        int ranked = all.getInteger("ranked");
        assertEquals(202, ranked, "200 others + video + audio: " + all.encode().substring(0, 300));
        JsonArray content = all.getJsonArray("content");
        assertEquals(202, content.size());
        int s1 = (int) Math.ceil(ranked * 0.01);
        int s12 = (int) Math.ceil(ranked * 0.10);
        double previous = Double.MAX_VALUE;
        for (int i = 0; i < content.size(); i++) {
            JsonObject e = content.getJsonObject(i);
            String expected = i < s1 ? "S1" : i < s12 ? "S2" : "S3";
            assertEquals(expected, e.getString("tier"), "rank " + i + ": " + e.encode());
            assertEquals(Map.of("S1", 77L, "S2", 33L, "S3", 5L).get(expected), e.getLong("ttlSeconds"));
            assertTrue(e.getDouble("score") <= previous, "hottest first");
            previous = e.getDouble("score");
        }
        assertEquals("S3", tierOf(all, "hot/" + audio));
        assertEquals("S1", tierOf(all, "other0/v"));
        assertEquals("S2", tierOf(all, "other5/v"));
        assertEquals("S3", tierOf(all, "other150/v"));
        JsonObject v = entry(all, "hot/" + video);
        assertEquals("hot", v.getString("stream"));
        assertEquals(video, v.getString("rendition"));
        JsonObject regions = v.getJsonObject("regions");
        assertEquals(150.0, regions.getDouble("eu"), 0.01);
        assertEquals(50.0, regions.getDouble("us"), 0.01);
        assertEquals(50.0, regions.getDouble("other"), 0.01, "an unknown X-Region counts as other: " + regions);
        assertTrue(v.getDouble("score") >= 250.0, v.encode());
        assertEquals(300.0, entry(all, "other0/v").getDouble("score"), 0.01);
        assertEquals(3, hotness(3).getJsonArray("content").size());

        // the origin: segments by tier, playlists and init segments as before
        assertEquals("public, max-age=77", cacheControl(TestNode.get(origin, videoSeg)));
        assertEquals("public, max-age=5", cacheControl(TestNode.get(origin, audioSeg)));
        assertEquals("public, max-age=1", cacheControl(TestNode.get(origin, "/live/hot/" + video + "/index.m3u8")));
        assertTrue(cacheControl(TestNode.get(origin, "/live/hot/" + video + "/init-0.mp4")).contains("immutable"));

        // the node's own edge (it has every role): the tier's TTL too, and it pre-warms the S1 rendition
        String nodeEdge = "http://127.0.0.1:" + origin.roles().edgePort();
        assertEquals("public, max-age=77", cacheControl(get(nodeEdge + videoSeg)));
        assertEquals("public, max-age=5", cacheControl(get(nodeEdge + audioSeg)));
        TestNode.await("the node's edge to pre-warm a segment", Duration.ofSeconds(10),
                () -> Scrape.of(origin).value("tributary_edge_prewarmed_segments_total") >= 1);

        // an edge on its own Vert.x, counting into the same cluster map
        Vertx edgeVertx = Vertx.vertx();
        try {
            ContentHotness edgeHot = new ContentHotness(edgeVertx, origin.config().hotness(), origin.config().qoe(),
                    origin.hazelcast(), new SimpleMeterRegistry());
            await(edgeHot.start());
            EdgeFetcher fetcher = new EdgeFetcher(edgeVertx, EdgeSettings.defaults("127.0.0.1", TestNode.freePort()),
                    key -> Future.succeededFuture(origin.httpUrl("")), new SimpleMeterRegistry(),
                    k -> edgeHot.ttl(k.stream(), k.rendition()), null);
            await(EdgeVerticle.deploy(edgeVertx, fetcher, edgeHot, 1));
            TestNode.await("the edge's ranking", Duration.ofSeconds(10), () -> edgeHot.hottest().contains("hot/" + video));
            String edge = "http://127.0.0.1:" + fetcher.settings().port();
            assertEquals("public, max-age=77", cacheControl(get(edge + videoSeg)));
            assertEquals("public, max-age=5", cacheControl(get(edge + audioSeg)));
            assertEquals("public, max-age=1", cacheControl(get(edge + "/live/hot/" + video + "/index.m3u8")));

            // pre-warm: the newest video segment is fetched before any viewer asks for it
            // the newest segment before the send: read after it, the origin may have completed the next one already
            String newest = "/live/hot/" + video + "/" + lastSegment("/live/hot/" + video + "/index.m3u8");
            pub.send(2.2);
            TestNode.await("a new segment", Duration.ofSeconds(10),
                    () -> !("/live/hot/" + video + "/" + lastSegment("/live/hot/" + video + "/index.m3u8")).equals(newest));
            Thread.sleep(1100); // the edge's cached playlist (max-age=1) has expired
            EdgePrewarm prewarm = new EdgePrewarm(edgeVertx, fetcher, edgeHot::hottest, 8);
            await(prewarm.round());
            assertEquals(1, prewarm.warmed(), "one S1 rendition with media: one segment fetched ahead");
            String warmedSeg = "/live/hot/" + video + "/" + lastSegment("/live/hot/" + video + "/index.m3u8");
            HttpResponse<String> viewer = get(edge + warmedSeg);
            assertEquals(200, viewer.statusCode());
            assertEquals("HIT", viewer.headers().firstValue("X-Cache").orElse(null), "the first viewer hits the warmed cache");
            await(prewarm.round());
            assertEquals(1, prewarm.warmed(), "a warm segment is not fetched again");
            edgeHot.close();
        } finally {
            await(edgeVertx.close());
        }
    }

    @Test
    void badTopIsRefusedWith400() {
        for (String q : List.of("0", "1001", "abc", "-3")) {
            HttpResponse<String> r = TestNode.get(origin, "/api/v1/hotness?top=" + q);
            assertEquals(400, r.statusCode(), q);
            assertTrue(r.body().contains("top must be an integer from 1 to 1000"), r.body());
        }
    }

    private String lastSegment(String path) {
        List<Playlist.Segment> segs = new Playlist(TestNode.get(origin, path).body()).segments();
        return segs.get(segs.size() - 1).uri();
    }

    private List<String> renditions() {
        List<String> out = new java.util.ArrayList<>();
        HttpResponse<String> r = TestNode.get(origin, "/live/hot/index.m3u8");
        if (r.statusCode() != 200) {
            return out;
        }
        Playlist mv = new Playlist(r.body());
        for (Playlist.Line l : mv.lines) {
            String uri = l.uri() != null ? l.uri() : l.attr("URI");
            if (uri != null && uri.contains("/index.m3u8")) {
                out.add(uri.substring(0, uri.indexOf('/')));
            }
        }
        return out;
    }

    private JsonObject hotness(int top) {
        HttpResponse<String> r = TestNode.get(origin, "/api/v1/hotness?top=" + top);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        return new JsonObject(r.body());
    }

    private static JsonObject entry(JsonObject hotness, String key) {
        for (Object o : hotness.getJsonArray("content")) {
            if (((JsonObject) o).getString("key").equals(key)) {
                return (JsonObject) o;
            }
        }
        return null;
    }

    private static String tierOf(JsonObject hotness, String key) {
        JsonObject e = entry(hotness, key);
        return e == null ? "absent" : e.getString("tier");
    }

    private static String cacheControl(HttpResponse<?> r) {
        String cc = r.headers().firstValue("cache-control").orElse(null);
        assertNotNull(cc, "no Cache-Control on " + r.uri());
        return cc;
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
