package io.tributary.cluster.ratelimit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.tributary.cluster.ClusterMember;
import io.tributary.cluster.ClusterSettings;
import io.tributary.cluster.SharedMaps;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateTakeTest {

    @Test
    void aBucketEmptiesAtItsLimitAndIsFullAgainWhenThePeriodEnds() {
        RateTake take = new RateTake(3, 60_000);
        Map.Entry<String, RateWindow> e = new AbstractMap.SimpleEntry<>("k", null);
        assertArrayEquals(new long[]{1, 2, 60_000}, take.take(e, 1_000));
        assertArrayEquals(new long[]{1, 1, 59_000}, take.take(e, 2_000));
        assertArrayEquals(new long[]{1, 0, 58_000}, take.take(e, 3_000));
        // the fourth within the period is refused and changes nothing
        assertArrayEquals(new long[]{0, 0, 1_000}, take.take(e, 60_000));
        assertEquals(new RateWindow(3, 61_000), e.getValue());
        // at the end of the period (counted from the first take) the bucket is full again
        assertArrayEquals(new long[]{1, 2, 60_000}, take.take(e, 61_000));
    }

    @Test
    void aBackupIsGivenTheWindowWrittenAndARefusalNothing() {
        Map.Entry<String, RateWindow> primary = new AbstractMap.SimpleEntry<>("k", null);
        RateTake first = new RateTake(1, 60_000);
        first.take(primary, 1_000);
        Map.Entry<String, RateWindow> backup = new AbstractMap.SimpleEntry<>("k", null);
        // run on the backup much later by its own clock, it still writes what the primary wrote
        first.getBackupProcessor().process(backup);
        assertEquals(primary.getValue(), backup.getValue());
        RateTake refused = new RateTake(1, 60_000);
        assertEquals(0, refused.take(primary, 2_000)[0]);
        assertNull(refused.getBackupProcessor());
    }

    @Test
    void entriesExpireWithTheirPeriodInTheClusterMap() throws Exception {
        HazelcastInstance hz = ClusterMember.start(ClusterSettings.embedded());
        try {
            IMap<String, RateWindow> map = hz.getMap(SharedMaps.RATE_LIMITS);
            RateTake take = new RateTake(2, 1_500);
            assertEquals(1, map.submitToKey("a", take).toCompletableFuture().get()[0]);
            assertEquals(1, map.submitToKey("a", take).toCompletableFuture().get()[0]);
            long[] refused = map.submitToKey("a", take).toCompletableFuture().get();
            assertEquals(0, refused[0]);
            assertTrue(refused[2] > 0 && refused[2] <= 1_500, "ms until full: " + refused[2]);
            // no client state outlives its period: the entry is gone, not merely stale
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (map.get("a") != null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertNull(map.get("a"));
            assertEquals(1, map.submitToKey("a", take).toCompletableFuture().get()[0]);
        } finally {
            hz.shutdown();
        }
    }
}
