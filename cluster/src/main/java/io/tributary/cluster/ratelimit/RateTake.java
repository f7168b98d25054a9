package io.tributary.cluster.ratelimit;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Takes one token from a client's bucket of {@code limit} tokens, refilled in full {@code periodMillis}
 * after the first token of a period was taken. Runs on the member owning the key
 * ({@code IMap.submitToKey}), under its partition's lock: nodes taking from one bucket at once lose no
 * update, and every node reads time from the owner's clock. The entry expires when its period ends, so
 * a client that stops asking leaves no state behind. A refused take writes nothing.
 *
 * <p>Answers {@code {allowed (1 or 0), tokens left, milliseconds until the bucket is full again}}.
 * A backup replica is given the window written, not this processor: run there, it would read the
 * backup member's clock and could disagree.
 */
public final class RateTake implements EntryProcessor<String, RateWindow, long[]> {

    private static final long serialVersionUID = 1L;

    private final int limit;
    private final long periodMillis;
    /** What the primary wrote (null: nothing), for its backup. */
    private transient RateWindow written;
    private transient long writtenTtlMillis;

    public RateTake(int limit, long periodMillis) {
        if (limit < 1 || periodMillis < 1) {
            throw new IllegalArgumentException("limit and period must be positive");
        }
        this.limit = limit;
        this.periodMillis = periodMillis;
    }

    @Override
    public long[] process(Map.Entry<String, RateWindow> entry) {
        return take(entry, System.currentTimeMillis());
    }

    long[] take(Map.Entry<String, RateWindow> entry, long now) {
        RateWindow w = entry.getValue();
        if (w == null || now >= w.resetAtMillis()) {
            w = new RateWindow(0, now + periodMillis);
        }
        long left = w.resetAtMillis() - now;
        if (w.used() >= limit) {
            return new long[]{0, 0, left};
        }
        RateWindow taken = new RateWindow(w.used() + 1, w.resetAtMillis());
        write(entry, taken, left);
        written = taken;
        writtenTtlMillis = left;
        return new long[]{1, limit - taken.used(), left};
    }

    private static void write(Map.Entry<String, RateWindow> entry, RateWindow value, long ttlMillis) {
        if (entry instanceof ExtendedMapEntry<String, RateWindow> e) {
            e.setValue(value, ttlMillis, TimeUnit.MILLISECONDS);
        } else {
            entry.setValue(value);
        }
    }

    @Override
    public EntryProcessor<String, RateWindow, long[]> getBackupProcessor() {
        return written == null ? null : new Replicate(written, writtenTtlMillis);
    }

    /** Sets the window the primary wrote on a backup replica. */
    private record Replicate(RateWindow value, long ttlMillis) implements EntryProcessor<String, RateWindow, long[]> {

        @Override
        public long[] process(Map.Entry<String, RateWindow> entry) {
            write(entry, value, ttlMillis);
            return null;
        }

        @Override
        public EntryProcessor<String, RateWindow, long[]> getBackupProcessor() {
            return null;
        }
    }
}
