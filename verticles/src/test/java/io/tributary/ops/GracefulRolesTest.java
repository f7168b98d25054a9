package io.tributary.ops;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The graceful stop's corners, each on a launched node ({@code java} running the launcher) and SIGTERM:
 * an edge and router node drains with its health at 503 while a viewer's request, proxied by the router
 * through the edge to an origin that holds it, is still in flight, and exits 0 once that request got its
 * answer; a node signalled during its start-up (its embedded PostgreSQL still starting) stops once it
 * is up, within the grace, exits 0 and leaves no PostgreSQL behind.
 */
class GracefulRolesTest {

    private static final long GRACE_MS = 20_000;
    /** Signalled during start-up, the node first finishes starting (an embedded PostgreSQL on a loaded machine). */
    private static final long STARTUP_GRACE_MS = 45_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void edgeAndRouterDrainAnswerInFlightAndExitZero(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = new TestCluster(2);
             SyntheticAvSource src = LiveNode.smallSource()) {
            // 4 s segments: the origin holds a reload for up to three target durations (12 s), time enough for the test's steps
            Node origin = cluster.start(0, Map.of("TRIBUTARY_ROLES", "origin", "TRIBUTARY_TRANSCODE_LADDER", "none",
                    "TRIBUTARY_HLS_SEGMENT_TARGET", "4.0"));
            int[] ports = TestNode.freePorts(3);
            Map<String, String> env = new HashMap<>(cluster.memberEnv(1));
            env.putAll(Map.of("TRIBUTARY_ROLES", "edge,router", "TRIBUTARY_ROUTER_MODE", "proxy",
                    "TRIBUTARY_HTTP_PORT", Integer.toString(ports[0]), "TRIBUTARY_EDGE_PORT", Integer.toString(ports[1]),
                    "TRIBUTARY_ROUTER_PORT", Integer.toString(ports[2]), "TRIBUTARY_ROUTER_CHECK_INTERVAL", "500ms"));
            Process node = launch(dir, env);
            String router = "http://127.0.0.1:" + ports[2];
            String edge = "http://127.0.0.1:" + ports[1];
            RtmpTestPublisher pub = RtmpTestPublisher.publish(origin.rtmpPort(), "far");
            try {
                assertTrue(pub.publishing(), "publish refused: " + pub.failure());
                pub.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
                // 8.2 s at once: two complete segments and a third being built, then the publisher goes quiet
                pub.send(src.next(8.2), 0);
                Playlist now = LiveNode.awaitSegments(origin, "far", "video", 2, Duration.ofSeconds(10));
                long next = now.segments().get(now.segments().size() - 1).msn() + 2;

                awaitUp(node, dir, router + "/health", body -> edgeAvailable(body, edge));
                // through the router and the edge to the origin, which holds it until the next segment exists
                CompletableFuture<HttpResponse<String>> reload = HTTP.sendAsync(get(router + "/live/far/video/index.m3u8?_HLS_msn="
                        + next + "&_HLS_part=0"), HttpResponse.BodyHandlers.ofString());
                TestNode.await("the reload held at the origin", Duration.ofSeconds(10),
                        () -> origin.metrics().heldRequests().get() >= 1);
                assertFalse(reload.isDone(), "answered before the segment existed: " + reload.getNow(null));

                long signalled = System.nanoTime();
                node.destroy(); // SIGTERM
                // draining: both roles tell probes to go elsewhere while the request is still in flight
                TestNode.await("router and edge health 503", Duration.ofSeconds(10),
                        () -> status(router + "/health") == 503 && status(edge + "/health") == 503);
                assertFalse(reload.isDone(), "the in-flight reload was not cut: " + reload.getNow(null));
                assertTrue(node.isAlive(), "the node waits for its in-flight request");

                pub.send(src.next(5.0), 0); // the awaited segment exists: the origin answers, through edge and router
                HttpResponse<String> answered = reload.get(10, TimeUnit.SECONDS);
                assertEquals(200, answered.statusCode(), answered.body());
                assertTrue(new Playlist(answered.body()).segments().stream().anyMatch(s -> s.msn() >= next - 1), answered.body());

                assertTrue(node.waitFor(GRACE_MS + 5000, TimeUnit.MILLISECONDS), "exits within the grace\n" + log(dir));
                long exitMs = (System.nanoTime() - signalled) / 1_000_000;
                assertEquals(0, node.exitValue(), "exit code\n" + log(dir));
                assertTrue(exitMs < GRACE_MS, "exited after " + exitMs + " ms, grace " + GRACE_MS);
                String text = log(dir);
                assertTrue(text.contains("stopped: 0 publishers told and closed"), text);
                System.out.println("edge+router: SIGTERM to exit 0 in " + exitMs + " ms");
            } finally {
                pub.close();
                if (node.isAlive()) {
                    node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void sigtermDuringStartUpStopsOnceUpAndLeavesNothing(@TempDir Path dir) throws Exception {
        int[] ports = TestNode.freePorts(4);
        Path data = dir.resolve("data");
        // the DVR starts an embedded PostgreSQL (initdb, seconds): SIGTERM comes while it starts
        Process node = launch(dir, Map.of("TRIBUTARY_HTTP_PORT", Integer.toString(ports[0]),
                "TRIBUTARY_RTMP_PORT", Integer.toString(ports[1]), "TRIBUTARY_EDGE_PORT", Integer.toString(ports[2]),
                "TRIBUTARY_ROUTER_PORT", Integer.toString(ports[3]), "TRIBUTARY_DVR_ENABLED", "true",
                "TRIBUTARY_SHUTDOWN_GRACE", STARTUP_GRACE_MS + "ms"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!log(dir).contains("cluster member")) {
                assertTrue(node.isAlive(), "exited while starting\n" + log(dir));
                assertTrue(System.nanoTime() < deadline, "no start-up progress\n" + log(dir));
                Thread.sleep(20);
            }
            assertFalse(log(dir).contains("node up in"), "still starting when signalled\n" + log(dir));
            long signalled = System.nanoTime();
            node.destroy(); // SIGTERM
            assertTrue(node.waitFor(STARTUP_GRACE_MS + 5000, TimeUnit.MILLISECONDS), "exits within the grace\n" + log(dir));
            long exitMs = (System.nanoTime() - signalled) / 1_000_000;
            assertEquals(0, node.exitValue(), "exit code\n" + log(dir));
            assertTrue(exitMs < STARTUP_GRACE_MS, "exited after " + exitMs + " ms, grace " + STARTUP_GRACE_MS);
            String text = log(dir);
            assertTrue(text.contains("during start-up"), text);
            assertTrue(text.contains("stopped: "), text);
            // what the start-up launched is gone with it
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (postgresOf(data)) {
                assertTrue(System.nanoTime() < deadline, "a PostgreSQL of " + data + " outlived the node");
                Thread.sleep(100);
            }
            System.out.println("SIGTERM during start-up to exit 0 in " + exitMs + " ms");
        } finally {
            if (node.isAlive()) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean postgresOf(Path data) {
        String d = data.toString();
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().map(c -> c.contains("postgres") && c.contains(d)).orElse(false));
    }

    private static Process launch(Path dir, Map<String, String> extra) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.tributary.Tributary")
                // to a file: Process.destroy() closes the pipes, and what the node logs while it stops would be lost
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("TRIBUTARY_"));
        env.putAll(Map.of("TRIBUTARY_HTTP_HOST", "127.0.0.1", "TRIBUTARY_RTMP_HOST", "127.0.0.1",
                "TRIBUTARY_EDGE_HOST", "127.0.0.1", "TRIBUTARY_ROUTER_HOST", "127.0.0.1",
                "TRIBUTARY_SRT_ENABLED", "false", "TRIBUTARY_DVR_ENABLED", "false", "TRIBUTARY_VOD_ENABLED", "false",
                "TRIBUTARY_AUTH_ENABLED", "false", "TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_HTTP_INSTANCES", "2"));
        env.put("TRIBUTARY_SHUTDOWN_GRACE", GRACE_MS + "ms");
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any");
        env.put("TRIBUTARY_GRPC_PORT", "0"); // not the default 50051: another node on this machine may hold it
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.putAll(extra);
        return pb.start();
    }

    private static void awaitUp(Process node, Path dir, String health, java.util.function.Predicate<String> ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a loaded machine starts Hazelcast slowly
        while (System.nanoTime() < deadline) {
            if (!node.isAlive()) {
                fail("the node exited with " + node.exitValue() + " while starting:\n" + log(dir));
            }
            try {
                HttpResponse<String> r = HTTP.send(get(health), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && ready.test(r.body())) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("the node was not up within 60 s:\n" + log(dir));
    }

    /** The router's health lists the edge as available (its ring has it and the active check passed). */
    private static boolean edgeAvailable(String body, String edge) {
        JsonArray edges = new JsonObject(body).getJsonArray("edges", new JsonArray());
        for (int i = 0; i < edges.size(); i++) {
            JsonObject e = edges.getJsonObject(i);
            if (e.getString("url", "").endsWith(edge.substring(edge.lastIndexOf(':'))) && e.getBoolean("available", false)) {
                return true;
            }
        }
        return false;
    }

    private static int status(String url) {
        try {
            return HTTP.send(get(url), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build();
    }

    private static String log(Path dir) {
        try {
            String text = Files.readString(dir.resolve("node.log"));
            return text.length() > 20_000 ? "..." + text.substring(text.length() - 20_000) : text;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
