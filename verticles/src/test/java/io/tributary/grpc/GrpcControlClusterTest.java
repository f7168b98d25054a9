package io.tributary.grpc;

import io.tributary.Node;
import io.tributary.testing.PgServers;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gRPC control plane as an operator uses it: the {@code ctl} command (its main entry, in this
 * JVM) over real gRPC on loopback against a 3-node cluster with accounts on, sharing one PostgreSQL
 * (the project machine's, a database of the test's own) and one JWT key.
 */
@Timeout(300)
class GrpcControlClusterTest {

    static TestCluster cluster;
    static final List<Node> nodes = new ArrayList<>();
    static String pgUrl;
    static String admin;
    static String viewer;

    /** What one ctl run printed, and its exit status. */
    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        pgUrl = PgServers.externalUrl(); // skips without the PostgreSQL at 127.0.0.1:5432
        cluster = new TestCluster(3);
        for (int i = 0; i < 3; i++) {
            Map<String, String> env = new HashMap<>();
            env.put("TRIBUTARY_DATA_DIR", Files.createTempDirectory("tributary-grpc-").toString());
            env.put("TRIBUTARY_PG_URL", pgUrl);
            env.put("TRIBUTARY_AUTH_ENABLED", "true");
            env.put("TRIBUTARY_AUTH_JWT_SECRET", "grpc-test-jwt-secret-of-32-characters-or-more");
            env.put("TRIBUTARY_RTMP_STREAM_KEYS", "");
            env.put("TRIBUTARY_AUTH_ADMIN_PASSWORD", TestNode.ADMIN_PASSWORD);
            env.put("TRIBUTARY_AUTH_PASSWORD_ITERATIONS", "10000");
            env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
            nodes.add(cluster.start(i, env));
        }
        admin = TestNode.adminToken(nodes.get(0));
        var made = TestNode.send(nodes.get(0), "POST", "/api/v1/users",
                new JsonObject().put("name", "watcher").put("password", "watcher-password").put("role", "viewer").encode(), admin);
        assertEquals(201, made.statusCode(), made.body());
        viewer = TestNode.login(nodes.get(0), "watcher", "watcher-password").getString("accessToken");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        PgServers.drop(pgUrl);
    }

    static Run ctl(Node server, String token, String... command) {
        List<String> args = new ArrayList<>(List.of("--server", "127.0.0.1:" + server.grpcPort()));
        if (token != null) {
            args.add("--token");
            args.add(token);
        }
        args.addAll(List.of(command));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Ctl.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String member(Node n) {
        return n.hazelcast().getCluster().getLocalMember().getUuid().toString();
    }

    @Test
    void adminListsStreamsAndScalesAnotherNode() throws Exception {
        Node origin = nodes.get(2);
        // an editor's call (the admin is one): the publish secret, shown once
        Run created = ctl(origin, admin, "streams", "create", "grpc-cam");
        assertEquals(0, created.status(), created.err());
        String obsKey = created.out().lines().filter(l -> l.startsWith("obs stream key ")).findFirst().orElseThrow()
                .substring("obs stream key ".length());
        assertTrue(obsKey.startsWith("grpc-cam."), created.out());
        Run again = ctl(origin, admin, "streams", "create", "grpc-cam");
        assertTrue(again.status() == 1 && again.err().startsWith("ctl: ALREADY_EXISTS: "), "a second create of the name: " + again);

        try (RtmpTestPublisher publisher = RtmpTestPublisher.publish(origin.rtmpPort(), obsKey)) {
            assertTrue(publisher.publishing(), "publishing with the secret: " + publisher.failure());
            // listed on another node, with its origin: the cluster's registry
            TestNode.await("grpc-cam listed through node 0", Duration.ofSeconds(20), () -> {
                Run r = ctl(nodes.get(0), admin, "streams", "list");
                return r.status() == 0 && r.out().lines().anyMatch(l -> l.startsWith("grpc-cam\t" + member(origin) + "\t"));
            });
            assertEquals(0, ctl(nodes.get(0), viewer, "streams", "list").status(), "a viewer may list");

            // kicked through node 1: the command travels to the origin, which closes the publisher
            Run kicked = ctl(nodes.get(1), admin, "streams", "kick", "grpc-cam");
            assertEquals(0, kicked.status(), kicked.err());
            assertTrue(kicked.out().contains("kicked 1 publisher(s) of grpc-cam on node " + member(origin)), kicked.out());
            assertTrue(publisher.closedByServer(10_000), "the kicked publisher's connection closed");
        }

        // scale node 1's delivery set through node 0
        Node target = nodes.get(1);
        int before = target.scaler().instances("delivery");
        int wanted = before + 1;
        Run scaled = ctl(nodes.get(0), admin, "node", "scale", member(target), "delivery", Integer.toString(wanted));
        assertEquals(0, scaled.status(), scaled.err());
        assertTrue(scaled.out().contains("node " + member(target) + ": delivery " + before + " -> " + wanted), scaled.out());
        assertEquals(wanted, target.scaler().instances("delivery"));
        assertEquals(before, nodes.get(0).scaler().instances("delivery"), "the node that took the call is not the one scaled");

        Run listed = ctl(nodes.get(0), admin, "nodes", "list");
        assertEquals(0, listed.status(), listed.err());
        for (Node n : nodes) {
            assertTrue(listed.out().contains(member(n)), listed.out());
        }
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith(member(target)) && l.contains("delivery=" + wanted)), listed.out());

        // drain and undrain node 1 from node 2
        Run drained = ctl(nodes.get(2), admin, "node", "drain", member(target));
        assertEquals(0, drained.status(), drained.err());
        assertTrue(target.streams().draining());
        assertEquals(0, ctl(nodes.get(2), admin, "node", "undrain", member(target)).status());
        assertFalse(target.streams().draining());
    }

    @Test
    void noTokenIsUnauthenticatedAndAViewerMayNotScale() {
        Node target = nodes.get(1);
        int before = target.scaler().instances("delivery");

        Run anonymous = ctl(nodes.get(0), null, "streams", "list");
        assertEquals(1, anonymous.status(), anonymous.out());
        assertTrue(anonymous.err().startsWith("ctl: UNAUTHENTICATED: "), anonymous.err());

        Run forged = ctl(nodes.get(0), admin.substring(0, admin.length() - 4) + "AAAA", "streams", "list");
        assertEquals(1, forged.status());
        assertTrue(forged.err().startsWith("ctl: UNAUTHENTICATED: "), forged.err());

        Run refused = ctl(nodes.get(0), viewer, "node", "scale", member(target), "delivery", Integer.toString(before + 2));
        assertEquals(1, refused.status(), refused.out());
        assertTrue(refused.err().startsWith("ctl: PERMISSION_DENIED: "), refused.err());
        assertTrue(refused.err().contains("admin"), refused.err());
        assertEquals(before, target.scaler().instances("delivery"), "a refused scale changes nothing");

        Run viewerCreates = ctl(nodes.get(0), viewer, "streams", "create", "not-mine");
        assertTrue(viewerCreates.err().startsWith("ctl: PERMISSION_DENIED: "), viewerCreates.err());

        // the failure vocabulary: unknown node 404, bad input 400
        Run unknown = ctl(nodes.get(0), admin, "node", "drain", "no-such-node");
        assertTrue(unknown.err().startsWith("ctl: NOT_FOUND: "), unknown.err());
        Run badSet = ctl(nodes.get(0), admin, "node", "scale", "self", "", "2");
        assertTrue(badSet.err().startsWith("ctl: INVALID_ARGUMENT: "), badSet.err());
        Run noStream = ctl(nodes.get(0), admin, "streams", "kick", "nobody-streams-this");
        assertTrue(noStream.err().startsWith("ctl: NOT_FOUND: "), noStream.err());
    }

    @Test
    void usageErrorsExitWithTwo() {
        Run r = ctl(nodes.get(0), admin, "streams", "explode");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command"), r.err());
        assertEquals(2, Ctl.run(new String[]{"--server", "nohost", "streams", "list"}, System.out, System.err, Map.of()));
    }
}
