package io.tributary.session;

import java.util.concurrent.ConcurrentHashMap;

/** A token bucket per remote address: {@code rate} beacons a second, up to {@code burst} at once. */
final class BeaconLimiter {

    private final double ratePerNano;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    BeaconLimiter(double ratePerSecond, int burst) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
    }

    boolean allow(String address, long nowNanos) {
        Bucket b = buckets.computeIfAbsent(address, a -> new Bucket(burst, nowNanos));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (nowNanos - b.refilledAt) * ratePerNano);
            b.refilledAt = nowNanos;
            if (b.tokens < 1) {
                return false;
            }
            b.tokens -= 1;
            return true;
        }
    }

    /** Forgets addresses whose bucket has been full for a while (they would start full anyway). */
    void sweep(long nowNanos) {
        buckets.values().removeIf(b -> {
            synchronized (b) {
                return b.tokens + (nowNanos - b.refilledAt) * ratePerNano >= burst && nowNanos - b.refilledAt > 60_000_000_000L;
            }
        });
    }

    int size() {
        return buckets.size();
    }
}
