package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.PgServers;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker-only node ({@code roles: [worker]}) beside a node that takes uploads with no workers of
 * its own, sharing the external PostgreSQL and the VOD directory (as worker pods share them with
 * the origins): the worker node transcodes the job the other queued, the other serves the result;
 * the worker node answers health and metrics and nothing a viewer or API client asks for.
 * Skipped with a message when no PostgreSQL listens on 127.0.0.1:5432.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class WorkerNodeTest {

    @TempDir
    static Path dir;
    static String pg;
    static Node worker;
    static Node api;

    @AfterAll
    static void stop() {
        try {
            TestNode.stop(api);
        } finally {
            TestNode.stop(worker);
            PgServers.drop(pg);
        }
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        env.put("TRIBUTARY_PG_URL", pg);
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        return env;
    }

    @Test
    void workerIsARoleAloneAndNeedsVod() {
        assertEquals(java.util.Set.of(io.tributary.cluster.Role.WORKER),
                io.tributary.config.TributaryConfig.load(null, Map.of("TRIBUTARY_ROLES", "worker")).topology().roles());
        var mixed = org.junit.jupiter.api.Assertions.assertThrows(io.tributary.config.ConfigException.class,
                () -> io.tributary.config.TributaryConfig.load(null, Map.of("TRIBUTARY_ROLES", "origin,worker")));
        assertTrue(mixed.getMessage().contains("'roles'") && mixed.getMessage().contains("worker alone"), mixed.getMessage());
        var noVod = org.junit.jupiter.api.Assertions.assertThrows(io.tributary.config.ConfigException.class,
                () -> io.tributary.config.TributaryConfig.load(null, Map.of("TRIBUTARY_ROLES", "worker", "TRIBUTARY_VOD_ENABLED", "false")));
        assertTrue(noVod.getMessage().contains("'vod.enabled'"), noVod.getMessage());
    }

    /** The node's count of jobs done, from its /metrics. */
    static double done(Node node) {
        for (String line : TestNode.get(node, "/metrics").body().split("\n")) {
            if (line.startsWith("tributary_vod_jobs_total{result=\"done\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    @Test
    void aWorkerNodeTranscodesWhatAnotherNodeQueuedAndServesNoViewers() throws Exception {
        pg = PgServers.externalUrl();
        Map<String, String> w = env();
        w.put("TRIBUTARY_ROLES", "worker");
        worker = TestNode.start(w);
        Map<String, String> a = env();
        a.put("TRIBUTARY_VOD_WORKERS", "0");
        api = TestNode.start(a);

        HttpResponse<String> health = TestNode.get(worker, "/health");
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("worker", new JsonObject(health.body()).getString("role"));
        assertEquals(200, TestNode.get(worker, "/health/live").statusCode());
        assertTrue(TestNode.get(worker, "/metrics").body().contains("tributary_vod_queue_depth"), "the autoscaler's metric");
        for (String path : new String[] {"/live/any/index.m3u8", "/api/v1/assets", "/vod/a0123456789abcdef/index.m3u8", "/ops"}) {
            HttpResponse<String> r = TestNode.get(worker, path);
            assertEquals(404, r.statusCode(), path);
            assertTrue(r.body().contains("worker node"), path + ": " + r.body());
        }
        assertEquals(-1, worker.rtmpPort(), "no ingest on a worker node");

        Path src = VodTestMedia.write(dir.resolve("tide.mp4"), 640, 360, 3, 25);
        HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(api.httpUrl("/api/v1/assets?title=Tide")))
                .POST(HttpRequest.BodyPublishers.ofFile(src)).header("Content-Type", "application/octet-stream").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        JsonObject created = new JsonObject(r.body());
        long job = created.getLong("job");
        TestNode.await("job " + job + " done by the worker node", Duration.ofSeconds(150), () -> {
            String state = new JsonObject(TestNode.get(api, "/api/v1/jobs/" + job).body()).getString("state");
            assertFalse("failed".equals(state), "job " + job + " failed");
            return "done".equals(state);
        });
        assertEquals(1.0, done(worker), "the worker node ran it");
        assertEquals(0.0, done(api), "the node with no workers did not");
        HttpResponse<String> played = TestNode.get(api, "/vod/" + created.getString("id") + "/index.m3u8");
        assertEquals(200, played.statusCode(), "the upload node serves what the worker published on the shared directory");
        assertTrue(played.body().contains("#EXT-X-STREAM-INF"), played.body());
    }
}
