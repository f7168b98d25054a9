package io.tributary.media.ts;

/**
 * Unwraps 33-bit 90 kHz PTS/DTS values onto one continuous clock: each value is placed on the
 * 2^33 cycle nearest to the last one taken, so the ~26.5 h wrap (and audio/video values on both
 * sides of it) come out monotonic. Shared by every PID of a programme so all samples and cues
 * land on the same clock.
 */
final class PtsClock {

    static final long WRAP = 1L << 33;
    static final long MASK = WRAP - 1;

    private long ref = Long.MIN_VALUE;

    /** Unwraps and moves the reference (PES timestamps). */
    long take(long pts33) {
        long v = peek(pts33);
        ref = v;
        return v;
    }

    /** Unwraps without moving the reference (splice times, which may lie ahead). */
    long peek(long pts33) {
        pts33 &= MASK;
        if (ref == Long.MIN_VALUE) {
            return pts33;
        }
        long v = pts33 + Math.floorDiv(ref, WRAP) * WRAP;
        if (v - ref > WRAP / 2) {
            v -= WRAP;
        } else if (ref - v > WRAP / 2) {
            v += WRAP;
        }
        return v;
    }

    boolean started() {
        return ref != Long.MIN_VALUE;
    }

    long last() {
        return ref;
    }

    static long toMs(long ticks90k) {
        return Math.floorDiv(ticks90k, 90);
    }
}
