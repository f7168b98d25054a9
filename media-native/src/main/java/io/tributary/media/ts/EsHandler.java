package io.tributary.media.ts;

import io.tributary.media.MediaEvent;

import java.util.List;

/** Turns the payload of one complete, undamaged PES into configs and samples. */
interface EsHandler {

    long NO_TIME = Long.MIN_VALUE;

    /**
     * @param pts unwrapped 90 kHz PTS, or {@link #NO_TIME}
     * @param dts unwrapped 90 kHz DTS (the PTS when the PES carries none), or {@link #NO_TIME}
     */
    void pes(long pts, long dts, byte[] b, int off, int len, List<MediaEvent> out);

    /** Input between the previous PES and the next was lost: forget anything carried across PES. */
    default void discontinuity() {
    }
}
