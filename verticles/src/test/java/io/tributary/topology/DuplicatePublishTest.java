package io.tributary.topology;

import com.hazelcast.core.HazelcastJsonValue;
import io.tributary.Node;
import io.tributary.cluster.SharedMaps;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestCluster;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real clustered origins on loopback: a stream key is published on one origin at a time. The
 * second origin refuses a publish of a key the first holds (BadName naming it), until the first
 * lets the key go (its stream ends, or its member dies). Publishers are real RTMP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DuplicatePublishTest {

    private final TestCluster cluster = new TestCluster(2);
    private Node a;
    private Node b;

    @BeforeAll
    void start() {
        a = origin(0);
        b = origin(1);
        TestNode.await("both origins in one cluster", Duration.ofSeconds(10),
                () -> a.hazelcast().getCluster().getMembers().size() == 2 && b.hazelcast().getCluster().getMembers().size() == 2);
    }

    private Node origin(int i) {
        Map<String, String> env = new HashMap<>(Map.of("TRIBUTARY_ROLES", "origin", "TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_HLS_SEGMENT_TARGET", "1", "TRIBUTARY_RTMP_RECONNECT_GRACE", "1s",
                // an ended stream is kept long for late viewers; that must not hold its key
                "TRIBUTARY_RTMP_ENDED_RETENTION", "60s"));
        return cluster.start(i, env);
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    /** The origin the registry names for {@code key}, as read from {@code n}'s member. */
    private static String registered(Node n, String key) {
        HazelcastJsonValue v = n.hazelcast().<String, HazelcastJsonValue>getMap(SharedMaps.STREAMS).get(key);
        return v == null ? null : new JsonObject(v.getValue()).getString("origin");
    }

    /** Whether {@code key}'s entry, as {@code n} reads it, is flagged ended (claimable by any origin). */
    private static boolean ended(Node n, String key) {
        HazelcastJsonValue v = n.hazelcast().<String, HazelcastJsonValue>getMap(SharedMaps.STREAMS).get(key);
        return v != null && new JsonObject(v.getValue()).getBoolean("ended", false);
    }

    /** Segments in {@code key}'s first media playlist on {@code n}; -1 while there is none. */
    private static int segments(Node n, String key) {
        HttpResponse<String> r = TestNode.get(n, "/live/" + key + "/index.m3u8");
        if (r.statusCode() != 200) {
            return -1;
        }
        String uri = new Playlist(r.body()).lines.stream().filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
        HttpResponse<String> media = TestNode.get(n, "/live/" + key + "/" + uri.split("\\?")[0]);
        return media.statusCode() == 200 ? new Playlist(media.body()).segments().size() : -1;
    }

    private static double duplicatesRefused(Node n) {
        double v = Scrape.of(n).value("tributary_rtmp_rejected_total", "reason=\"duplicate\"");
        return Double.isNaN(v) ? 0 : v;
    }

    private static void assertRefusedFor(RtmpTestPublisher p, String key, Node holder) {
        assertFalse(p.publishing(), "the second origin accepted a key the first holds");
        assertEquals("NetStream.Publish.BadName", p.failure().code());
        assertEquals("stream key '" + key + "' is being published on another origin (" + holder.httpUrl("") + ")",
                p.failure().description());
    }

    @Test
    @Order(1)
    void aKeyLiveOnOneOriginIsRefusedOnTheOtherUntilItEnds() throws Exception {
        try (SyntheticAvSource src = new SyntheticAvSource(320, 240, 30, 30, 0, true)) {
            RtmpTestPublisher onA = RtmpTestPublisher.publish(a.rtmpPort(), "k");
            assertTrue(onA.publishing(), "publish refused: " + onA.failure());
            onA.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
            onA.send(src.next(3.2), 0);
            LiveNode.awaitVideoSegments(a, "k", 2, Duration.ofSeconds(10));
            assertEquals(a.httpUrl(""), registered(b, "k"), "the publish's claim is the registration");

            double refusedBefore = duplicatesRefused(b);
            long t0 = System.nanoTime();
            RtmpTestPublisher onB = RtmpTestPublisher.publish(b.rtmpPort(), "k");
            System.out.printf("second origin refused the duplicate publish in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertRefusedFor(onB, "k", a);
            assertTrue(onB.closedByServer(5000), "the refused connection is closed");
            onB.close();
            assertEquals(refusedBefore + 1, duplicatesRefused(b));
            assertNull(b.streams().get("k"), "no stream of the key on the refusing origin");
            assertEquals(a.httpUrl(""), registered(a, "k"));
            assertEquals(a.httpUrl(""), new JsonObject(TestNode.get(b, "/api/v1/cluster").body()).getJsonObject("streams").getString("k"));

            // a local duplicate is A's own rule (duplicate-publish: reject); its refusal keeps A's registration
            RtmpTestPublisher secondOnA = RtmpTestPublisher.publish(a.rtmpPort(), "k");
            assertFalse(secondOnA.publishing());
            assertEquals("NetStream.Publish.BadName", secondOnA.failure().code());
            assertEquals("stream key 'k' is already being published", secondOnA.failure().description());
            secondOnA.close();
            assertEquals(a.httpUrl(""), registered(b, "k"));

            // A's stream goes on: its publisher is still accepted and its playlist grows
            int before = segments(a, "k");
            onA.send(src.next(3.0), 0);
            TestNode.await("A's playlist to grow after the refusal elsewhere", Duration.ofSeconds(10), () -> segments(a, "k") > before);
            assertTrue(onA.publishing(), "A's publisher was cut off: " + onA.failure());

            // A's publisher stops: during the reconnect grace (1 s) the key stays A's, then the stream has
            // ended; A keeps it for late viewers (retention 60 s) but no longer holds the key
            onA.unpublish();
            t0 = System.nanoTime();
            RtmpTestPublisher inGrace = RtmpTestPublisher.publish(b.rtmpPort(), "k");
            assertRefusedFor(inGrace, "k", a);
            inGrace.close();
            TestNode.await("A's stream to end", Duration.ofSeconds(10), () -> ended(b, "k"));
            System.out.printf("key free %d ms after A's publisher stopped (grace 1 s; retention 60 s does not hold it)%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertEquals(200, TestNode.get(a, "/live/k/index.m3u8").statusCode(), "A still serves the ended stream");
            RtmpTestPublisher again = RtmpTestPublisher.publish(b.rtmpPort(), "k");
            try {
                assertTrue(again.publishing(), "B refused a free key: " + again.failure());
                again.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
                again.send(src.next(3.2), 0);
                LiveNode.awaitVideoSegments(b, "k", 2, Duration.ofSeconds(10));
                assertEquals(b.httpUrl(""), registered(a, "k"));
                // and now A is the one that refuses it
                RtmpTestPublisher backOnA = RtmpTestPublisher.publish(a.rtmpPort(), "k");
                assertRefusedFor(backOnA, "k", b);
                backOnA.close();
                assertTrue(again.publishing());
            } finally {
                again.unpublish();
            }
            TestNode.await("B's stream to end and free the key", Duration.ofSeconds(10), () -> ended(a, "k"));
        }
    }

    @Test
    @Order(2)
    void ofTwoOriginsClaimingAKeyAtOnceExactlyOneWins() throws Exception {
        for (int round = 0; round < 5; round++) {
            String key = "race" + round;
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<RtmpTestPublisher> onA = CompletableFuture.supplyAsync(() -> publishAfter(go, a, key));
            CompletableFuture<RtmpTestPublisher> onB = CompletableFuture.supplyAsync(() -> publishAfter(go, b, key));
            go.countDown();
            RtmpTestPublisher pa = onA.get(15, TimeUnit.SECONDS);
            RtmpTestPublisher pb = onB.get(15, TimeUnit.SECONDS);
            try {
                assertTrue(pa.publishing() ^ pb.publishing(), "A " + pa.failure() + ", B " + pb.failure());
                Node winner = pa.publishing() ? a : b;
                assertRefusedFor(pa.publishing() ? pb : pa, key, winner);
                assertEquals(winner.httpUrl(""), registered(a, key));
                assertNotNull(winner.streams().get(key));
                assertNull((winner == a ? b : a).streams().get(key));
            } finally {
                pa.close();
                pb.close();
            }
        }
    }

    private static RtmpTestPublisher publishAfter(CountDownLatch go, Node n, String key) {
        try {
            go.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return RtmpTestPublisher.publish(n.rtmpPort(), key);
    }

    @Test
    @Order(3)
    void aKeyHeldByAnOriginThatDiesIsFreeForTheOther() throws Exception {
        try (SyntheticAvSource src = new SyntheticAvSource(320, 240, 30, 30, 0, true)) {
            RtmpTestPublisher onA = RtmpTestPublisher.publish(a.rtmpPort(), "orphan");
            assertTrue(onA.publishing(), "publish refused: " + onA.failure());
            onA.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
            onA.send(src.next(2.2), 0);
            TestNode.await("A's registration", Duration.ofSeconds(5), () -> a.httpUrl("").equals(registered(b, "orphan")));
            RtmpTestPublisher refused = RtmpTestPublisher.publish(b.rtmpPort(), "orphan");
            assertRefusedFor(refused, "orphan", a);
            refused.close();

            // A's member dies without a goodbye: no withdraw, its stream is "live" to the end
            long t0 = System.nanoTime();
            cluster.forget(a);
            a.hazelcast().getLifecycleService().terminate();
            onA.close(); // before Vert.x closes: its ingest lets connected publishers go on for a grace
            a.vertx().close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            TestNode.await("B to see A gone", Duration.ofSeconds(30), () -> b.hazelcast().getCluster().getMembers().size() == 1);
            RtmpTestPublisher onB = RtmpTestPublisher.publish(b.rtmpPort(), "orphan");
            try {
                assertTrue(onB.publishing(), "B refused the key of a dead origin: " + onB.failure());
                System.out.printf("key of a terminated origin published on the other %d ms after the termination%n",
                        (System.nanoTime() - t0) / 1_000_000);
                assertEquals(b.httpUrl(""), registered(b, "orphan"));
            } finally {
                onB.unpublish();
            }
        }
    }
}
