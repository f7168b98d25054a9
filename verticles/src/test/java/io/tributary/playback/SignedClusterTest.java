package io.tributary.playback;

import io.tributary.Node;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed playback across a cluster with no secret configured: each node generates one under its own
 * data-dir, the cluster agrees on the first, so a token the origin issues opens the stream on the
 * other node's edge and through its proxying router (which checks an address-bound token itself and
 * hands the edge its node pass); the edge's cache fills pass the origin's guard by the pass alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedClusterTest {

    private final TestCluster cluster = new TestCluster(2);
    private Path dirs;
    private Node origin;
    private Node edge;
    private TestPublication publication;

    @BeforeAll
    void start() throws Exception {
        dirs = Files.createTempDirectory("signed-cluster");
        origin = cluster.start(0, Map.of("TRIBUTARY_ROLES", "origin", "TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_PLAYBACK_ACCESS", "signed", "TRIBUTARY_DATA_DIR", dirs.resolve("a").toString()));
        edge = cluster.start(1, Map.of("TRIBUTARY_ROLES", "edge,router", "TRIBUTARY_ROUTER_MODE", "proxy",
                "TRIBUTARY_PLAYBACK_ACCESS", "signed", "TRIBUTARY_DATA_DIR", dirs.resolve("b").toString()));
        publication = LiveNode.publish(origin, "cam9", LiveNode.smallSource()).send(4.5).sendPacedInBackground(20);
        TestNode.await("the router to see the edge", Duration.ofSeconds(10), () -> edge.roles().routing().ring().size() == 1);
    }

    @AfterAll
    void stop() {
        if (publication != null) {
            publication.close();
        }
        cluster.close();
        try (var files = Files.walk(dirs)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            // a temp dir left behind
        }
    }

    @Test
    void aTokenIssuedByTheOriginPlaysOnAnotherNodesEdgeAndRouter() throws Exception {
        // two secrets were generated, one in each data-dir; the cluster uses the first node's
        assertTrue(Files.isRegularFile(dirs.resolve("a/playback-secret")));
        assertTrue(Files.isRegularFile(dirs.resolve("b/playback-secret")));
        HttpResponse<String> issued = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(origin.httpUrl("/api/v1/playback-tokens")))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"stream\":\"cam9\",\"bindAddress\":true}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, issued.statusCode(), issued.body());
        JsonObject t = new JsonObject(issued.body());
        assertEquals("127.0.0.1", t.getString("address"));
        String edgeUrl = "http://127.0.0.1:" + edge.roles().edgePort();
        String routerUrl = "http://127.0.0.1:" + edge.roles().routerPort();
        TestNode.await("cam9 through the other node's edge", Duration.ofSeconds(30),
                () -> get(edgeUrl + t.getString("hls")).statusCode() == 200);
        String media = get(edgeUrl + "/live/cam9/video/index.m3u8?token=" + t.getString("token")).body();
        assertTrue(media.contains("seg-") && media.contains("token=" + t.getString("token")), media);
        // through the proxying router: it checked the address-bound token, the edge took its pass
        HttpResponse<String> viaRouter = get(routerUrl + "/live/cam9/video/index.m3u8?token=" + t.getString("token"));
        assertEquals(200, viaRouter.statusCode(), viaRouter.body());
        assertTrue(viaRouter.body().contains("token=" + t.getString("token")));
        String tampered = t.getString("token").substring(0, 10) + (t.getString("token").charAt(10) == 'x' ? 'y' : 'x')
                + t.getString("token").substring(11);
        assertEquals(403, get(routerUrl + "/live/cam9/video/index.m3u8?token=" + tampered).statusCode());
        assertEquals(403, get(edgeUrl + "/live/cam9/video/index.m3u8").statusCode());
        // a key path's failure, the router's own (a malformed key) or the edge's passed through (a clear stream): kept by no one
        for (HttpResponse<String> noKey : List.of(get(routerUrl + "/keys/cam9/video/not-a-key.key"),
                get(routerUrl + "/keys/cam9/video/0-0.key?token=" + t.getString("token")))) {
            assertEquals(404, noKey.statusCode(), noKey.body());
            assertEquals("private, no-store", noKey.headers().firstValue("cache-control").orElse(""), noKey.body());
        }
        // a pass header a stranger makes up opens nothing
        HttpResponse<String> fakePass = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(origin.httpUrl("/live/cam9/index.m3u8")))
                .header(PlaybackAccess.PASS_HEADER, (System.currentTimeMillis() / 1000 + 30) + ".AAAA").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, fakePass.statusCode());
    }

    private static HttpResponse<String> get(String url) {
        return TestNode.getUrl(url);
    }
}
