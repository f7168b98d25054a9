package io.tributary.cluster.hotness;

import java.io.Serializable;

/**
 * An exponentially decayed request count: {@code score} requests as of {@code atMillis}
 * (epoch ms), each request losing half its weight every half-life. At a steady rate r per
 * second the score settles at {@code r * halfLife / ln 2}, so the rate is read back from it.
 * What the cluster-wide hotness map stores per content key.
 */
public record HotnessScore(double score, long atMillis) implements Serializable {

    private static final double LN2 = Math.log(2);

    /** The score as of {@code nowMillis}; never decays backwards (a clock behind the store's keeps it as is). */
    public double decayedTo(long nowMillis, long halfLifeMillis) {
        return nowMillis <= atMillis ? score : score * decay(nowMillis - atMillis, halfLifeMillis);
    }

    /** Requests per second the score stands for, as of {@code nowMillis}. */
    public double ratePerSecond(long nowMillis, long halfLifeMillis) {
        return decayedTo(nowMillis, halfLifeMillis) * LN2 / (halfLifeMillis / 1000.0);
    }

    /**
     * The merge an entry processor applies: the stored score (null when absent) plus
     * {@code delta} requests a node counted up to {@code nowMillis}. Pure, and order-tolerant:
     * a node whose clock is behind the stored timestamp adds its delta decayed to the stored time
     * instead of moving the timestamp back, so merges commute up to rounding.
     */
    public static HotnessScore merge(HotnessScore stored, long delta, long nowMillis, long halfLifeMillis) {
        if (stored == null) {
            return new HotnessScore(delta, nowMillis);
        }
        return merge(stored.score, stored.atMillis, delta, nowMillis, halfLifeMillis);
    }

    public static HotnessScore merge(double storedScore, long storedAtMillis, long delta, long nowMillis, long halfLifeMillis) {
        if (halfLifeMillis <= 0) {
            throw new IllegalArgumentException("half-life must be positive, was " + halfLifeMillis + " ms");
        }
        if (nowMillis >= storedAtMillis) {
            return new HotnessScore(storedScore * decay(nowMillis - storedAtMillis, halfLifeMillis) + delta, nowMillis);
        }
        return new HotnessScore(storedScore + delta * decay(storedAtMillis - nowMillis, halfLifeMillis), storedAtMillis);
    }

    private static double decay(long elapsedMillis, long halfLifeMillis) {
        return Math.pow(0.5, (double) elapsedMillis / halfLifeMillis);
    }
}
