package io.tributary.ssai;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fills a break with ads, never past its end: first the ad server's pod in {@code sequence} order
 * (an ad that does not fit in what is left is passed over, the next may), then stand-alone ads,
 * longest first, into what remains.
 */
final class AdPodPlanner {

    /** An ad whose creative is ready to play, with its media length; {@code builtIn}: from the node's own ad server. */
    record Candidate(VastResolver.Inline inline, String creativeId, String assetId, long durationMs, boolean builtIn) {

        Candidate(VastResolver.Inline inline, String creativeId, String assetId, long durationMs) {
            this(inline, creativeId, assetId, durationMs, false);
        }
    }

    private AdPodPlanner() {
    }

    static AdPod plan(String breakId, long breakMs, List<Candidate> candidates) {
        List<Candidate> order = new ArrayList<>(candidates);
        order.sort(Comparator.comparingInt((Candidate c) -> c.inline().sequence() > 0 ? 0 : 1)
                .thenComparingInt(c -> c.inline().sequence())
                .thenComparing(Comparator.comparingLong(Candidate::durationMs).reversed()));
        List<AdPod.Ad> ads = new ArrayList<>();
        long left = breakMs;
        for (Candidate c : order) {
            if (c.durationMs() > 0 && c.durationMs() <= left) {
                left -= c.durationMs();
                ads.add(ad(c));
            }
        }
        return new AdPod(breakId, breakMs, ads);
    }

    private static AdPod.Ad ad(Candidate c) {
        VastResolver.Inline in = c.inline();
        java.util.Map<String, List<String>> tracking = new java.util.LinkedHashMap<>();
        tracking.put("impression", in.impressions());
        in.tracking().forEach((event, urls) -> tracking.merge(event, urls, VastResolver::concat));
        return new AdPod.Ad(in.ad().id(), c.creativeId(), c.assetId(), c.durationMs(), tracking, in.errors(), c.builtIn());
    }
}
