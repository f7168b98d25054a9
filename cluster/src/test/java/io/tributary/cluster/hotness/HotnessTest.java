package io.tributary.cluster.hotness;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HotnessTest {

    private static final long HL = 60_000;

    @Test
    void scoresHalveEveryHalfLife() {
        HotnessScore s = new HotnessScore(100, 1_000);
        assertEquals(100, s.decayedTo(1_000, HL), 1e-9);
        assertEquals(50, s.decayedTo(1_000 + HL, HL), 1e-9);
        assertEquals(25, s.decayedTo(1_000 + 2 * HL, HL), 1e-9);
        assertEquals(100, s.decayedTo(500, HL), 1e-9, "never decays backwards");
        HotnessScore merged = HotnessScore.merge(s, 10, 1_000 + HL, HL);
        assertEquals(60, merged.score(), 1e-9);
        assertEquals(1_000 + HL, merged.atMillis());
        assertEquals(new HotnessScore(7, 42), HotnessScore.merge(null, 7, 42, HL));
        assertThrows(IllegalArgumentException.class, () -> HotnessScore.merge(s, 1, 2, 0));
    }

    @Test
    void aSteadyRateIsReadBackFromPeriodicMerges() {
        for (double perSecond : new double[]{0.5, 10, 2_000}) {
            HotnessScore s = null;
            long t = 0;
            for (int i = 0; i < 20 * 60; i++) { // 20 half-lives of one merge per second
                t += 1_000;
                s = HotnessScore.merge(s, (long) perSecond == perSecond ? (long) perSecond : (i % 2 == 0 ? 1 : 0), t, HL);
            }
            double rate = s.ratePerSecond(t, HL);
            assertTrue(Math.abs(rate - perSecond) < 0.02 * perSecond + 0.01, "steady " + perSecond + "/s read back as " + rate);
            // with no more requests, one half-life halves the rate
            assertEquals(rate / 2, s.ratePerSecond(t + HL, HL), rate * 1e-9);
        }
    }

    @Test
    void mergesFromNodesWithSkewedClocksCommute() {
        HotnessScore base = new HotnessScore(40, 10_000);
        // node A at 12 s with 5 requests, node B whose clock is behind at 9 s with 7
        HotnessScore ab = HotnessScore.merge(HotnessScore.merge(base, 5, 12_000, HL), 7, 9_000, HL);
        HotnessScore ba = HotnessScore.merge(HotnessScore.merge(base, 7, 9_000, HL), 5, 12_000, HL);
        assertEquals(ab.decayedTo(20_000, HL), ba.decayedTo(20_000, HL), 1e-9);
        assertEquals(12_000, ab.atMillis());
    }

    @Test
    void countsFromManyThreadsAddUpAndDrainResets() throws Exception {
        HotnessCounter c = new HotnessCounter(10_000);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        c.hit("stream-" + (i % 50) + "/720p");
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Long> d = c.drain();
        assertEquals(50, d.size());
        assertEquals(400_000L, d.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(8_000L, d.get("stream-7/720p"));
        assertTrue(c.drain().isEmpty(), "drained counts are gone");
        c.hit("stream-7/720p");
        assertEquals(Map.of("stream-7/720p", 1L), c.drain());
    }

    @Test
    void newKeysBeyondTheLimitAreDroppedAndCounted() {
        HotnessCounter c = new HotnessCounter(3);
        for (int i = 0; i < 10; i++) {
            c.hit("k" + i);
        }
        c.hit("k0");
        Map<String, Long> d = c.drain();
        assertEquals(3, d.size());
        assertEquals(2L, d.get("k0"));
        assertEquals(7, c.overflow());
    }

    @Test
    void tiersAreTopOnePercentTopTenPercentAndTheRest() {
        Map<String, HotnessScore> scores = new HashMap<>();
        for (int i = 1; i <= 1000; i++) {
            scores.put("s" + i, new HotnessScore(i, 0));
        }
        HotnessTiers tiers = HotnessTiers.rank(scores, 0, HL);
        assertEquals(10, tiers.keys(Tier.S1).size());
        assertEquals(90, tiers.keys(Tier.S2).size());
        assertEquals(900, tiers.keys(Tier.S3).size());
        assertEquals("s1000", tiers.keys(Tier.S1).get(0));
        assertEquals(Tier.S1, tiers.tier("s991"));
        assertEquals(Tier.S2, tiers.tier("s990"));
        assertEquals(Tier.S2, tiers.tier("s901"));
        assertEquals(Tier.S3, tiers.tier("s900"));
        assertEquals(Tier.S3, tiers.tier("never-seen"));
        HotnessPolicy p = HotnessPolicy.DEFAULT;
        assertEquals(Duration.ofSeconds(120), p.ttl(tiers.tier("s1000")));
        assertEquals(Duration.ofSeconds(6), p.ttl(tiers.tier("s1")));
    }

    @Test
    void oldPopularityFadesBelowRecentInterest() {
        Map<String, HotnessScore> scores = new HashMap<>();
        scores.put("yesterday", new HotnessScore(10_000, 0));
        scores.put("now", new HotnessScore(50, 3_600_000));
        for (int i = 0; i < 98; i++) {
            scores.put("other" + i, new HotnessScore(1, 3_600_000));
        }
        HotnessTiers tiers = HotnessTiers.rank(scores, 3_600_000, HL);
        assertEquals(List.of("now"), tiers.keys(Tier.S1));
        assertEquals(Tier.S3, tiers.tier("yesterday"), "60 half-lives later it has decayed to nothing");
    }
}
