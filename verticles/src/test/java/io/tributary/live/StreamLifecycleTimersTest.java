package io.tributary.live;

import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream's reconnect grace and retention belong to the stream, not to the ingest verticle
 * its publisher came in by: retiring the ingest instances while their streams wait out their
 * grace still ends every stream on time, and drops it after its retention.
 */
class StreamLifecycleTimersTest {

    private static final List<String> KEYS = List.of("timers-a", "timers-b", "timers-c", "timers-d");

    @Test
    void retiringIngestInstancesDuringTheGraceStillEndsAndDropsTheirStreams() throws Exception {
        // four ingest instances: Vert.x spreads the four publishers over them, three of which are then retired
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_RTMP_INSTANCES", "4",
                "TRIBUTARY_RTMP_RECONNECT_GRACE", "6s", "TRIBUTARY_RTMP_ENDED_RETENTION", "2s"))) {
            List<TestPublication> publishers = new ArrayList<>();
            for (String key : KEYS) {
                publishers.add(live.publish(key).send(3));
            }
            for (String key : KEYS) {
                live.awaitVideoSegments(key, 1, Duration.ofSeconds(20));
            }
            publishers.forEach(TestPublication::close); // the publishers leave: each stream waits out its 6 s grace
            TestNode.await("every stream to await its publisher", Duration.ofSeconds(10), () -> KEYS.stream()
                    .allMatch(k -> live.node().streams().get(k).state() == LiveStream.State.RECONNECTING));
            // the instances those publishers came in by are retired (the set shrinks to its base instance)
            long retiredBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            live.node().scaler().scale("ingest", 1).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            TestNode.await("the retired instances to be gone", Duration.ofSeconds(4),
                    () -> live.node().scaler().describe().getInteger("retiring") == 0);
            // the scenario this is about: the instances went while the streams still waited out their grace
            assertTrue(System.nanoTime() < retiredBy, "retired within the grace");
            assertTrue(KEYS.stream().allMatch(k -> live.node().streams().get(k).state() == LiveStream.State.RECONNECTING));
            TestNode.await("every stream to end after its grace", Duration.ofSeconds(10), () -> KEYS.stream().allMatch(k -> {
                LiveStream s = live.node().streams().get(k);
                return s != null && s.state() == LiveStream.State.ENDED;
            }));
            for (String key : KEYS) {
                assertEquals(200, TestNode.get(live.node(), "/live/" + key + "/video/index.m3u8").statusCode(),
                        key + " kept for late viewers");
            }
            TestNode.await("the ended streams to be dropped after their retention", Duration.ofSeconds(10),
                    () -> KEYS.stream().allMatch(k -> live.node().streams().get(k) == null));
        }
    }
}
