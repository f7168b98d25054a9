package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.testing.VodAssets;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Published assets through the node's edge, as a viewer reaches them: FFmpeg plays HLS and DASH there; a
 * second viewer's requests are all answered from the edge's cache (no origin request); objects carry the
 * origin's immutable long TTL; a trick-play byte range is cut from the cached object; VOD requests count
 * into hotness. And an asset without a sprite (published before sprites were made) lists no thumbnails.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class VodEdgeTest {

    @TempDir
    static Path dir;
    static Node node;
    static String id;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = VodAssets.env(dir);
        env.put("TRIBUTARY_HOTNESS_MERGE_INTERVAL", "500ms");
        node = TestNode.start(env);
        id = VodAssets.publish(node, dir, "quay.mp4", 4, "Quay", null);
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    static String edge(String path) {
        return "http://127.0.0.1:" + node.roles().edgePort() + path;
    }

    static double originRequests() {
        return Scrape.of(node).sum("tributary_edge_origin_requests_total");
    }

    @Test
    void aSecondViewerThroughTheEdgeCostsTheOriginNothing() throws Exception {
        for (String entry : new String[] {"index.m3u8", "manifest.mpd"}) {
            String url = edge("/vod/" + id + "/" + entry);
            double before = originRequests();
            VodTest.Played first = VodTest.play(url);
            assertEquals(100, first.pictures(), "the first viewer plays all 4 s through the edge (" + entry + ")");
            double filled = originRequests();
            assertTrue(filled > before, "the first viewer's requests were fetched from the origin (" + entry + ")");
            VodTest.Played second = VodTest.play(url);
            assertEquals(100, second.pictures(), "the second viewer plays all 4 s through the edge (" + entry + ")");
            assertEquals(filled, originRequests(), "the second viewer's requests reached no origin (" + entry + ")");
        }

        // what a viewer's cache and the edge's own are told: immutable, a year
        String media = TestNode.getUrl(edge("/vod/" + id + "/360p/index.m3u8")).body();
        String segment = Arrays.stream(media.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElseThrow();
        HttpResponse<byte[]> whole = bytes(edge("/vod/" + id + "/360p/" + segment), null);
        assertEquals(200, whole.statusCode());
        assertEquals("HIT", whole.headers().firstValue("X-Cache").orElse(""), "played before: from the edge's cache");
        assertEquals("public, max-age=" + VodRoutes.MAX_AGE + ", immutable", whole.headers().firstValue("Cache-Control").orElse(""));
        // a byte range (the trick-play playlists' way) from the cached object, no origin request
        double before = originRequests();
        HttpResponse<byte[]> part = bytes(edge("/vod/" + id + "/360p/" + segment), "bytes=100-299");
        assertEquals(206, part.statusCode());
        assertEquals("bytes 100-299/" + whole.body().length, part.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(Arrays.copyOfRange(whole.body(), 100, 300), part.body());
        assertEquals(416, bytes(edge("/vod/" + id + "/360p/" + segment), "bytes=" + whole.body().length + "-").statusCode());
        assertEquals(before, originRequests());

        // no such asset, or a name no asset has: 404 through the edge as at the origin
        assertEquals(404, TestNode.getUrl(edge("/vod/a0000000000000000/index.m3u8")).statusCode());
        assertEquals(404, TestNode.getUrl(edge("/vod/" + id + "/360p/../../x.m4s")).statusCode());
        assertEquals(404, TestNode.getUrl(edge("/vod/" + id + "/360p/seg.exe")).statusCode());

        // the edge counted the plays into hotness, under the asset's own key (not a live stream's)
        TestNode.await("the asset in the hotness ranking", Duration.ofSeconds(10),
                () -> TestNode.get(node, "/api/v1/hotness?top=50").body().contains("\"vod:" + id + "/360p\""));
    }

    @Test
    void anAssetWithoutASpriteListsNoThumbnails() throws Exception {
        JsonObject listed = new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body());
        assertEquals("/vod/" + id + "/thumbnails.vtt", listed.getString("thumbnails"), listed.encode());
        // as an asset published before the pipeline made sprites: no map, no sprite
        Path published = dir.resolve("data").resolve("vod").resolve(id);
        Files.delete(published.resolve("thumbnails.vtt"));
        Files.delete(published.resolve("sprite.jpg"));
        JsonObject asset = new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body());
        assertFalse(asset.containsKey("thumbnails"), asset.encode());
        assertEquals("/vod/" + id + "/poster.jpg", asset.getString("poster"));
        JsonObject page = new JsonObject(TestNode.get(node, "/api/v1/assets?q=Quay").body());
        JsonObject item = page.getJsonArray("items").stream().map(o -> (JsonObject) o).filter(o -> id.equals(o.getString("id")))
                .findFirst().orElseThrow(() -> new AssertionError("not found by its title: " + page.encode()));
        assertFalse(item.containsKey("thumbnails"), item.encode());
        assertEquals(404, TestNode.get(node, "/vod/" + id + "/thumbnails.vtt").statusCode());
    }

    @Test
    void anAssetWithdrawnAtTheOriginLeavesTheEdgeAtOnce() throws Exception {
        String other = VodTestMedia.publish(node, VodTestMedia.write(dir.resolve("harbour.mp4"), 640, 360, 2, 25), "Harbour");
        String media = TestNode.getUrl(edge("/vod/" + other + "/360p/index.m3u8")).body();
        String segment = Arrays.stream(media.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElseThrow();
        String url = edge("/vod/" + other + "/360p/" + segment);
        assertEquals(200, bytes(url, null).statusCode());
        assertEquals("HIT", bytes(url, null).headers().firstValue("X-Cache").orElse(""), "cached for a day (immutable)");

        // the editor closes the asset's window: a viewer who still holds the playlist gets no more media from the edge
        HttpResponse<String> patched = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets/" + other)))
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"availableUntil\":\"2020-01-01T00:00:00Z\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, patched.statusCode(), patched.body());
        TestNode.await("the edge refuses the withdrawn asset's cached segment", Duration.ofSeconds(5),
                () -> TestNode.getUrl(url).statusCode() == 403);
        HttpResponse<byte[]> refused = bytes(url, null);
        assertEquals(403, refused.statusCode());
        assertTrue(new String(refused.body()).contains("no longer available"), new String(refused.body()));
        assertEquals(403, TestNode.getUrl(edge("/vod/" + other + "/360p/index.m3u8")).statusCode(), "nor its playlist");
        // the first asset is untouched: still served from the edge's cache
        String first = TestNode.getUrl(edge("/vod/" + id + "/360p/index.m3u8")).body();
        assertTrue(first.contains("#EXT-X-ENDLIST"), first);
    }

    private static HttpResponse<byte[]> bytes(String url, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (range != null) {
            b.header("Range", range);
        }
        return TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
