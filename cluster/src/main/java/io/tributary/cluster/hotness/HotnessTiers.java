package io.tributary.cluster.hotness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A ranking of content by decayed score at one instant, split into tiers: the top 1 %
 * (rounded up, so any content with requests has at least one S1 key) is S1, the top 10 % is
 * S1 or S2, the rest and anything unknown is S3. Built from a snapshot of the scores map;
 * immutable.
 */
public final class HotnessTiers {

    /** A ranked entry: key, decayed score, tier. */
    public record Ranked(String key, double score, Tier tier) {
    }

    private final List<Ranked> ranked;
    private final Map<String, Tier> tiers;

    private HotnessTiers(List<Ranked> ranked) {
        this.ranked = Collections.unmodifiableList(ranked);
        Map<String, Tier> t = new HashMap<>();
        for (Ranked r : ranked) {
            t.put(r.key(), r.tier());
        }
        this.tiers = t;
    }

    /** Ranks {@code scores} decayed to {@code nowMillis}; keys that decayed to nothing are left out. */
    public static HotnessTiers rank(Map<String, HotnessScore> scores, long nowMillis, long halfLifeMillis) {
        List<Map.Entry<String, Double>> live = new ArrayList<>(scores.size());
        scores.forEach((k, s) -> {
            double d = s.decayedTo(nowMillis, halfLifeMillis);
            if (d > 1e-6) {
                live.add(Map.entry(k, d));
            }
        });
        live.sort((a, b) -> {
            int c = Double.compare(b.getValue(), a.getValue());
            return c != 0 ? c : a.getKey().compareTo(b.getKey());
        });
        int n = live.size();
        int s1 = (int) Math.ceil(n * 0.01);
        int s2 = (int) Math.ceil(n * 0.10);
        List<Ranked> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tier t = i < s1 ? Tier.S1 : i < s2 ? Tier.S2 : Tier.S3;
            out.add(new Ranked(live.get(i).getKey(), live.get(i).getValue(), t));
        }
        return new HotnessTiers(out);
    }

    public Tier tier(String key) {
        return tiers.getOrDefault(key, Tier.S3);
    }

    /** Hottest first. */
    public List<Ranked> ranked() {
        return ranked;
    }

    /** The keys of one tier, hottest first (S1 is what edges pre-warm). */
    public List<String> keys(Tier tier) {
        List<String> out = new ArrayList<>();
        for (Ranked r : ranked) {
            if (r.tier() == tier) {
                out.add(r.key());
            }
        }
        return out;
    }
}
