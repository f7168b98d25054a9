package io.tributary.vod;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken;
import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VOD asset under {@code playback.vod-access: signed}: 403 without an asset token, FFmpeg plays it with one, at
 * the origin and through the edge (whose cache holds one copy for every viewer, yet answers none without a token).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SignedVodTest {

    private static final String SECRET = "cms-shared-secret-vod-0123456789";
    @TempDir
    static Path dir;
    static Node node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("TRIBUTARY_DATA_DIR", dir.resolve("data").toString(), "TRIBUTARY_VOD_ENABLED", "true",
                "TRIBUTARY_VOD_SEGMENT_TARGET", "1s", "TRIBUTARY_VOD_POLL_INTERVAL", "200ms", "TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_PLAYBACK_SECRET", SECRET, "TRIBUTARY_PLAYBACK_VOD_ACCESS", "signed"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSignedAssetPlaysWithItsTokenOnly() throws Exception {
        Path src = VodTestMedia.write(dir.resolve("clip.mp4"), 320, 240, 3, 25);
        HttpResponse<String> up = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets")))
                .POST(HttpRequest.BodyPublishers.ofFile(src)).header("Content-Type", "application/octet-stream").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, up.statusCode(), up.body());
        String id = new JsonObject(up.body()).getString("id");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!"ready".equals(new JsonObject(get("/api/v1/assets/" + id).body()).getString("state"))) {
            assertTrue(System.nanoTime() < until, "asset not ready");
            Thread.sleep(200);
        }
        PlaybackToken cms = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8));
        long exp = System.currentTimeMillis() / 1000 + 300;
        String t = cms.mint(new Claims(Kind.ASSET, id, exp, ""));
        assertEquals(403, get("/vod/" + id + "/index.m3u8").statusCode());
        assertEquals(403, get("/vod/" + id + "/index.m3u8?token=" + cms.mint(new Claims(Kind.STREAM, id, exp, ""))).statusCode(),
                "a stream token of the same name is not an asset token");
        String mv = get("/vod/" + id + "/index.m3u8?token=" + t).body();
        // a viewer without CMCD: its issued sid and its token on every URI
        assertTrue(mv.contains("index.m3u8?sid=") && mv.contains("&token=" + t), mv);
        String mpd = get("/vod/" + id + "/manifest.mpd?token=" + t).body();
        assertTrue(mpd.contains("?sid=") && mpd.contains("&amp;token=" + t + "\""), mpd);
        int pictures = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(node.httpUrl("/vod/" + id + "/index.m3u8?token=" + t))) {
            g.start();
            for (Frame f = g.grab(); f != null && pictures < 75; f = g.grab()) {
                pictures += f.image != null ? 1 : 0;
            }
            g.stop();
        }
        assertEquals(75, pictures, "FFmpeg plays the whole signed asset");

        // through the node's edge alike: refused without the token, the token carried into what it lists
        String edge = "http://127.0.0.1:" + node.roles().edgePort();
        assertEquals(403, TestNode.getUrl(edge + "/vod/" + id + "/index.m3u8").statusCode());
        HttpResponse<String> edgeMv = TestNode.getUrl(edge + "/vod/" + id + "/index.m3u8?token=" + t);
        assertEquals(200, edgeMv.statusCode(), edgeMv.body());
        assertTrue(edgeMv.body().contains("index.m3u8?sid=") && edgeMv.body().contains("&token=" + t), edgeMv.body());
        assertTrue(edgeMv.headers().firstValue("Cache-Control").orElse("").startsWith("private"), "one viewer's copy");
        assertTrue(TestNode.getUrl(edge + "/vod/" + id + "/thumbnails.vtt?token=" + t).body().contains("sprite.jpg?token=" + t + "#"));
        pictures = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(edge + "/vod/" + id + "/index.m3u8?token=" + t)) {
            g.start();
            for (Frame f = g.grab(); f != null && pictures < 75; f = g.grab()) {
                pictures += f.image != null ? 1 : 0;
            }
            g.stop();
        }
        assertEquals(75, pictures, "FFmpeg plays the whole signed asset through the edge");
        // a segment the edge has cached: still 403 without the token, 200 with it
        String rung = java.util.Arrays.stream(edgeMv.body().split("\n")).filter(l -> l.contains("/index.m3u8?") && l.endsWith("&token=" + t))
                .findFirst().orElseThrow().split("/")[0];
        String media = TestNode.getUrl(edge + "/vod/" + id + "/" + rung + "/index.m3u8?token=" + t).body();
        String segment = java.util.Arrays.stream(media.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst()
                .orElseThrow().split("\\?")[0];
        assertEquals(200, TestNode.getUrl(edge + "/vod/" + id + "/" + rung + "/" + segment + "?token=" + t).statusCode());
        assertEquals(403, TestNode.getUrl(edge + "/vod/" + id + "/" + rung + "/" + segment).statusCode(), "cached media stays signed");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
