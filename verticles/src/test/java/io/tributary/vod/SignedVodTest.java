package io.tributary.vod;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.testing.TestNode;
import io.tributary.testing.VodTestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
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
    static VodTestNode vod;
    static Node node;

    @BeforeAll
    static void start() {
        vod = VodTestNode.start(dir, SECRET, Map.of("TRIBUTARY_PLAYBACK_VOD_ACCESS", "signed"));
        node = vod.node();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vod != null) {
            vod.close();
        }
    }

    @Test
    void aSignedAssetPlaysWithItsTokenOnly() throws Exception {
        HttpResponse<String> up = vod.upload(VodTestMedia.write(dir.resolve("clip.mp4"), 320, 240, 3, 25), "");
        assertEquals(201, up.statusCode(), up.body());
        String id = new JsonObject(up.body()).getString("id");
        vod.ready(id);
        String t = vod.token(Kind.ASSET, id);
        assertEquals(403, TestNode.get(node, "/vod/" + id + "/index.m3u8").statusCode());
        assertEquals(403, TestNode.get(node, "/vod/" + id + "/index.m3u8?token=" + vod.token(Kind.STREAM, id)).statusCode(),
                "a stream token of the same name is not an asset token");
        String mv = TestNode.get(node, "/vod/" + id + "/index.m3u8?token=" + t).body();
        // a viewer without CMCD: its issued sid and its token on every URI
        assertTrue(mv.contains("index.m3u8?sid=") && mv.contains("&token=" + t), mv);
        String mpd = TestNode.get(node, "/vod/" + id + "/manifest.mpd?token=" + t).body();
        assertTrue(mpd.contains("?sid=") && mpd.contains("&amp;token=" + t + "\""), mpd);
        assertEquals(75, VodTestNode.pictures(node.httpUrl("/vod/" + id + "/index.m3u8?token=" + t), 75), "FFmpeg plays the whole signed asset");

        // through the node's edge alike: refused without the token, the token carried into what it lists
        String edge = vod.edge();
        assertEquals(403, TestNode.getUrl(edge + "/vod/" + id + "/index.m3u8").statusCode());
        HttpResponse<String> edgeMv = TestNode.getUrl(edge + "/vod/" + id + "/index.m3u8?token=" + t);
        assertEquals(200, edgeMv.statusCode(), edgeMv.body());
        assertTrue(edgeMv.body().contains("index.m3u8?sid=") && edgeMv.body().contains("&token=" + t), edgeMv.body());
        assertTrue(edgeMv.headers().firstValue("Cache-Control").orElse("").startsWith("private"), "one viewer's copy");
        assertTrue(TestNode.getUrl(edge + "/vod/" + id + "/thumbnails.vtt?token=" + t).body().contains("sprite.jpg?token=" + t + "#"));
        assertEquals(75, VodTestNode.pictures(edge + "/vod/" + id + "/index.m3u8?token=" + t, 75), "FFmpeg plays the whole signed asset through the edge");
        // a segment the edge has cached: still 403 without the token, 200 with it
        String rung = java.util.Arrays.stream(edgeMv.body().split("\n")).filter(l -> l.contains("/index.m3u8?") && l.endsWith("&token=" + t))
                .findFirst().orElseThrow().split("/")[0];
        String media = TestNode.getUrl(edge + "/vod/" + id + "/" + rung + "/index.m3u8?token=" + t).body();
        String segment = java.util.Arrays.stream(media.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst()
                .orElseThrow().split("\\?")[0];
        assertEquals(200, TestNode.getUrl(edge + "/vod/" + id + "/" + rung + "/" + segment + "?token=" + t).statusCode());
        assertEquals(403, TestNode.getUrl(edge + "/vod/" + id + "/" + rung + "/" + segment).statusCode(), "cached media stays signed");
    }
}
