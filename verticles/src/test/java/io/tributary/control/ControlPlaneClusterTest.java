package io.tributary.control;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event bus as the control plane, on three clustered origins A, B and C in this JVM: commands
 * sent to A's API act on B alone, an unknown node is a 404, and a stream published on A is seen
 * starting and ending on B and C.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TestCluster cluster = new TestCluster(3);
    private Node a;
    private Node b;
    private Node c;
    /** Lifecycle events as B and C received them. */
    private final List<StreamLifecycleEvent> seenOnB = new CopyOnWriteArrayList<>();
    private final List<StreamLifecycleEvent> seenOnC = new CopyOnWriteArrayList<>();
    private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        long t = System.nanoTime();
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_ROLES", "origin");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_HLS_SEGMENT_TARGET", "1");
        env.put("TRIBUTARY_RTMP_RECONNECT_GRACE", "2s");
        env.put("TRIBUTARY_RTMP_ENDED_RETENTION", "2s");
        a = cluster.start(0, env);
        b = cluster.start(1, env);
        c = cluster.start(2, env);
        for (Node n : List.of(b, c)) {
            List<StreamLifecycleEvent> seen = n == b ? seenOnB : seenOnC;
            MessageConsumer<JsonObject> consumer = n.vertx().eventBus().consumer(StreamLifecycleFeed.ADDRESS,
                    m -> seen.add(StreamLifecycleEvent.from(m.body())));
            consumer.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            consumers.add(consumer);
        }
        // ready when A reaches both subscriptions and every node reaches every command address
        TestNode.await("B and C to receive what A publishes", WAIT, () -> {
            a.vertx().eventBus().publish(StreamLifecycleFeed.ADDRESS, StreamLifecycleEvent.ended("probe", id(a)).toJson());
            return seenOnB.stream().anyMatch(e -> e.key().equals("probe")) && seenOnC.stream().anyMatch(e -> e.key().equals("probe"));
        });
        for (Node n : List.of(a, b, c)) {
            TestNode.await("the cluster API of a node to describe all three", WAIT, () -> members(n).stream()
                    .allMatch(m -> m.getJsonObject("verticles") != null) && members(n).size() == 3);
        }
        System.out.printf("three-node control-plane cluster ready in %d ms%n", (System.nanoTime() - t) / 1_000_000);
    }

    @AfterAll
    void stop() {
        consumers.forEach(MessageConsumer::unregister);
        cluster.close();
    }

    @Test
    @Order(1)
    void theClusterApiShowsEveryNodesVerticleSetsAndInstanceCounts() {
        for (Node n : List.of(a, b, c)) {
            JsonObject m = member(c, n);
            assertEquals(List.of("delivery", "ingest"), names(m), m.encode()); // the start order
            assertEquals(2, instances(m, "delivery"), m.encode());
            assertFalse(m.getBoolean("draining"), m.encode());
        }
    }

    @Test
    @Order(2)
    void scalingNodeBThroughNodeAActsOnBOnly() {
        HttpResponse<String> r = post(a, "/api/v1/nodes/" + id(b) + "/verticles/delivery/scale", "{\"instances\": 3}");
        assertEquals(200, r.statusCode(), r.body());
        JsonObject reply = new JsonObject(r.body());
        assertEquals(id(b), reply.getString("node"));
        assertEquals(3, reply.getInteger("instances"));
        assertEquals(2, reply.getInteger("previous"));

        assertEquals(3, localInstances(b, "delivery"));
        assertEquals(2, localInstances(a, "delivery"), "A itself was not scaled");
        assertEquals(2, localInstances(c, "delivery"), "C was not scaled");
        assertEquals(3, b.scaler().instances("delivery"));
        assertEquals(3, instances(member(a, b), "delivery"), "A's cluster view shows B's new count");
        assertEquals(2, instances(member(a, a), "delivery"));
        HttpResponse<String> described = TestNode.get(c, "/api/v1/nodes/" + id(b) + "/verticles");
        assertEquals(200, described.statusCode(), described.body());
        assertEquals(id(b), new JsonObject(described.body()).getString("node"));

        // and back, this time through C
        r = post(c, "/api/v1/nodes/" + id(b) + "/verticles/delivery/scale", "{\"instances\": 2}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2, localInstances(b, "delivery"));
        assertEquals(2, localInstances(a, "delivery"));
    }

    @Test
    @Order(3)
    void drainingNodeBThroughNodeAActsOnBOnlyAndUndrainRestoresIt() {
        HttpResponse<String> r = post(a, "/api/v1/nodes/" + id(b) + "/drain", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("DRAINING", new JsonObject(r.body()).getString("status"));
        assertEquals(id(b), new JsonObject(r.body()).getString("node"));

        assertEquals(503, TestNode.get(b, "/health").statusCode(), "B is draining");
        assertEquals(200, TestNode.get(a, "/health").statusCode(), "A is not");
        assertEquals(200, TestNode.get(c, "/health").statusCode(), "C is not");
        assertTrue(member(a, b).getBoolean("draining"));
        assertFalse(member(a, a).getBoolean("draining"));
        try (RtmpTestPublisher refused = RtmpTestPublisher.publish(b.rtmpPort(), "to-b")) {
            assertFalse(refused.publishing(), "B took a publish while draining");
            assertEquals("NetStream.Publish.Rejected", refused.failure().code());
            assertTrue(refused.failure().description().contains("draining"), refused.failure().description());
        }
        for (Node n : List.of(a, c)) {
            try (RtmpTestPublisher accepted = RtmpTestPublisher.publish(n.rtmpPort(), "while-b-drains-" + n.rtmpPort())) {
                assertTrue(accepted.publishing(), "a node that is not draining refused: " + accepted.failure());
            }
        }

        r = post(a, "/api/v1/nodes/" + id(b) + "/undrain", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("UP", new JsonObject(r.body()).getString("status"));
        assertEquals(200, TestNode.get(b, "/health").statusCode(), "B is back");
        assertFalse(member(c, b).getBoolean("draining"));
        try (RtmpTestPublisher accepted = RtmpTestPublisher.publish(b.rtmpPort(), "to-b-again")) {
            assertTrue(accepted.publishing(), "B refused after the undrain: " + accepted.failure());
        }
    }

    @Test
    @Order(4)
    void theShorthandsActOnTheNodeCalled() {
        HttpResponse<String> r = post(c, "/api/v1/node/drain", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(503, TestNode.get(c, "/health").statusCode());
        assertEquals(200, TestNode.get(b, "/health").statusCode());
        r = post(c, "/api/v1/node/undrain", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("UP", new JsonObject(r.body()).getString("status"));
        assertEquals(200, TestNode.get(c, "/health").statusCode());
    }

    @Test
    @Order(5)
    void anUnknownNodeIs404AndABadCommandIs400() {
        for (String[] call : new String[][]{
                {"/api/v1/nodes/no-such-node/drain", ""},
                {"/api/v1/nodes/no-such-node/undrain", ""},
                {"/api/v1/nodes/no-such-node/verticles/delivery/scale", "{\"instances\": 2}"},
                {"/api/v1/nodes/no-such-node/verticles/delivery/scale", "not json"}}) {
            HttpResponse<String> r = post(a, call[0], call[1]);
            assertEquals(404, r.statusCode(), call[0] + " -> " + r.body());
            assertTrue(r.body().contains("no node 'no-such-node'"), r.body());
        }
        assertEquals(404, TestNode.get(a, "/api/v1/nodes/no-such-node/verticles").statusCode());

        String scaleB = "/api/v1/nodes/" + id(b) + "/verticles/";
        for (String[] call : new String[][]{
                // refused by A's route, before anything is sent
                {"delivery", "not json", "JSON object"},
                {"delivery", "{\"instances\": \"4\"}", "instances: an integer"},
                // refused by B, the status carried back over the event bus
                {"delivery", "{\"instances\": 0}", "instances must be an integer from 1 to 64"},
                {"transcoder", "{\"instances\": 2}", "no verticle set named 'transcoder'"}}) {
            HttpResponse<String> r = post(a, scaleB + call[0] + "/scale", call[1]);
            assertEquals(400, r.statusCode(), call[1] + " -> " + r.body());
            assertTrue(r.body().contains(call[2]), r.body());
        }
        HttpResponse<String> r = post(a, scaleB + "transcoder/scale", "{\"instances\": 2}");
        assertTrue(r.body().contains(id(b)), "a failure on B names B: " + r.body());
        assertEquals(2, localInstances(b, "delivery"), "nothing changed on B");
    }

    @Test
    @Order(6)
    void aStreamPublishedOnAIsSeenStartingAndEndingOnBAndC() throws Exception {
        String key = "lifecycle";
        try (SyntheticAvSource src = new SyntheticAvSource(320, 240, 30, 30, 0, true)) {
            RtmpTestPublisher pub = RtmpTestPublisher.publish(a.rtmpPort(), key);
            assertTrue(pub.publishing(), "publish refused: " + pub.failure());
            pub.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
            pub.send(src.next(2.0), 0);
            TestNode.await("B and C to see the start", WAIT, () -> !events(seenOnB, key).isEmpty() && !events(seenOnC, key).isEmpty());
            for (List<StreamLifecycleEvent> seen : List.of(seenOnB, seenOnC)) {
                StreamLifecycleEvent started = events(seen, key).get(0);
                assertEquals(StreamLifecycleEvent.Type.STARTED, started.type());
                assertEquals(id(a), started.origin());
                assertTrue(started.renditions().contains("audio") && started.renditions().size() == 2, started.toString());
            }

            // a reconnect within the grace is neither an end nor a new start
            pub.drop();
            pub = RtmpTestPublisher.publish(a.rtmpPort(), key);
            assertTrue(pub.publishing(), "reconnect refused: " + pub.failure());
            pub.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
            pub.send(src.next(2.0), 2000);
            TestNode.await("the reconnected stream to play on A", WAIT,
                    () -> a.streams().get(key) != null && a.streams().get(key).sessions() == 2);
            Thread.sleep(500);
            assertEquals(1, events(seenOnB, key).size(), seenOnB.toString());
            assertEquals(1, events(seenOnC, key).size(), seenOnC.toString());

            pub.unpublish();
        }
        TestNode.await("B and C to see the end", WAIT, () -> events(seenOnB, key).size() == 2 && events(seenOnC, key).size() == 2);
        for (List<StreamLifecycleEvent> seen : List.of(seenOnB, seenOnC)) {
            List<StreamLifecycleEvent> es = events(seen, key);
            assertEquals(List.of(StreamLifecycleEvent.Type.STARTED, StreamLifecycleEvent.Type.ENDED),
                    es.stream().map(StreamLifecycleEvent::type).toList(), es.toString());
            assertEquals(id(a), es.get(1).origin());
        }
        assertNotNull(a.streams().get(key), "ended, still retained for late viewers");
    }

    private static List<StreamLifecycleEvent> events(List<StreamLifecycleEvent> seen, String key) {
        return seen.stream().filter(e -> e.key().equals(key)).toList();
    }

    private static String id(Node n) {
        return n.hazelcast().getCluster().getLocalMember().getUuid().toString();
    }

    private static List<JsonObject> members(Node n) {
        HttpResponse<String> r = TestNode.get(n, "/api/v1/cluster");
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body()).getJsonArray("members").stream().map(o -> (JsonObject) o).toList();
    }

    /** What {@code from}'s cluster API says of {@code about}. */
    private static JsonObject member(Node from, Node about) {
        return members(from).stream().filter(m -> m.getString("member").equals(id(about))).findFirst()
                .orElseThrow(() -> new AssertionError("no member " + id(about)));
    }

    private static List<String> names(JsonObject member) {
        return member.getJsonObject("verticles").getJsonArray("sets").stream()
                .map(o -> ((JsonObject) o).getString("name")).toList();
    }

    private static int instances(JsonObject member, String set) {
        return instances(member.getJsonObject("verticles").getJsonArray("sets"), set);
    }

    /** The node's own {@code GET /api/v1/verticles}. */
    private static int localInstances(Node n, String set) {
        HttpResponse<String> r = TestNode.get(n, "/api/v1/verticles");
        assertEquals(200, r.statusCode(), r.body());
        return instances(new JsonObject(r.body()).getJsonArray("sets"), set);
    }

    private static int instances(JsonArray sets, String set) {
        for (Object o : sets) {
            JsonObject s = (JsonObject) o;
            if (s.getString("name").equals(set)) {
                return s.getInteger("instances");
            }
        }
        throw new AssertionError("no set " + set + " in " + sets.encode());
    }

    private static HttpResponse<String> post(Node n, String path, String body) {
        try {
            return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(n.httpUrl(path))).timeout(Duration.ofSeconds(40))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
