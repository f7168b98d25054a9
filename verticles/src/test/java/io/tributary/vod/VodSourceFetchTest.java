package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.TestCertificates;
import io.tributary.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code {"source":"https://..."}} against a local HTTPS server (a self-signed certificate the node
 * trusts through {@code vod.source-trust}, loopback allowed by {@code vod.allow-private-sources}):
 * a fetch through a redirect becomes a playable asset; too many redirects, a body over
 * {@code vod.max-upload}, a server that stalls past {@code vod.fetch-timeout}, a 404 and a redirect
 * to plain HTTP are each a 4xx naming the problem, leaving no file behind.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VodSourceFetchTest {

    static final long MAX_UPLOAD = 2 * 1024 * 1024;

    @TempDir
    static Path dir;
    static Node node;
    static Vertx vertx;
    static HttpServer server;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates.Pair cert = TestCertificates.create(dir.resolve("tls"), "source");
        byte[] clip = Files.readAllBytes(VodTestMedia.write(dir.resolve("clip.mp4"), 640, 360, 3, 25));
        assertTrue(clip.length < MAX_UPLOAD, "the clip fits the limit");
        Buffer big = Buffer.buffer(new byte[(int) MAX_UPLOAD + 64 * 1024]);
        vertx = Vertx.vertx();
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setHost("127.0.0.1")
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString())))
                .requestHandler(req -> {
                    var resp = req.response();
                    switch (req.path()) {
                        case "/clip.mp4" -> resp.putHeader("Content-Type", "video/mp4").end(Buffer.buffer(clip));
                        case "/moved" -> resp.setStatusCode(302).putHeader("Location", "/clip.mp4").end();
                        case "/r1" -> resp.setStatusCode(301).putHeader("Location", "/r2").end();
                        case "/r2" -> resp.setStatusCode(307).putHeader("Location", "/r3").end();
                        case "/r3" -> resp.setStatusCode(308).putHeader("Location", "/clip.mp4").end();
                        case "/to-http" -> resp.setStatusCode(302).putHeader("Location", "http://127.0.0.1:9/clip.mp4").end();
                        case "/big" -> resp.setChunked(true).write(big.slice(0, big.length() / 2))
                                .compose(x -> resp.end(big.slice(big.length() / 2, big.length())));
                        case "/big-declared" -> resp.end(big);
                        case "/stall" -> { } // never answers
                        default -> resp.setStatusCode(404).end("no");
                    }
                });
        server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        base = "https://localhost:" + server.actualPort();

        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_MAX_UPLOAD", Long.toString(MAX_UPLOAD));
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_VOD_ALLOW_PRIVATE_SOURCES", "true");
        env.put("TRIBUTARY_VOD_SOURCE_TRUST", cert.cert().toString());
        env.put("TRIBUTARY_VOD_FETCH_TIMEOUT", "6s"); // a loaded machine's TLS handshakes fit well inside
        env.put("TRIBUTARY_VOD_FETCH_REDIRECTS", "2");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        node = TestNode.start(env);
    }

    @AfterAll
    static void stop() throws Exception {
        TestNode.stop(node);
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> post(JsonObject body) throws Exception {
        return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets")))
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Nothing of a refused fetch stays in the uploads directory. */
    static void assertNoUploadsLeft() throws Exception {
        Path uploads = dir.resolve("data").resolve("vod").resolve("uploads");
        if (Files.isDirectory(uploads)) {
            try (Stream<Path> s = Files.list(uploads)) {
                List<Path> left = s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
                assertTrue(left.isEmpty(), "partial files left: " + left);
            }
        }
    }

    static void assertRefused(String path, int status, String mention) throws Exception {
        HttpResponse<String> r = post(new JsonObject().put("source", base + path));
        assertEquals(status, r.statusCode(), path + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), r.headers().toString());
        assertTrue(r.body().contains(mention), path + ": " + r.body());
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), r.body());
    }

    @Test
    void aFetchThroughARedirectBecomesAPlayableAsset() throws Exception {
        HttpResponse<String> r = post(new JsonObject().put("source", base + "/moved").put("title", "Fetched clip"));
        assertEquals(201, r.statusCode(), r.body());
        JsonObject created = new JsonObject(r.body());
        assertEquals("Fetched clip", created.getString("title"));
        long job = created.getLong("job");
        TestNode.await("job " + job + " done", Duration.ofSeconds(120), () -> {
            String state = new JsonObject(TestNode.get(node, "/api/v1/jobs/" + job).body()).getString("state");
            assertFalse("failed".equals(state), "the fetched file failed to transcode");
            return "done".equals(state);
        });
        JsonObject asset = new JsonObject(TestNode.get(node, "/api/v1/assets/" + created.getString("id")).body());
        assertEquals(3.0, asset.getDouble("duration"), 0.1);
        assertEquals(200, TestNode.get(node, "/vod/" + created.getString("id") + "/index.m3u8").statusCode());
        // a title defaults to the URL's last path segment
        HttpResponse<String> untitled = post(new JsonObject().put("source", base + "/clip.mp4"));
        assertEquals(201, untitled.statusCode(), untitled.body());
        assertEquals("clip.mp4", new JsonObject(untitled.body()).getString("title"));
    }

    @Test
    void badSourcesAreRefusedNamingTheProblemAndLeaveNothing() throws Exception {
        assertRefused("/r1", 400, "vod.fetch-redirects (2)");
        assertRefused("/big", 413, "vod.max-upload");
        assertRefused("/big-declared", 413, "vod.max-upload");
        assertRefused("/missing", 400, "answered HTTP 404");
        assertRefused("/to-http", 400, "no https:// URL");
        long t0 = System.nanoTime();
        assertRefused("/stall", 400, "vod.fetch-timeout");
        double took = (System.nanoTime() - t0) / 1e9;
        assertTrue(took >= 5.9 && took < 15, "refused after the 6 s timeout, took " + took + " s");
        HttpResponse<String> plain = post(new JsonObject().put("source", "http://localhost:" + server.actualPort() + "/clip.mp4"));
        assertEquals(400, plain.statusCode(), plain.body());
        assertTrue(plain.body().contains("https://"), plain.body());
        // a certificate the node does not trust: 127.0.0.1 is in the certificate, example.invalid is not resolvable
        HttpResponse<String> unknown = post(new JsonObject().put("source", "https://host.invalid/clip.mp4"));
        assertEquals(400, unknown.statusCode(), unknown.body());
        assertTrue(unknown.body().contains("not known"), unknown.body());
        assertNoUploadsLeft();
    }

    @Test
    void onlyPublicAddressesCountAsPublic() throws Exception {
        for (String a : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "198.18.0.1")) {
            assertFalse(SourceFetch.isPublic(InetAddress.getByName(a)), a + " is not public");
        }
        for (String a : List.of("8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "100.128.0.1")) {
            assertTrue(SourceFetch.isPublic(InetAddress.getByName(a)), a + " is public");
        }
    }
}
