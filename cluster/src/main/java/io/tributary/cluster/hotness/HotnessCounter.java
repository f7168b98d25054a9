package io.tributary.cluster.hotness;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A node's request counts per content key since the last drain, cheap enough to bump on every
 * request from any event loop: a map lookup and a {@link LongAdder} increment. A periodic task
 * drains the deltas into the cluster-wide scores ({@link HotnessScore#merge}).
 *
 * <p>Bounded: at most {@code maxKeys} distinct keys between drains; hits on further new keys are
 * dropped and counted ({@link #overflow}), so a flood of junk keys cannot grow memory. A hit
 * racing with the drain of its key may be lost; hotness is a statistic, not a ledger.
 */
public final class HotnessCounter {

    private final int maxKeys;
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LongAdder overflow = new LongAdder();

    public HotnessCounter(int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("max keys must be positive, was " + maxKeys);
        }
        this.maxKeys = maxKeys;
    }

    /** One request for {@code key}. */
    public void hit(String key) {
        LongAdder a = counts.get(key);
        if (a == null) {
            if (counts.size() >= maxKeys) {
                overflow.increment();
                return;
            }
            a = counts.computeIfAbsent(key, k -> new LongAdder());
        }
        a.increment();
    }

    /** The counts since the last drain (keys with none left out), resetting them; idle keys are forgotten. */
    public Map<String, Long> drain() {
        Map<String, Long> out = new HashMap<>();
        counts.forEach((key, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) {
                out.put(key, n);
            } else {
                counts.remove(key, adder);
            }
        });
        return out;
    }

    /** Hits dropped because the key limit was reached, since start. */
    public long overflow() {
        return overflow.sum();
    }
}
