package io.tributary.cluster.hotness;

import com.hazelcast.map.EntryProcessor;

import java.util.Map;

/**
 * Adds one node's request counts to the stored scores, run by the member owning each key
 * ({@code IMap.executeOnKeys}): the read, the {@link HotnessScore#merge} and the write happen
 * under the partition's lock, so merges from many nodes at once lose no update. Serialized to
 * the owner; every member runs the same jar, so the class is there.
 */
public final class HotnessMerge implements EntryProcessor<String, HotnessScore, Void> {

    private static final long serialVersionUID = 1L;

    private final Map<String, Long> deltas;
    private final long nowMillis;
    private final long halfLifeMillis;

    /** @param deltas requests per key counted since the last merge (a serializable map, e.g. HashMap) */
    public HotnessMerge(Map<String, Long> deltas, long nowMillis, long halfLifeMillis) {
        this.deltas = deltas;
        this.nowMillis = nowMillis;
        this.halfLifeMillis = halfLifeMillis;
    }

    @Override
    public Void process(Map.Entry<String, HotnessScore> entry) {
        Long delta = deltas.get(entry.getKey());
        if (delta != null && delta > 0) {
            entry.setValue(HotnessScore.merge(entry.getValue(), delta, nowMillis, halfLifeMillis));
        }
        return null;
    }
}
