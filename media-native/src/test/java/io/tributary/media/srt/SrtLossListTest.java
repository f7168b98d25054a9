package io.tributary.media.srt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss list against a plain set of missing numbers, through random arrivals, drops and deliveries across the 31-bit wrap. */
class SrtLossListTest {

    @Test
    void rangesSplitMergeAndPop() {
        SrtLossList l = new SrtLossList(64);
        l.append(10, 14);
        l.append(15, 15); // adjacent: one range
        assertEquals(1, l.ranges());
        assertEquals(6, l.size());
        assertTrue(l.remove(12)); // split
        assertEquals(2, l.ranges());
        assertEquals(List.of(10, 11, 13, 15), ranges(l));
        assertFalse(l.remove(12), "not missing any more");
        assertFalse(l.remove(9));
        l.popFront();
        assertEquals(11, l.first());
        assertEquals(3, l.removeRange(11, 14)); // 11, 13, 14
        assertEquals(List.of(15, 15), ranges(l));
        l.popFront();
        assertTrue(l.isEmpty());
    }

    @Test
    void matchesASetOfMissingNumbersAcrossTheWrap() {
        Random r = new Random(11);
        for (int round = 0; round < 200; round++) {
            int capacity = 32 + r.nextInt(400);
            SrtLossList l = new SrtLossList(capacity);
            TreeSet<Long> model = new TreeSet<>(); // offsets from the start, never wrapping
            int start = SrtSeq.MAX - r.nextInt(1000); // crosses 2^31 - 1 -> 0 in most rounds
            long head = 0;
            long next = 0;
            for (int step = 0; step < 3000; step++) {
                int op = r.nextInt(10);
                if (op < 4 && next - head < capacity - 1) {
                    // an arrival beyond the end, after a gap of 0..3
                    long gap = Math.min(r.nextInt(4), capacity - 1 - (next - head) - 1);
                    if (gap > 0) {
                        l.append(seq(start, next), seq(start, next + gap - 1));
                        for (long s = next; s < next + gap; s++) {
                            model.add(s);
                        }
                    }
                    next += gap + 1;
                } else if (op < 7 && !model.isEmpty()) {
                    // a retransmission or a duplicate, anywhere in [head, next)
                    long s = head + (next > head ? r.nextInt((int) (next - head)) : 0);
                    assertEquals(model.remove(s), l.remove(seq(start, s)));
                } else if (op < 8 && next > head) {
                    long a = head + r.nextInt((int) (next - head));
                    long b = Math.min(next - 1, a + r.nextInt(8));
                    int expected = model.subSet(a, true, b, true).size();
                    model.subSet(a, true, b, true).clear();
                    assertEquals(expected, l.removeRange(seq(start, a), seq(start, b)));
                } else if (next > head) {
                    // delivery moves the head
                    if (!model.isEmpty() && model.first() == head) {
                        l.popFront();
                        model.pollFirst();
                    }
                    head++;
                }
                assertEquals(model.size(), l.size());
                assertEquals(model.isEmpty(), l.isEmpty());
                assertEquals(expectedRanges(model, start), ranges(l), "round " + round + " step " + step);
                assertTrue(l.ranges() <= capacity / 2 + 1);
            }
        }
    }

    private static int seq(int start, long offset) {
        return SrtSeq.add(start, (int) offset);
    }

    private static List<Integer> ranges(SrtLossList l) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < l.ranges(); i++) {
            out.add(l.first(i));
            out.add(l.last(i));
        }
        return out;
    }

    private static List<Integer> expectedRanges(TreeSet<Long> model, int start) {
        List<Integer> out = new ArrayList<>();
        Long first = null;
        Long prev = null;
        for (long s : model) {
            if (prev == null || s != prev + 1) {
                if (first != null) {
                    out.add(seq(start, first));
                    out.add(seq(start, prev));
                }
                first = s;
            }
            prev = s;
        }
        if (first != null) {
            out.add(seq(start, first));
            out.add(seq(start, prev));
        }
        return out;
    }
}
