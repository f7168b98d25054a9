package io.tributary.testing;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken;
import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.vertx.core.json.JsonObject;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real node for the VOD playback tests: VOD on with one rendition, 1 s segments and a quick queue
 * poll, a playback secret the test mints tokens with, and what those tests do with it (upload, wait
 * until ready, fetch, count the pictures FFmpeg decodes).
 */
public final class VodTestNode implements AutoCloseable {

    private final Node node;
    private final PlaybackToken cms;

    private VodTestNode(Node node, String secret) {
        this.node = node;
        this.cms = new PlaybackToken(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** A node with its data under {@code dir}, the playback secret {@code secret}, and {@code overrides} (env-style keys) last. */
    public static VodTestNode start(Path dir, String secret, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(Map.of("TRIBUTARY_DATA_DIR", dir.resolve("data").toString(), "TRIBUTARY_VOD_ENABLED", "true",
                "TRIBUTARY_VOD_SEGMENT_TARGET", "1s", "TRIBUTARY_VOD_POLL_INTERVAL", "200ms", "TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_PLAYBACK_SECRET", secret));
        env.putAll(overrides);
        return new VodTestNode(TestNode.start(env), secret);
    }

    public Node node() {
        return node;
    }

    /** The origin's base URL (no trailing slash). */
    public String origin() {
        return node.httpUrl("");
    }

    /** The node's edge's base URL. */
    public String edge() {
        return "http://127.0.0.1:" + node.roles().edgePort();
    }

    /** {@code POST /api/v1/assets{query}} with the file as the body. */
    public HttpResponse<String> upload(Path src, String query) throws Exception {
        return upload(HttpRequest.BodyPublishers.ofFile(src), query);
    }

    /** {@code POST /api/v1/assets{query}} with {@code body}: for what is refused before the media is read. */
    public HttpResponse<String> upload(byte[] body, String query) throws Exception {
        return upload(HttpRequest.BodyPublishers.ofByteArray(body), query);
    }

    private HttpResponse<String> upload(HttpRequest.BodyPublisher body, String query) throws Exception {
        return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets" + query)))
                .POST(body).header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The asset once ready (within 120 s); an AssertionError if it failed or took longer. */
    public JsonObject ready(String id) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            HttpResponse<String> r = TestNode.get(node, "/api/v1/assets/" + id);
            JsonObject a = r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject();
            if ("ready".equals(a.getString("state"))) {
                return a;
            }
            if ("failed".equals(a.getString("state")) || System.nanoTime() > until) {
                throw new AssertionError("asset " + id + " not ready: " + r.statusCode() + " " + r.body());
            }
            Thread.sleep(200);
        }
    }

    /** A playback token for {@code name} as a CMS mints it, valid for five minutes. */
    public String token(Kind kind, String name) {
        return cms.mint(new Claims(kind, name, System.currentTimeMillis() / 1000 + 300, ""));
    }

    /** GET {@code url} (20 s at most), the body as bytes. */
    public static HttpResponse<byte[]> get(String url) {
        try {
            return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new AssertionError(url, e);
        }
    }

    /** The pictures FFmpeg decodes playing {@code url}, counting up to {@code max}. */
    public static int pictures(String url, int max) throws Exception {
        int pictures = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(url)) {
            g.start();
            for (Frame f = g.grab(); f != null && pictures < max; f = g.grab()) {
                pictures += f.image != null ? 1 : 0;
            }
            g.stop();
        }
        return pictures;
    }

    @Override
    public void close() throws Exception {
        node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
