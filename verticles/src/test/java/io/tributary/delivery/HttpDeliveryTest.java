package io.tributary.delivery;

import io.tributary.Node;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What browsers, players and operators see over HTTP: headers, errors, pages, and no escape from the media. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpDeliveryTest {

    private LiveNode live;
    private Node node;

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", // tests the passthrough packager
                "TRIBUTARY_HTTP_H2C", "true"));
        node = live.node();
        live.publish("cam1").send(6.2);
        live.awaitSegments("cam1", "video", 2, Duration.ofSeconds(10));
    }

    @AfterAll
    void stop() {
        live.close();
    }

    @Test
    void unknownStreamIs404WithAReason() {
        HttpResponse<String> r = TestNode.get(node, "/live/nobody/index.m3u8");
        assertEquals(404, r.statusCode());
        assertEquals("stream 'nobody' is not live on this node\n", r.body());
        assertEquals(404, TestNode.get(node, "/live/nobody/video/seg-1.m4s").statusCode());
        assertEquals(404, TestNode.get(node, "/live/cam1/720p/index.m3u8").statusCode());
        assertEquals(404, TestNode.get(node, "/live/cam1/video/seg-99999.m4s").statusCode());
        assertEquals(404, TestNode.get(node, "/live/cam1/video/thumbnail.jpg").statusCode());
    }

    @Test
    void malformedNumbersAre400() {
        for (String path : List.of("/live/cam1/video/seg-abc.m4s", "/live/cam1/video/part-1.x.m4s",
                "/live/cam1/video/seg-99999999999999999999.m4s", "/live/cam1/video/init-.mp4",
                "/live/cam1/video/index.m3u8?_HLS_msn=-1", "/live/cam1/video/index.m3u8?_HLS_msn=1&_HLS_part=z")) {
            HttpResponse<String> r = TestNode.get(node, path);
            assertEquals(400, r.statusCode(), path);
            assertTrue(r.body().startsWith("malformed") || r.body().contains("out of range"), path + ": " + r.body());
        }
    }

    /** Raw request lines, so no client normalises the path first. */
    private String raw(String target) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.httpPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void nothingOutsideTheMediaIsServed() throws IOException {
        for (String target : List.of("/live/../../../../etc/passwd", "/live/cam1/video/..%2F..%2F..%2Fetc%2Fpasswd",
                "/live/cam1/../../pom.xml", "/assets/../../../../etc/passwd", "/live/%2e%2e/%2e%2e/etc/passwd",
                "/play/..%2F..%2Fetc%2Fpasswd", "/live/cam1/video/%00index.m3u8")) {
            String response = raw(target);
            String status = response.substring(0, response.indexOf("\r\n"));
            assertFalse(response.contains("root:"), target + " leaked a file");
            assertFalse(response.contains("<project"), target + " leaked a file");
            assertTrue(status.contains(" 404 ") || status.contains(" 400 ") || status.contains(" 200 "), target + ": " + status);
            if (status.contains(" 200 ")) {
                // only the player page may answer (its key is just text in the page)
                assertTrue(target.startsWith("/play/"), target + ": " + status);
            }
        }
    }

    @Test
    void headersForPlayersAndBrowsers() throws Exception {
        HttpResponse<byte[]> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/live/cam1/video/index.m3u8")))
                .header("Accept-Encoding", "gzip").header("Origin", "https://player.example").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("gzip", r.headers().firstValue("content-encoding").orElse(""));
        assertEquals("*", r.headers().firstValue("access-control-allow-origin").orElse(""));
        assertTrue(r.headers().firstValue("cache-control").orElse("").contains("max-age=1"));
        String text = new String(new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("#EXTM3U"));

        HttpResponse<String> preflight = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/live/cam1/index.m3u8")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://player.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "cmcd-request").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, preflight.statusCode());
        assertEquals("*", preflight.headers().firstValue("access-control-allow-origin").orElse(""));
        assertTrue(preflight.headers().firstValue("access-control-allow-headers").orElse("").toLowerCase().contains("cmcd-request"),
                preflight.headers().map().toString());

        Playlist p = new Playlist(TestNode.get(node, "/live/cam1/audio/index.m3u8").body());
        HttpResponse<byte[]> seg = TestNode.getBytes(node, "/live/cam1/audio/" + p.segments().get(0).uri());
        assertEquals("audio/mp4", seg.headers().firstValue("content-type").orElse(""));
        // the hotness tier's TTL (S1/S2/S3 of default.yaml), whichever tier the stream ranks in now
        assertTrue(seg.headers().firstValue("cache-control").orElse("").matches("public, max-age=(120|30|6)"),
                seg.headers().firstValue("cache-control").orElse(""));
    }

    @Test
    void http2CleartextIsSpoken() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> r = h2.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/live/cam1/index.m3u8"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
    }

    @Test
    void operatorEndpointsAndPages() {
        JsonObject health = new JsonObject(TestNode.get(node, "/health").body());
        assertEquals("UP", health.getString("status"));
        String metrics = TestNode.get(node, "/metrics").body();
        for (String name : List.of("tributary_publishers", "tributary_ingest_bytes_total", "tributary_blocked_requests",
                "tributary_delivery_requests_total", "vertx_http_server_requests_total")) {
            assertTrue(metrics.contains(name), "metric " + name);
        }
        assertTrue(TestNode.get(node, "/").body().contains("Live streams"));
        String player = TestNode.get(node, "/play/cam1").body();
        assertTrue(player.contains("/assets/hls.min.js") && player.contains("lowLatencyMode: true"));
        HttpResponse<String> hls = TestNode.get(node, "/assets/hls.min.js");
        assertEquals(200, hls.statusCode());
        assertTrue(hls.body().length() > 100_000);
        assertEquals(404, TestNode.get(node, "/api/v1/streams/nobody").statusCode());
    }
}
