package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import io.tributary.testing.VodTestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cap on encrypted VOD objects in flight ({@code vod.encryption-max-concurrent}, 2 here) on a real
 * node: readers that stop reading (HTTP/2 with a 1 KiB stream window, paused) hold their slots until their
 * segment is written, the next request is a 503 with Retry-After, and service resumes once they read on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EncryptedVodCapTest {

    private static final int CAP = 2;
    @TempDir
    static Path dir;
    static VodTestNode vod;
    static Node node;
    static Vertx vertx;

    @BeforeAll
    static void start() {
        vod = VodTestNode.start(dir, "cms-shared-secret-vodcap-0123456789", Map.of("TRIBUTARY_VOD_ENCRYPTION", "aes-128",
                "TRIBUTARY_VOD_ENCRYPTION_MAX_CONCURRENT", Integer.toString(CAP), "TRIBUTARY_HTTP_H2C", "true"));
        node = vod.node();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (vod != null) {
            vod.close();
        }
    }

    @Test
    void slowReadersHoldTheCapAndServiceResumesWhenTheyReadOn() throws Exception {
        HttpResponse<String> up = vod.upload(VodTestMedia.write(dir.resolve("clip.mp4"), 320, 240, 3, 25), "");
        assertEquals(201, up.statusCode(), up.body());
        String id = new JsonObject(up.body()).getString("id");
        assertEquals("aes-128", new JsonObject(up.body()).getString("encryption"), "vod.encryption: aes-128");
        vod.ready(id);
        String mv = TestNode.get(node, "/vod/" + id + "/index.m3u8").body();
        String rung = mv.lines().filter(l -> !l.startsWith("#") && l.contains("/index.m3u8")).findFirst().orElseThrow().split("/")[0];
        String media = TestNode.get(node, "/vod/" + id + "/" + rung + "/index.m3u8").body();
        String segment = "/vod/" + id + "/" + rung + "/" + media.lines().filter(l -> l.startsWith("seg_")).findFirst().orElseThrow().split("\\?")[0];
        HttpResponse<String> whole = TestNode.get(node, segment);
        assertEquals(200, whole.statusCode(), whole.body());
        long size = Long.parseLong(whole.headers().firstValue("content-length").orElseThrow());
        assertTrue(size > 16 * 1024, "a segment well beyond the readers' window: " + size);

        // readers that take their headers and 1 KiB, then stop: the node cannot finish writing to them
        HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false).setInitialSettings(new Http2Settings().setInitialWindowSize(1024)));
        List<HttpClientResponse> slow = new ArrayList<>();
        for (int i = 0; i < CAP; i++) {
            HttpClientResponse r = h2.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", segment)
                    .compose(req -> req.send().onSuccess(HttpClientResponse::pause))
                    .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals(HttpVersion.HTTP_2, r.version());
            slow.add(r);
        }
        HttpResponse<String> refused = TestNode.get(node, segment);
        assertEquals(503, refused.statusCode(), "the cap is reached");
        assertEquals("1", refused.headers().firstValue("retry-after").orElse(""));
        assertTrue(refused.body().contains("too many encrypted VOD objects"), refused.body());
        assertEquals(200, TestNode.get(node, "/vod/" + id + "/poster.jpg").statusCode(), "clear objects are not capped");

        // the readers read on: each gets its whole segment, and their slots come back
        List<Future<Buffer>> bodies = new ArrayList<>();
        for (HttpClientResponse r : slow) {
            bodies.add(r.body());
            r.resume();
        }
        for (Future<Buffer> b : bodies) {
            assertEquals(size, b.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).length());
        }
        TestNode.await("service to resume", Duration.ofSeconds(20), () -> TestNode.get(node, segment).statusCode() == 200);
        for (int i = 0; i < 2 * CAP; i++) {
            assertEquals(200, TestNode.get(node, segment).statusCode(), "no slot was kept");
        }
    }
}
