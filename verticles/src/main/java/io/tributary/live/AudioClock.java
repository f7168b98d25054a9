package io.tributary.live;

/**
 * Maps millisecond audio timestamps onto exact AAC frame steps (1024 samples) in the
 * sample-rate timescale. RTMP's ms clock jitters by one ms per frame; players want
 * gapless audio, so we follow the frame cadence and resync only on a real jump.
 */
final class AudioClock {

    static final int SAMPLES_PER_FRAME = 1024;

    private final int sampleRate;
    private long next = Long.MIN_VALUE;

    AudioClock(int sampleRate) {
        this.sampleRate = sampleRate;
    }

    long map(long millis) {
        long measured = Math.round(millis * (double) sampleRate / 1000.0);
        long ts = next != Long.MIN_VALUE && Math.abs(measured - next) <= 2L * SAMPLES_PER_FRAME ? next : measured;
        next = ts + SAMPLES_PER_FRAME;
        return ts;
    }

    long toTimescale(long millis) {
        return Math.round(millis * (double) sampleRate / 1000.0);
    }

    void reset() {
        next = Long.MIN_VALUE;
    }
}
