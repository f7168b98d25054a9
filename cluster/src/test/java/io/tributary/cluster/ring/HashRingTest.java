package io.tributary.cluster.ring;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Property tests of the ring over 100,000 content keys shaped like real routing keys. */
class HashRingTest {

    private static final int KEYS = 100_000;
    private static final String[] KEY_SET = new String[KEYS];

    static {
        String[] renditions = {"1080p", "720p", "360p", "audio"};
        for (int i = 0; i < KEYS; i++) {
            KEY_SET[i] = "stream-" + (i / 4) + "/" + renditions[i % 4];
        }
    }

    private static List<String> edges(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("http://10.0.0." + (i + 1) + ":8080");
        }
        return out;
    }

    private static String[] assign(HashRing ring) {
        String[] owner = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            owner[i] = ring.lookup(KEY_SET[i]);
        }
        return owner;
    }

    @Test
    void sameKeySameMemberWhileMembershipIsUnchanged() {
        List<String> edges = edges(7);
        HashRing a = HashRing.of(edges.toArray(new String[0]));
        List<String> reversed = new ArrayList<>(edges);
        java.util.Collections.reverse(reversed);
        HashRing b = HashRing.of(reversed.toArray(new String[0]));
        String[] first = assign(a);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < KEYS; i++) {
                assertEquals(first[i], a.lookup(KEY_SET[i]), "lookup of the same key changed");
                assertEquals(first[i], b.lookup(KEY_SET[i]), "insertion order changed the ring");
            }
        }
    }

    @Test
    void eachMemberGetsAboutItsShare() {
        for (int n : new int[]{2, 5, 10, 20}) {
            HashRing ring = HashRing.of(edges(n).toArray(new String[0]));
            Map<String, Integer> count = new HashMap<>();
            for (String owner : assign(ring)) {
                count.merge(owner, 1, Integer::sum);
            }
            assertEquals(n, count.size());
            double fair = (double) KEYS / n;
            for (var e : count.entrySet()) {
                double ratio = e.getValue() / fair;
                assertTrue(ratio > 0.7 && ratio < 1.3, n + " members: " + e.getKey() + " got " + ratio + " of a fair share");
            }
        }
    }

    @Test
    void addingOneOfNMovesAboutOneNthAndOnlyToIt() {
        for (int n : new int[]{3, 5, 10, 20}) {
            List<String> edges = edges(n);
            HashRing before = HashRing.of(edges.subList(0, n - 1).toArray(new String[0]));
            HashRing after = before.with(edges.get(n - 1), 1);
            String[] a = assign(before);
            String[] b = assign(after);
            int moved = 0;
            for (int i = 0; i < KEYS; i++) {
                if (!a[i].equals(b[i])) {
                    moved++;
                    assertEquals(edges.get(n - 1), b[i], "a key moved between two old members");
                }
            }
            double fraction = (double) moved / KEYS;
            double expected = 1.0 / n;
            assertTrue(Math.abs(fraction - expected) < 0.3 * expected,
                    "adding the " + n + "th member moved " + fraction + " of keys, expected about " + expected);
        }
    }

    @Test
    void removingOneOfNMovesExactlyItsKeys() {
        for (int n : new int[]{3, 5, 10, 20}) {
            List<String> edges = edges(n);
            HashRing before = HashRing.of(edges.toArray(new String[0]));
            String gone = edges.get(n / 2);
            HashRing after = before.without(gone);
            assertEquals(n - 1, after.size());
            String[] a = assign(before);
            String[] b = assign(after);
            int moved = 0;
            for (int i = 0; i < KEYS; i++) {
                if (a[i].equals(gone)) {
                    moved++;
                    assertTrue(!b[i].equals(gone));
                } else {
                    assertEquals(a[i], b[i], "a key of a remaining member moved");
                }
            }
            double fraction = (double) moved / KEYS;
            double expected = 1.0 / n;
            assertTrue(Math.abs(fraction - expected) < 0.3 * expected,
                    "removing one of " + n + " moved " + fraction + " of keys, expected about " + expected);
        }
    }

    @Test
    void weightsSkewTheShare() {
        Map<String, Integer> w = new LinkedHashMap<>();
        w.put("big", 3);
        w.put("a", 1);
        w.put("b", 1);
        w.put("c", 1);
        w.put("d", 1);
        HashRing ring = HashRing.of(w);
        int big = 0;
        for (String owner : assign(ring)) {
            big += owner.equals("big") ? 1 : 0;
        }
        double share = (double) big / KEYS;
        assertTrue(Math.abs(share - 3.0 / 7) < 0.06, "weight 3 of 7 got " + share);
        assertEquals(3 * HashRing.POINTS_PER_WEIGHT, 480);
    }

    @Test
    void candidatesAreDistinctInRingOrderAndLookupSkipsUnusable() {
        HashRing ring = HashRing.of(edges(6).toArray(new String[0]));
        for (int i = 0; i < 2000; i++) {
            String key = KEY_SET[i * 37];
            List<String> c = ring.candidates(key, 10);
            assertEquals(6, c.size());
            assertEquals(6, Set.copyOf(c).size());
            assertEquals(ring.lookup(key), c.get(0));
            // the first usable member in that order is what a health-filtered lookup answers
            String down = c.get(0);
            String down2 = c.get(1);
            assertEquals(c.get(2), ring.lookup(key, m -> !m.equals(down) && !m.equals(down2)));
            // ... and what the ring without those members answers (failover is consistent)
            assertEquals(c.get(2), ring.without(down).without(down2).lookup(key));
        }
        assertNull(ring.lookup("x", m -> false));
        assertEquals(2, ring.candidates("x", 2).size());
    }

    @Test
    void emptyRingAndBadMembers() {
        assertNull(HashRing.empty().lookup("a"));
        assertTrue(HashRing.empty().candidates("a", 3).isEmpty());
        assertSame(HashRing.empty(), HashRing.of());
        assertEquals("only", HashRing.of("only").lookup("anything"));
        HashRing one = HashRing.of("only");
        assertSame(one, one.without("nobody"));
        assertTrue(one.without("only").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> HashRing.of(Map.of("a", 0)));
        assertThrows(IllegalArgumentException.class, () -> HashRing.of(Map.of("a", 101)));
        assertThrows(IllegalArgumentException.class, () -> HashRing.of(""));
    }

    @Test
    void lookupDoesNotAllocate() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        HashRing ring = HashRing.of(edges(20).toArray(new String[0]));
        long sink = 0;
        for (int i = 0; i < KEYS; i++) { // warm up
            sink += ring.lookup(KEY_SET[i]).length();
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < KEYS; i++) {
            sink += ring.lookup(KEY_SET[i]).length();
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(sink > 0);
        assertTrue(allocated < 10_000, KEYS + " lookups allocated " + allocated + " bytes");
    }
}
