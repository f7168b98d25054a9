package io.tributary.media.srt;

/** SRT packet sequence numbers: 31 bits, wrapping; comparisons are over the shorter arc. */
public final class SrtSeq {

    public static final int MAX = 0x7FFFFFFF;
    private static final int HALF = 0x40000000;

    private SrtSeq() {
    }

    public static int next(int seq) {
        return (seq + 1) & MAX;
    }

    public static int add(int seq, int n) {
        return (seq + n) & MAX;
    }

    /** Signed distance from {@code a} to {@code b}: positive when {@code b} comes after {@code a}. */
    public static int offset(int a, int b) {
        int d = (b - a) & MAX;
        return d >= HALF ? d - (MAX + 1) : d;
    }

    public static boolean after(int a, int b) {
        return offset(b, a) > 0;
    }
}
