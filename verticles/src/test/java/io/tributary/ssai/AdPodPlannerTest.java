package io.tributary.ssai;

import io.tributary.media.vast.VastAd;
import io.tributary.media.vast.VastLinear;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Filling a break: the pod's sequence first, then stand-alone ads by fit, never past the end. */
class AdPodPlannerTest {

    static AdPodPlanner.Candidate ad(String id, int sequence, long ms) {
        VastLinear l = new VastLinear("c" + id, ms, List.of(), Map.of("start", List.of("http://t/" + id + "/start")));
        VastAd v = new VastAd(id, sequence, false, "S", "", List.of("http://t/" + id + "/imp"), List.of("http://t/" + id + "/err"), List.of(l));
        VastResolver.Inline in = new VastResolver.Inline(v, l, sequence, v.impressions(), v.errors(), l.tracking());
        return new AdPodPlanner.Candidate(in, "c" + id, "asset-" + id, ms);
    }

    static List<String> ids(AdPod pod) {
        return pod.ads().stream().map(AdPod.Ad::adId).toList();
    }

    @Test
    void thePodsSequenceComesFirstThenStandAloneAdsLongestFirst() {
        AdPod pod = AdPodPlanner.plan("b", 60_000, List.of(ad("free-short", 0, 5_000), ad("second", 2, 15_000),
                ad("free-long", 0, 20_000), ad("first", 1, 15_000)));
        assertEquals(List.of("first", "second", "free-long", "free-short"), ids(pod));
        assertEquals(55_000, pod.filledMs());
    }

    @Test
    void neverPastTheBreakAndAnAdThatDoesNotFitIsPassedOver() {
        AdPod pod = AdPodPlanner.plan("b", 30_000, List.of(ad("a", 1, 20_000), ad("b", 2, 15_000), ad("c", 3, 10_000),
                ad("d", 0, 5_000)));
        assertEquals(List.of("a", "c"), ids(pod), "b would pass the end; c fits what is left");
        assertEquals(30_000, pod.filledMs());
        assertTrue(AdPodPlanner.plan("b", 4_000, List.of(ad("a", 1, 5_000))).ads().isEmpty());
    }

    @Test
    void theAdCarriesItsImpressionsTrackingAndErrors() {
        AdPod.Ad a = AdPodPlanner.plan("b", 10_000, List.of(ad("x", 1, 6_000))).ads().get(0);
        assertEquals("asset-x", a.assetId());
        assertEquals("cx", a.creativeId());
        assertEquals(List.of("http://t/x/imp"), a.tracking().get("impression"));
        assertEquals(List.of("http://t/x/start"), a.tracking().get("start"));
        assertEquals(List.of("http://t/x/err"), a.errorUrls());
        assertEquals(a, AdPod.Ad.fromJson(a.toJson()));
    }

    @Test
    void frequencyCapsAreBoundedAndExpire() {
        FrequencyCaps caps = new FrequencyCaps(2, 1000);
        caps.served("s", "a", 0);
        caps.served("s", "a", 10);
        assertTrue(!caps.allowed("s", "a", 20));
        assertTrue(caps.allowed("s", "b", 20));
        assertTrue(caps.allowed("s", "a", 1000), "a new window");
        for (int i = 0; i < FrequencyCaps.MAX_SESSIONS + 500; i++) {
            caps.served("x" + i, "a", 2000);
        }
        assertEquals(FrequencyCaps.MAX_SESSIONS, caps.sessions());
        assertTrue(caps.allowed("", "a", 2000), "no session: no cap");
    }

    @Test
    void macrosAreEncodedAndUnknownOnesKept() {
        String url = VastMacros.decision("http://ads/v?s=[SESSION]&d=[DURATION]&k=[STREAM]&t=[THROUGHPUT]&x=[OTHER]&cb=[CACHEBUSTING]",
                new AdDecisionRequest("a b&c=1", "news", "b1", 15_500, 3000));
        assertTrue(url.startsWith("http://ads/v?s=a+b%26c%3D1&d=15.500&k=news&t=3000&x=[OTHER]&cb="), url);
        assertTrue(url.matches(".*cb=\\d{8}"), url);
        assertEquals("http://e/?c=405", VastMacros.beacon("http://e/?c=[ERRORCODE]", 405));
    }
}
