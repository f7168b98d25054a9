package io.tributary.ssai;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which VAST events a segment request earns: each once, in order, none from a player that stopped early. */
class AdSegmentProgressTest {

    @Test
    void fourSegmentsOfAFourSecondAdEarnEveryEventOnceInOrder() {
        AdSegmentProgress p = new AdSegmentProgress();
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            all.addAll(p.reached(i, 4, i == 3));
            all.addAll(p.reached(i, 4, i == 3)); // fetched twice: nothing more
        }
        assertEquals(AdSegmentProgress.EVENTS, all);
    }

    @Test
    void aPlayerStoppingAtTheMidpointEarnsNoThirdQuartileNorComplete() {
        AdSegmentProgress p = new AdSegmentProgress();
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.addAll(p.reached(i * 1.0, 10, false));
        }
        assertEquals(List.of("impression", "start", "firstQuartile"), all.subList(0, 3));
        all.addAll(p.reached(5.0, 10, false));
        assertEquals(List.of("impression", "start", "firstQuartile", "midpoint"), all);
    }

    @Test
    void aPlayerJumpingToTheLastSegmentEarnsTheSkippedEventsInOrder() {
        AdSegmentProgress p = new AdSegmentProgress();
        assertEquals(AdSegmentProgress.EVENTS, p.reached(6, 8, true));
    }
}
