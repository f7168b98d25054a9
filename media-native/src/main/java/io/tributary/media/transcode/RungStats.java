package io.tributary.media.transcode;

/**
 * A snapshot of one encoded rung's counters.
 *
 * @param framesIn        decoded frames presented to this rung
 * @param framesOut       encoded samples delivered to the listener
 * @param dropped         source frames missing from this rung: frames it skipped or discarded from
 *                        its backlog, plus samples dropped at ingest (which never reached the decoder);
 *                        once drained, framesOut + dropped = framesIn + ingest drops
 * @param queueDepth      frames waiting for this rung's encoder now
 * @param busyNanos       wall time the rung's thread spent scaling, encoding and delivering
 * @param sourceFrameRate the source frame rate measured by the decoder (0 until known), see {@link SourceStats}
 * @param failed          the rung stopped on an error
 * @param outputBitrate   encoded bits per second over the last few seconds of media time (0 before
 *                        two samples), see {@link BitrateWindow}
 */
public record RungStats(String rung, long framesIn, long framesOut, long dropped, int queueDepth, long busyNanos,
        double sourceFrameRate, boolean failed, double outputBitrate) {

    /** Frames encoded per second of the rung thread's busy time. */
    public double encodeFps() {
        return busyNanos == 0 ? 0 : framesOut * 1e9 / busyNanos;
    }

    /**
     * Encode speed over source frame rate: above 1 the rung keeps up with a live source (under
     * whatever CPU contention there was while it ran).
     */
    public double realtimeFactor() {
        return sourceFrameRate <= 0 ? 0 : encodeFps() / sourceFrameRate;
    }
}
