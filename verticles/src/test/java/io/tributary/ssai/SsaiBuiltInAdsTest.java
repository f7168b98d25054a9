package io.tributary.ssai;

import io.tributary.Node;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.vod.VodTestMedia;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SSAI as a user switches it on with nothing else to run: a FAST channel with an ad break, ads
 * uploaded to the catalog tagged {@code ad}, the node's own VAST server, its ad-decision verticles,
 * the per-session splice and its server-side beacons to the VAST tracking URLs. Two viewers get
 * different ads (the red and the blue one) in their own playlists, and the tracking events the
 * built-in ad server receives are the ones the viewers' segment requests earned.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class SsaiBuiltInAdsTest {

    @TempDir
    static Path dir;
    static Node node;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "2");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_SSAI_ENABLED", "true"); // decisions: the built-in VAST server (no ssai.vast-url)
        node = TestNode.start(env);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    static String upload(Path file, String query) throws Exception {
        HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?" + query)))
                .POST(HttpRequest.BodyPublishers.ofFile(file)).header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        String id = new JsonObject(r.body()).getString("id");
        TestNode.await("asset " + id + " ready", Duration.ofSeconds(180), () -> {
            String state = new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body()).getString("state");
            assertFalse("failed".equals(state), id + " failed");
            return "ready".equals(state);
        });
        return id;
    }

    @Test
    void twoViewersGetDifferentCatalogAdsAndTheirSegmentRequestsFireTheTracking() throws Exception {
        String content = upload(VodTestMedia.write(dir.resolve("content.mp4"), 640, 360, 4, 25), "title=content");
        String slate = upload(VodTestMedia.write(dir.resolve("slate.mp4"), 640, 360, 4, 25), "title=slate");
        upload(AdTestMedia.write(dir.resolve("red.mp4"), 640, 360, 4, 25, 220, 20, 20), "title=red&tags=ad");
        upload(AdTestMedia.write(dir.resolve("blue.mp4"), 640, 360, 4, 25, 20, 20, 220), "title=blue&tags=ad");
        HttpResponse<String> created = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/channels")))
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("id", "adfast").put("slate", slate)
                        .put("loop", new JsonArray().add(new JsonObject().put("asset", content)).add(new JsonObject().put("break", 4)))
                        .encode())).header("Content-Type", "application/json").timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());

        // two viewers reload their playlists until each has listed a pod
        Map<String, List<String>> pods = new LinkedHashMap<>();
        Map<String, String> maps = new HashMap<>();
        for (String sid : List.of("viewer-1", "viewer-2")) {
            pods.put(sid, new ArrayList<>());
        }
        TestNode.await("both viewers' playlists to list a pod", Duration.ofSeconds(60), () -> {
            for (String sid : pods.keySet()) {
                if (!pods.get(sid).isEmpty()) {
                    continue;
                }
                HttpResponse<String> r = TestNode.get(node, "/live/adfast/360p/index.m3u8?sid=" + sid);
                if (r.statusCode() != 200) {
                    continue; // not on air yet
                }
                String map = null;
                List<String> ads = new ArrayList<>();
                for (String line : r.body().split("\n")) {
                    if (line.startsWith("#EXT-X-MAP:URI=\"/ads/")) {
                        map = line.substring(16, line.indexOf('"', 16));
                    } else if (line.startsWith("/ads/" + sid + "/") && map != null) {
                        ads.add(line);
                    } else if (!ads.isEmpty() && !line.startsWith("#")) {
                        break; // content after the pod: the pod is all listed
                    }
                }
                // a whole 4 s ad of 1 s segments, content after it
                if (ads.size() == 4) {
                    pods.get(sid).addAll(ads);
                    maps.put(sid, map);
                }
            }
            return pods.values().stream().noneMatch(List::isEmpty);
        });

        // the pictures: one viewer sees the red ad, the other the blue one (the server rotates its pool)
        double[] one = AdTestMedia.meanColour(bytes(maps.get("viewer-1")), bytes(pods.get("viewer-1").get(0)));
        double[] two = AdTestMedia.meanColour(bytes(maps.get("viewer-2")), bytes(pods.get("viewer-2").get(0)));
        boolean oneRed = one[0] > 150 && one[2] < 80;
        boolean oneBlue = one[2] > 150 && one[0] < 80;
        boolean twoRed = two[0] > 150 && two[2] < 80;
        boolean twoBlue = two[2] > 150 && two[0] < 80;
        assertTrue((oneRed && twoBlue) || (oneBlue && twoRed),
                "different catalog ads: " + java.util.Arrays.toString(one) + " and " + java.util.Arrays.toString(two));

        // viewer-1 plays its whole ad, viewer-2 only its first second: the tracking the built-in server
        // counts is what those requests earned, each once
        for (int i = 1; i < 4; i++) {
            bytes(pods.get("viewer-1").get(i));
        }
        Map<String, Double> expected = Map.of("impression", 2.0, "start", 2.0, "firstQuartile", 1.0, "midpoint", 1.0,
                "thirdQuartile", 1.0, "complete", 1.0);
        TestNode.await("the tracking events at /ads/track", Duration.ofSeconds(20), () -> {
            Scrape s = Scrape.of(node);
            return expected.entrySet().stream().allMatch(e -> s.value("tributary_ssai_tracked_events_total",
                    "event=\"" + e.getKey() + "\"") >= e.getValue());
        });
        Thread.sleep(1000); // nothing more may come
        Scrape s = Scrape.of(node);
        for (var e : expected.entrySet()) {
            assertEquals(e.getValue(), s.value("tributary_ssai_tracked_events_total", "event=\"" + e.getKey() + "\""), 0.0, e.getKey());
        }
        assertTrue(s.value("tributary_ssai_beacons_total", "result=\"sent\"") >= 8, "sent by the node's beacon sender");
    }

    static byte[] bytes(String path) throws Exception {
        HttpResponse<byte[]> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl(path)))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), path);
        return r.body();
    }
}
