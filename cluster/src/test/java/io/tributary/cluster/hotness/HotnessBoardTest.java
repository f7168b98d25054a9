package io.tributary.cluster.hotness;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.tributary.cluster.ClusterMember;
import io.tributary.cluster.ClusterSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two real members on loopback merging counts at once through entry processors. */
class HotnessBoardTest {

    @Test
    void concurrentMergesFromTwoMembersLoseNoUpdate() throws Exception {
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
        int a = freePort();
        int b = freePort();
        List<String> members = List.of("127.0.0.1:" + a, "127.0.0.1:" + b);
        String name = "hotness-test-" + UUID.randomUUID();
        HazelcastInstance one = start(a, members, name);
        HazelcastInstance two = null;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            two = start(b, members, name);
            assertEquals(2, one.getCluster().getMembers().size());
            // one instant and a huge half-life: no decay, so the stored score must be the exact sum
            long now = 1_000_000L;
            long halfLife = Long.MAX_VALUE / 4;
            HotnessBoard[] boards = {new HotnessBoard(one, halfLife), new HotnessBoard(two, halfLife)};
            int rounds = 50;
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                HotnessBoard board = boards[t % 2];
                int thread = t;
                jobs.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        Map<String, Long> drain = new HashMap<>();
                        drain.put(HotnessBoard.regional("live/360p", "eu"), 3L);
                        drain.put(HotnessBoard.regional("live/360p", "us"), 1L);
                        drain.put(HotnessBoard.regional("other/720p", "eu"), (long) thread);
                        board.merge(drain, now);
                    }
                }));
            }
            for (Future<?> j : jobs) {
                j.get(60, TimeUnit.SECONDS);
            }
            Map<String, HotnessScore> scores = boards[1].scores();
            assertEquals(8 * rounds * 4.0, scores.get("live/360p").score(), 1e-9);
            assertEquals((0 + 1 + 2 + 3 + 4 + 5 + 6 + 7) * rounds, scores.get("other/720p").score(), 1e-9);
            Map<String, Map<String, HotnessScore>> regions = boards[0].regionalScores();
            assertEquals(8 * rounds * 3.0, regions.get("live/360p").get("eu").score(), 1e-9);
            assertEquals(8 * rounds * 1.0, regions.get("live/360p").get("us").score(), 1e-9);
            // keys live on both members: the merges really crossed the wire
            assertTrue(one.getMap(io.tributary.cluster.SharedMaps.HOTNESS).getLocalMapStats().getOwnedEntryCount()
                    + two.getMap(io.tributary.cluster.SharedMaps.HOTNESS).getLocalMapStats().getOwnedEntryCount() == 2);
        } finally {
            pool.shutdownNow();
            if (two != null) {
                two.shutdown();
            }
            one.shutdown();
            System.clearProperty("hazelcast.wait.seconds.before.join");
        }
    }

    @Test
    void mergedScoresDecayByTheHalfLife() {
        HazelcastInstance hz = ClusterMember.start(ClusterSettings.embedded());
        try {
            HotnessBoard board = new HotnessBoard(hz, 10_000);
            board.merge(Map.of(HotnessBoard.regional("s/v", "local"), 100L), 0);
            board.merge(Map.of(HotnessBoard.regional("s/v", "local"), 10L), 10_000);
            assertEquals(60.0, board.scores().get("s/v").score(), 1e-9);
        } finally {
            hz.shutdown();
        }
    }

    private static HazelcastInstance start(int port, List<String> members, String clusterName) {
        Config c = ClusterMember.config(new ClusterSettings(true, "127.0.0.1", port, members, Duration.ofSeconds(60)));
        c.setClusterName(clusterName); // never meet another test's members
        return Hazelcast.newHazelcastInstance(c);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
