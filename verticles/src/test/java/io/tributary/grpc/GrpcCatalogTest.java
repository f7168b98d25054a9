package io.tributary.grpc;

import io.tributary.Node;
import io.tributary.testing.LiveNode;
import io.tributary.testing.PgServers;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.tributary.vod.VodTestMedia;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tributary.grpc.GrpcControlClusterTest.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recordings, assets and channels over gRPC as an operator meets them with {@code ctl}, on a real
 * node with accounts, the DVR, VOD and FAST channels on the project machine's PostgreSQL: what a
 * stream recorded, what the catalog holds and what a channel airs are listed to a viewer; deleting
 * recordings takes an admin and deleting an asset an editor, as on the REST routes.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcCatalogTest {

    @TempDir
    static Path dir;
    static Node node;
    static String pgUrl;
    static String admin;
    static String editor;
    static String viewer;
    static String asset;

    @BeforeAll
    static void start() throws Exception {
        pgUrl = PgServers.externalUrl(); // skips without the PostgreSQL at 127.0.0.1:5432
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_PG_URL", pgUrl);
        env.put("TRIBUTARY_DVR_ENABLED", "true");
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_WORKERS", "1");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_VOD_POLL_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_RATELIMIT_USER", "1000000"); // the polls below call far past a person's pace
        node = TestNode.secured(env);
        admin = TestNode.adminToken(node);
        editor = user("cutter", "editor");
        viewer = user("couch", "viewer");

        // one asset, transcoded: what the catalog lists and a channel airs
        Path src = VodTestMedia.write(dir.resolve("tide.mp4"), 640, 360, 2, 25);
        HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=Evening%20tide&tags=sea")))
                .header("Authorization", "Bearer " + editor).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(src)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        asset = new JsonObject(r.body()).getString("id");
        long job = new JsonObject(r.body()).getLong("job");
        TestNode.await("job " + job + " done", Duration.ofSeconds(120), () -> "done".equals(new JsonObject(
                TestNode.send(node, "GET", "/api/v1/jobs/" + job, null, editor).body()).getString("state")));
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
        PgServers.drop(pgUrl);
    }

    static String user(String name, String role) {
        var made = TestNode.send(node, "POST", "/api/v1/users",
                new JsonObject().put("name", name).put("password", name + "-password").put("role", role).encode(), admin);
        assertEquals(201, made.statusCode(), made.body());
        return TestNode.login(node, name, name + "-password").getString("accessToken");
    }

    static Run ctl(String token, String... command) {
        return GrpcControlClusterTest.ctl(node, token, command);
    }

    /** The range lines of {@code recordings list}: rendition, from, to, seconds, segments, bytes. */
    static List<String[]> ranges(Run r) {
        return r.out().lines().skip(1).map(l -> l.split("\t")).filter(f -> f.length == 6 && !f[1].startsWith("gap ")).toList();
    }

    static long segments(Run r) {
        return r.status() != 0 ? -1 : ranges(r).stream().mapToLong(f -> Long.parseLong(f[4])).sum();
    }

    @Test
    @Order(1)
    void aViewerListsARecordingAndOnlyAnAdminDeletesIt() throws Exception {
        Run created = ctl(admin, "streams", "create", "harbour");
        assertEquals(0, created.status(), created.err());
        String obsKey = created.out().lines().filter(l -> l.startsWith("obs stream key ")).findFirst().orElseThrow()
                .substring("obs stream key ".length());
        try (TestPublication p = LiveNode.publish(node, obsKey, LiveNode.smallSource())) {
            p.send(6.2);
            TestNode.await("recorded segments listed over gRPC", Duration.ofSeconds(30), () -> segments(ctl(viewer, "recordings", "list", "harbour")) > 0);
        }
        // the stream ends once the reconnect grace has passed, and its last segments are written then: once the
        // count holds still, gRPC lists what the REST route lists
        TestNode.await("the stream ended", Duration.ofSeconds(30), () -> ctl(viewer, "streams", "get", "harbour").out().contains("\nended true"));
        long[] restSegments = new long[1];
        long[] before = {-2};
        Run[] listed = new Run[1];
        TestNode.await("the same segments over gRPC and REST, twice a second apart", Duration.ofSeconds(30), () -> {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            JsonObject rest = new JsonObject(TestNode.send(node, "GET", "/api/v1/recordings?stream=harbour", null, viewer).body());
            restSegments[0] = rest.getJsonArray("renditions").stream().mapToLong(o -> ((JsonObject) o).getLong("segments")).sum();
            listed[0] = ctl(viewer, "recordings", "list", "harbour");
            long now = segments(listed[0]);
            boolean still = now == before[0] && now == restSegments[0];
            before[0] = now;
            return still;
        });
        assertEquals("RENDITION\tFROM\tTO\tSECONDS\tSEGMENTS\tBYTES", listed[0].out().lines().findFirst().orElseThrow());
        assertTrue(ranges(listed[0]).stream().anyMatch(f -> f[0].equals("video")), listed[0].out());

        Run unknown = ctl(viewer, "recordings", "list", "nobody-recorded-this");
        assertTrue(unknown.status() == 1 && unknown.err().startsWith("ctl: NOT_FOUND: "), unknown.toString());
        Run badTime = ctl(viewer, "recordings", "list", "harbour", "yesterday");
        assertTrue(badTime.err().startsWith("ctl: INVALID_ARGUMENT: from is not ISO 8601"), badTime.toString());

        String from = "2000-01-01T00:00:00Z";
        String to = "2199-01-01T00:00:00Z";
        Run refused = ctl(viewer, "recordings", "delete", "harbour", from, to);
        assertTrue(refused.status() == 1 && refused.err().startsWith("ctl: PERMISSION_DENIED: ") && refused.err().contains("admin"),
                refused.toString());
        Run byEditor = ctl(editor, "recordings", "delete", "harbour", from, to);
        assertTrue(byEditor.err().startsWith("ctl: PERMISSION_DENIED: "), byEditor.toString());
        assertEquals(restSegments[0], segments(ctl(viewer, "recordings", "list", "harbour")), "a refused delete deletes nothing");

        Run deleted = ctl(admin, "recordings", "delete", "harbour", from, to);
        assertEquals(0, deleted.status(), deleted.err());
        assertTrue(deleted.out().startsWith("deleted " + restSegments[0] + " segment(s), "), deleted.out());
        Run after = ctl(viewer, "recordings", "list", "harbour");
        assertTrue(after.status() == 1 ? after.err().startsWith("ctl: NOT_FOUND: ") : ranges(after).isEmpty(), after.toString());
        HttpResponse<String> restAfter = TestNode.send(node, "GET", "/api/v1/recordings?stream=harbour", null, viewer);
        assertTrue(restAfter.statusCode() == 404 || new JsonObject(restAfter.body()).getJsonArray("renditions").isEmpty(), restAfter.body());
    }

    @Test
    @Order(2)
    void aViewerListsChannelsAndTheirSchedule() {
        HttpResponse<String> made = TestNode.send(node, "POST", "/api/v1/channels", new JsonObject().put("id", "seaside")
                .put("title", "Seaside").put("loop", new JsonArray().add(new JsonObject().put("asset", asset))).encode(), editor);
        assertEquals(201, made.statusCode(), made.body());

        Run listed = ctl(viewer, "channels", "list");
        assertEquals(0, listed.status(), listed.err());
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith("seaside\tloop\t1\t") && l.endsWith("\t/live/seaside/index.m3u8\tSeaside")),
                listed.out());

        Run schedule = ctl(viewer, "channels", "schedule", "seaside", "1");
        assertEquals(0, schedule.status(), schedule.err());
        // a 2 s asset looped for an hour: its airings, each titled as the catalog names it
        long airings = schedule.out().lines().filter(l -> l.contains("\tasset\t" + asset + "\tEvening tide")).count();
        assertTrue(airings >= 100, airings + " airings in an hour:\n" + schedule.out());
        JsonObject rest = new JsonObject(TestNode.send(node, "GET", "/api/v1/channels/seaside/schedule?hours=1", null, null).body());
        assertEquals(rest.getJsonArray("programmes").size(), schedule.out().lines().skip(2).count(), "the REST route's programmes");

        assertTrue(ctl(viewer, "channels", "schedule", "nowhere").err().startsWith("ctl: NOT_FOUND: "));
        assertTrue(ctl(viewer, "channels", "schedule", "seaside", "500").err().startsWith("ctl: INVALID_ARGUMENT: hours"));
        assertTrue(ctl(null, "channels", "list").err().startsWith("ctl: UNAUTHENTICATED: "));
    }

    @Test
    @Order(3)
    void aViewerSearchesTheCatalogAndOnlyAnEditorDeletesAnAsset() {
        Run listed = ctl(viewer, "assets", "list");
        assertEquals(0, listed.status(), listed.err());
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith(asset + "\tready\t") && l.endsWith("\ttrue\tEvening tide")), listed.out());
        Run found = ctl(viewer, "assets", "list", "tide");
        assertTrue(found.out().contains(asset), found.out());
        Run missed = ctl(viewer, "assets", "list", "volcano");
        assertFalse(missed.out().contains(asset), missed.out());
        Run tagged = ctl(viewer, "--tag", "sea", "assets", "list");
        assertTrue(tagged.out().contains(asset), tagged.out());

        Run got = ctl(viewer, "assets", "get", asset);
        assertEquals(0, got.status(), got.err());
        assertTrue(got.out().contains("title Evening tide\nstate ready\n"), got.out());
        assertTrue(got.out().contains("hls /vod/" + asset + "/index.m3u8"), got.out());
        assertTrue(ctl(viewer, "assets", "get", "no-such-asset").err().startsWith("ctl: NOT_FOUND: "));

        Run refused = ctl(viewer, "assets", "delete", asset);
        assertTrue(refused.status() == 1 && refused.err().startsWith("ctl: PERMISSION_DENIED: ") && refused.err().contains("editor"),
                refused.toString());
        assertEquals(200, TestNode.get(node, "/api/v1/assets/" + asset).statusCode(), "a refused delete deletes nothing");

        Run deleted = ctl(editor, "assets", "delete", asset);
        assertEquals(0, deleted.status(), deleted.err());
        assertEquals("asset " + asset + " deleted\n", deleted.out());
        assertEquals(404, TestNode.get(node, "/api/v1/assets/" + asset).statusCode());
        assertTrue(ctl(viewer, "assets", "get", asset).err().startsWith("ctl: NOT_FOUND: "));
        assertEquals(404, TestNode.getBytes(node, "/vod/" + asset + "/index.m3u8").statusCode(), "its media went with it");
    }
}
