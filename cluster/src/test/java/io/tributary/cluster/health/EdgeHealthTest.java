package io.tributary.cluster.health;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EdgeHealthTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private EdgeHealth health(HealthPolicy policy) {
        EdgeHealth h = new EdgeHealth(policy, now::get);
        h.add("a");
        h.add("b");
        return h;
    }

    @Test
    void maxFailsWithinFailTimeoutTakesTheEdgeOutForFailTimeout() {
        EdgeHealth h = health(new HealthPolicy(3, Duration.ofSeconds(30), 2, 1));
        h.failed("a");
        advance(Duration.ofSeconds(10));
        h.failed("a");
        assertTrue(h.available("a"), "two failures of three keep it in");
        advance(Duration.ofSeconds(10));
        h.failed("a");
        assertFalse(h.available("a"), "the third failure within 30 s takes it out");
        assertTrue(h.available("b"), "the other edge is untouched");
        assertEquals(List.of("b"), h.available());
        advance(Duration.ofMillis(29_999));
        assertFalse(h.available("a"));
        advance(Duration.ofMillis(1));
        assertTrue(h.available("a"), "back after fail_timeout");
        h.failed("a");
        assertTrue(h.available("a"), "the count starts again after coming back");
    }

    @Test
    void failuresSpreadWiderThanTheWindowDoNotAddUp() {
        EdgeHealth h = health(new HealthPolicy(3, Duration.ofSeconds(30), 2, 1));
        h.failed("a");
        h.failed("a");
        advance(Duration.ofSeconds(31));
        h.failed("a");
        h.failed("a");
        assertTrue(h.available("a"));
        h.failed("a");
        assertFalse(h.available("a"));
    }

    @Test
    void aSuccessResetsTheCountAndZeroMaxFailsDisablesPassive() {
        EdgeHealth h = health(new HealthPolicy(2, Duration.ofSeconds(10), 1, 1));
        h.failed("a");
        h.succeeded("a");
        h.failed("a");
        assertTrue(h.available("a"));
        h.failed("a");
        assertFalse(h.available("a"));

        EdgeHealth off = health(new HealthPolicy(0, Duration.ofSeconds(10), 1, 1));
        for (int i = 0; i < 100; i++) {
            off.failed("a");
        }
        assertTrue(off.available("a"));
    }

    @Test
    void activeChecksFallAndRise() {
        EdgeHealth h = health(new HealthPolicy(3, Duration.ofSeconds(30), 2, 2));
        h.checked("a", false);
        assertTrue(h.available("a"), "one failed check is not enough with fall 2");
        h.checked("a", true);
        h.checked("a", false);
        assertTrue(h.available("a"), "fall counts consecutive failures");
        h.checked("a", false);
        assertFalse(h.available("a"));
        advance(Duration.ofMinutes(5));
        assertFalse(h.available("a"), "actively down stays down however long");
        h.checked("a", true);
        assertFalse(h.available("a"), "rise 2 needs two passes");
        h.checked("a", true);
        assertTrue(h.available("a"));
    }

    @Test
    void passingChecksDoNotCutAPassiveTimeoutShort() {
        EdgeHealth h = health(new HealthPolicy(1, Duration.ofSeconds(10), 1, 1));
        h.failed("a");
        h.checked("a", true);
        assertFalse(h.available("a"));
        advance(Duration.ofSeconds(10));
        assertTrue(h.available("a"));
    }

    @Test
    void unknownMembersAreNotAvailableAndBadPoliciesAreRefused() {
        EdgeHealth h = health(HealthPolicy.DEFAULT);
        assertFalse(h.available("nobody"));
        h.failed("nobody");
        h.remove("a");
        assertFalse(h.available("a"));
        assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(-1, Duration.ofSeconds(1), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(1, Duration.ZERO, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(1, Duration.ofSeconds(1), 0, 1));
    }
}
