package io.tributary.media.rtmp;

/**
 * Extends 32-bit RTMP timestamps into a monotonic-ish long clock: each value is placed
 * at the signed 32-bit distance from the previous one, so wrap-around after ~49.7 days
 * keeps counting up while small backward steps (audio/video interleaving) stay small.
 */
final class TimestampExtender {
    private boolean started;
    private long last;

    long extend(long wire) {
        if (!started) {
            started = true;
            last = wire;
        } else {
            last += (int) (wire - (last & 0xFFFFFFFFL));
        }
        return last;
    }
}
