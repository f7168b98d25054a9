package io.tributary.cluster.hotness;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.tributary.cluster.SharedMaps;

import java.util.HashMap;
import java.util.Map;

/**
 * The cluster-wide hotness scores: {@link SharedMaps#HOTNESS} (content key -> score) and
 * {@link SharedMaps#HOTNESS_REGIONS} (content key + {@link #REGION_SEPARATOR} + region -> score).
 * A node counts {@code key@region} locally ({@link HotnessCounter}); {@link #merge} folds one
 * drain into both maps with entry processors. Blocking calls: run them off the event loop.
 */
public final class HotnessBoard {

    /** Between content key and region in the local counter and the regions map. */
    public static final char REGION_SEPARATOR = '@';

    private final IMap<String, HotnessScore> scores;
    private final IMap<String, HotnessScore> regional;
    private final long halfLifeMillis;

    public HotnessBoard(HazelcastInstance hz, long halfLifeMillis) {
        this.scores = hz.getMap(SharedMaps.HOTNESS);
        this.regional = hz.getMap(SharedMaps.HOTNESS_REGIONS);
        this.halfLifeMillis = halfLifeMillis;
    }

    public static String regional(String key, String region) {
        return key + REGION_SEPARATOR + region;
    }

    /** Adds a drain of {@code key@region -> count} to both maps, as of {@code nowMillis}. */
    public void merge(Map<String, Long> byKeyAndRegion, long nowMillis) {
        if (byKeyAndRegion.isEmpty()) {
            return;
        }
        HashMap<String, Long> total = new HashMap<>();
        HashMap<String, Long> region = new HashMap<>(byKeyAndRegion);
        byKeyAndRegion.forEach((k, n) -> {
            int at = k.lastIndexOf(REGION_SEPARATOR);
            total.merge(at < 0 ? k : k.substring(0, at), n, Long::sum);
        });
        scores.executeOnKeys(total.keySet(), new HotnessMerge(total, nowMillis, halfLifeMillis));
        regional.executeOnKeys(region.keySet(), new HotnessMerge(region, nowMillis, halfLifeMillis));
    }

    /** Every content key's stored score. */
    public Map<String, HotnessScore> scores() {
        return new HashMap<>(scores);
    }

    /** Stored regional scores: content key -> region -> score. */
    public Map<String, Map<String, HotnessScore>> regionalScores() {
        Map<String, Map<String, HotnessScore>> out = new HashMap<>();
        regional.forEach((k, s) -> {
            int at = k.lastIndexOf(REGION_SEPARATOR);
            if (at > 0) {
                out.computeIfAbsent(k.substring(0, at), x -> new HashMap<>()).put(k.substring(at + 1), s);
            }
        });
        return out;
    }

    public long halfLifeMillis() {
        return halfLifeMillis;
    }
}
