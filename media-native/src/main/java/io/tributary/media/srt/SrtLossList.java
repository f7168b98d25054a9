package io.tributary.media.srt;

/**
 * A receiver's missing sequence numbers as sorted, disjoint ranges, kept up to date as packets
 * arrive: a gap appends a range, a retransmission or a late packet takes one number out, delivery
 * pops the front. The ACK point is the first range's start and the NAK report is the ranges
 * themselves, so neither walks the receive window. Every number lies within the window (less than
 * a quarter of the sequence space), so order is the offset from the front.
 */
final class SrtLossList {

    /** Ranges live in [lo, hi) of these arrays: popping the front is an index step, not a shift. */
    private int[] firsts = new int[8];
    private int[] lasts = new int[8];
    private int lo;
    private int hi;
    private int size;
    /** A window of n slots has at most (n + 1) / 2 disjoint gaps: the arrays never grow past that. */
    private final int maxRanges;

    SrtLossList(int windowCapacity) {
        this.maxRanges = windowCapacity / 2 + 1;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Sequence numbers missing. */
    int size() {
        return size;
    }

    int ranges() {
        return hi - lo;
    }

    int first(int range) {
        return firsts[lo + range];
    }

    int last(int range) {
        return lasts[lo + range];
    }

    /** The first missing number (the list must not be empty). */
    int first() {
        return firsts[lo];
    }

    /** Appends [first, last], which comes after every range held. */
    void append(int first, int last) {
        size += SrtSeq.offset(first, last) + 1;
        if (hi > lo && SrtSeq.next(lasts[hi - 1]) == first) {
            lasts[hi - 1] = last;
            return;
        }
        room();
        firsts[hi] = first;
        lasts[hi] = last;
        hi++;
    }

    /** Removes the first missing number, which delivery has just given up (none: a window just released, nothing to do). */
    void popFront() {
        if (size == 0) {
            return;
        }
        size--;
        if (firsts[lo] == lasts[lo]) {
            lo++;
            if (lo == hi) {
                lo = hi = 0;
            }
        } else {
            firsts[lo] = SrtSeq.next(firsts[lo]);
        }
    }

    /** Takes {@code seq} out (it arrived); false when it was not missing. */
    boolean remove(int seq) {
        int i = find(seq);
        if (i < 0) {
            return false;
        }
        size--;
        int f = firsts[i];
        int l = lasts[i];
        if (f == l) {
            delete(i);
        } else if (seq == f) {
            firsts[i] = SrtSeq.next(f);
        } else if (seq == l) {
            lasts[i] = SrtSeq.add(l, -1);
        } else {
            // split: [f, seq - 1] and [seq + 1, l]
            i = insert(i + 1, SrtSeq.next(seq), l) - 1;
            lasts[i] = SrtSeq.add(seq, -1);
        }
        return true;
    }

    /** Takes every missing number in [first, last] out; gives how many there were. */
    int removeRange(int first, int last) {
        int removed = 0;
        for (int i = lo; i < hi; ) {
            int f = firsts[i];
            int l = lasts[i];
            if (SrtSeq.offset(l, first) > 0) {
                i++; // wholly before
                continue;
            }
            if (SrtSeq.offset(last, f) > 0) {
                break; // wholly after, and so is every later range
            }
            int from = SrtSeq.offset(f, first) > 0 ? first : f;
            int to = SrtSeq.offset(last, l) > 0 ? last : l;
            removed += SrtSeq.offset(from, to) + 1;
            boolean keepsHead = from != f;
            boolean keepsTail = to != l;
            if (keepsHead && keepsTail) {
                i = insert(i + 1, SrtSeq.next(to), l) - 1;
                lasts[i] = SrtSeq.add(from, -1);
                i += 2;
            } else if (keepsHead) {
                lasts[i] = SrtSeq.add(from, -1);
                i++;
            } else if (keepsTail) {
                firsts[i] = SrtSeq.next(to);
                i++;
            } else {
                i = delete(i);
            }
        }
        size -= removed;
        return removed;
    }

    void clear() {
        lo = hi = size = 0;
    }

    /** Index of the range holding {@code seq}, or -1: a binary search on offsets from the front. */
    private int find(int seq) {
        if (lo == hi) {
            return -1;
        }
        int base = firsts[lo];
        int d = SrtSeq.offset(base, seq);
        if (d < 0) {
            return -1;
        }
        int a = lo;
        int b = hi - 1;
        while (a <= b) {
            int m = (a + b) >>> 1;
            if (SrtSeq.offset(base, lasts[m]) < d) {
                a = m + 1;
            } else if (SrtSeq.offset(base, firsts[m]) > d) {
                b = m - 1;
            } else {
                return m;
            }
        }
        return -1;
    }

    /** Deletes range {@code i}; gives the index of the range that followed it. */
    private int delete(int i) {
        if (i == lo) {
            lo++;
            i = lo;
        } else {
            System.arraycopy(firsts, i + 1, firsts, i, hi - i - 1);
            System.arraycopy(lasts, i + 1, lasts, i, hi - i - 1);
            hi--;
        }
        if (lo == hi) {
            lo = hi = 0;
            return 0;
        }
        return i;
    }

    /** Inserts a range at index {@code i}; gives its index afterwards (the ranges may have slid to the start). */
    private int insert(int i, int first, int last) {
        i -= room();
        System.arraycopy(firsts, i, firsts, i + 1, hi - i);
        System.arraycopy(lasts, i, lasts, i + 1, hi - i);
        firsts[i] = first;
        lasts[i] = last;
        hi++;
        return i;
    }

    /**
     * Makes index {@code hi} writable: slides the ranges to the start, or grows (never past maxRanges). Gives how far
     * the ranges' indices moved down.
     */
    private int room() {
        if (hi < firsts.length) {
            return 0;
        }
        int shift = lo;
        int n = hi - lo;
        if (lo > 0 && n < firsts.length / 2) {
            System.arraycopy(firsts, lo, firsts, 0, n);
            System.arraycopy(lasts, lo, lasts, 0, n);
        } else {
            int capacity = Math.max(Math.min(firsts.length * 2, maxRanges), n + 1);
            int[] f = new int[capacity];
            int[] l = new int[capacity];
            System.arraycopy(firsts, lo, f, 0, n);
            System.arraycopy(lasts, lo, l, 0, n);
            firsts = f;
            lasts = l;
        }
        hi = n;
        lo = 0;
        return shift;
    }
}
