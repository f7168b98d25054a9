package io.tributary.ssai;

import io.tributary.Node;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Decisions are cluster-wide: a node without VOD (so without ad-decision verticles of its own)
 * asks on the clustered event bus, and the node with the catalog's ads answers.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AdDecisionClusterTest {

    @TempDir
    Path dir;

    @Test
    void aNodeWithoutDecisionsGetsItsPodFromAnotherMember() throws Exception {
        try (TestCluster cluster = new TestCluster(2)) {
            Map<String, String> withAds = new HashMap<>();
            withAds.put("TRIBUTARY_DATA_DIR", dir.resolve("a").toString());
            withAds.put("TRIBUTARY_VOD_ENABLED", "true");
            withAds.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
            withAds.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
            withAds.put("TRIBUTARY_TRANSCODE_LADDER", "none");
            Node a = cluster.start(0, withAds);
            Node b = cluster.start(1, Map.of("TRIBUTARY_DATA_DIR", dir.resolve("b").toString()));
            assertNull(HttpAdBeacons.of(b.vertx()), "no ad decisions on the node without VOD");
            Path clip = VodTestMedia.write(dir.resolve("ad.mp4"), 320, 180, 2, 25);
            HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(a.httpUrl("/api/v1/assets?title=ad&tags=ad")))
                    .POST(HttpRequest.BodyPublishers.ofFile(clip)).header("Content-Type", "application/octet-stream").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
            String id = new JsonObject(r.body()).getString("id");
            TestNode.await("the ad transcoded", Duration.ofSeconds(180),
                    () -> "ready".equals(new JsonObject(TestNode.get(a, "/api/v1/assets/" + id).body()).getString("state")));
            AdPod pod = AdPod.fromJson(b.vertx().eventBus().<JsonObject>request(AdDecisionRequest.ADDRESS,
                            new AdDecisionRequest("remote-viewer", "news", "brk-1", 10_000, 0).toJson(),
                            new DeliveryOptions().setSendTimeout(20_000))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body());
            assertEquals(1, pod.ads().size(), pod.toJson().encode());
            assertEquals(id, pod.ads().get(0).assetId());
        }
    }
}
