package io.tributary.media.transcode;

import java.util.ArrayDeque;

/**
 * Output bit rate over a sliding window of media time: the bytes of the samples whose
 * timestamps fall in the last {@code windowMillis}, over the time they cover (first to
 * last timestamp plus one mean frame interval). Media time, not wall time, so a burst
 * of frames caught up after a stall does not read as a spike. Thread-safe: written by
 * one rung thread, read by metrics scrapes.
 */
public final class BitrateWindow {

    private final long windowMillis;
    /** (timestamp ms, bytes) per sample, oldest first. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private long bytes;

    public BitrateWindow(long windowMillis) {
        if (windowMillis < 1) {
            throw new IllegalArgumentException("window must be >= 1 ms");
        }
        this.windowMillis = windowMillis;
    }

    public synchronized void add(long timestampMillis, int size) {
        if (!samples.isEmpty() && timestampMillis < samples.peekLast()[0]) {
            clear(); // timestamps went back (a new publisher session): start over
        }
        samples.addLast(new long[]{timestampMillis, size});
        bytes += size;
        while (timestampMillis - samples.peekFirst()[0] >= windowMillis) {
            bytes -= samples.removeFirst()[1];
        }
    }

    /** Bits per second over the window; 0 before two samples. */
    public synchronized double bitsPerSecond() {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        long span = samples.peekLast()[0] - samples.peekFirst()[0];
        if (span <= 0) {
            return 0;
        }
        double seconds = span * n / (double) (n - 1) / 1000.0; // add the last sample's own interval
        return bytes * 8.0 / seconds;
    }

    public synchronized void clear() {
        samples.clear();
        bytes = 0;
    }
}
