package io.tributary.media.ts;

import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;

import java.util.Arrays;
import java.util.List;

/** What the H.264 and H.265 streams share once a picture's NAL units are gathered. */
final class VideoAccessUnits {

    private VideoAccessUnits() {
    }

    /**
     * Emits the gathered picture as a sample, or counts why not: no time to place it, no
     * decoder config yet, or no keyframe yet to start from.
     *
     * @return whether the stream has started (its first keyframe went out)
     */
    static boolean emit(AccessUnitBuffer sample, long dts, long pts, boolean key, boolean haveConfig, boolean started,
                        TsDemuxer.Counters counters, List<MediaEvent> out) {
        if (sample.size() == 0) {
            return started;
        }
        if (dts == EsHandler.NO_TIME) {
            counters.droppedAccessUnits++; // a picture without a time cannot be placed
            return started;
        }
        if (!haveConfig || !(started || key)) {
            counters.waitingSamples++;
            return started;
        }
        counters.samples++;
        if (key) {
            counters.keyframeDelay = pts - dts;
        }
        out.add(new MediaEvent.Sample(new MediaSample(Track.VIDEO, PtsClock.toMs(dts),
                (int) (PtsClock.toMs(pts) - PtsClock.toMs(dts)), key, sample.toArray())));
        return true;
    }

    /** Adds a copy of the NAL unit unless an equal one is there, up to {@code max} of them. */
    static void addUnique(List<byte[]> sets, byte[] b, int off, int len, int max) {
        byte[] nal = Arrays.copyOfRange(b, off, off + len);
        for (byte[] s : sets) {
            if (Arrays.equals(s, nal)) {
                return;
            }
        }
        if (sets.size() < max) {
            sets.add(nal);
        }
    }
}
