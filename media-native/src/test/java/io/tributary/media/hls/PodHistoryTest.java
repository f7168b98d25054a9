package io.tributary.media.hls;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A session's bounded pods: the oldest goes first, and what its settled placements added stays in the base. */
class PodHistoryTest {

    /** A pod placed in some renditions. */
    record Pod(String breakId, Map<String, PodPlacement> placements) {
    }

    static PodHistory<Pod> history(int max) {
        return new PodHistory<>(max, p -> p.placements().keySet(), (p, r) -> p.placements().get(r));
    }

    /** One ad of three 1 s segments at {@code startMs}. */
    static PodPlacement placement(String breakId, long startMs) {
        return new PodPlacement(breakId, startMs, List.of(new AdRun("i.mp4", List.of("a0", "a1", "a2"), List.of(1.0, 1.0, 1.0))), 100);
    }

    /** Content segments of 2 s from PDT 0: the pod at 10 s starts at msn 5 and content resumes at msn 7 (14 s). */
    static PodPlacement settled(String breakId, boolean resumeDiscontinuity) {
        PodPlacement p = placement(breakId, 10_000);
        for (int msn = 0; msn < 9; msn++) {
            p.offer(msn, msn * 2000L, resumeDiscontinuity && msn == 7, msn == 0);
        }
        return p;
    }

    @Test
    void theOldestPodGoesWhenANewOnePassesTheBound() {
        PodHistory<Pod> h = history(2);
        List<String> created = new ArrayList<>();
        for (String id : List.of("b1", "b2", "b3")) {
            h.pod(id, () -> {
                created.add(id);
                return new Pod(id, Map.of());
            });
        }
        Pod again = h.pod("b3", () -> new Pod("b3-twice", Map.of()));
        assertEquals("b3", again.breakId(), "made once");
        assertEquals(List.of("b1", "b2", "b3"), created);
        assertNull(h.find("b1"), "the oldest went");
        assertEquals(List.of("b2", "b3"), h.all().stream().map(Pod::breakId).toList());
        assertSame(again, h.find("b3"));
    }

    @Test
    void aForgottenSettledPodLeavesItsNumberingInTheBase() {
        PodHistory<Pod> h = history(1);
        PodPlacement hi = settled("b1", false);
        assertEquals(5, hi.firstMsn());
        assertEquals(7, hi.resumeMsn());
        PodPlacement lo = settled("b1", true);
        PodPlacement waiting = placement("b1", 99_000); // not settled: its numbering is not final, nothing to keep
        h.pod("b1", () -> new Pod("b1", Map.of("hi", hi, "lo", lo, "audio", waiting)));
        assertArrayEquals(new long[2], h.base("hi"), "nothing forgotten yet");
        h.pod("b2", () -> new Pod("b2", Map.of()));
        // three ad segments for two content ones: one more; a discontinuity before the ad and one at the resume
        assertArrayEquals(new long[] {1, 2}, h.base("hi"));
        assertArrayEquals(new long[] {1, 1}, h.base("lo"), "content resumed with a discontinuity of its own: none added there");
        assertArrayEquals(new long[2], h.base("audio"));
        // a second forgotten pod adds to the base
        h.pod("b3", () -> new Pod("b3", Map.of()));
        assertArrayEquals(new long[] {1, 2}, h.base("hi"), "b2 had no placements");
        h.base("hi")[0] = 42;
        assertEquals(1, h.base("hi")[0], "the caller gets a copy");
        assertEquals(Set.of("b3"), Set.copyOf(h.all().stream().map(Pod::breakId).toList()));
    }
}
