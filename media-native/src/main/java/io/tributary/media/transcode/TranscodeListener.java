package io.tributary.media.transcode;

import io.tributary.media.MediaSample;

/**
 * Receives a {@link LiveTranscoder}'s output. All calls for one rung come from that rung's own
 * encoder thread, in order; calls for different rungs come concurrently from different threads.
 * Implementations must be quick (hand the data on): a slow listener slows its rung, which then
 * drops frames like a slow encoder would.
 */
public interface TranscodeListener {

    /**
     * The rung's AVCDecoderConfigurationRecord (4-byte NAL lengths), once, before its first sample.
     */
    void onConfig(String rung, byte[] avcDecoderConfigurationRecord);

    /**
     * One encoded access unit: AVCC (4-byte length-prefixed) NAL units, timestamps in ms on the
     * source's timeline, {@code keyframe} true exactly for IDR pictures.
     */
    void onSample(String rung, MediaSample sample);

    /**
     * {@code frames} source frames will not appear in this rung (it fell behind, or the source queue
     * overflowed); the rung's next sample is an IDR. Reported before that next sample.
     */
    void onDropped(String rung, int frames);

    /**
     * A rung ({@code rung} non-null) or the whole transcoder ({@code rung} null) stopped because of
     * a failure. A failed rung produces nothing further; other rungs go on.
     */
    default void onError(String rung, TranscodeException error) {
    }
}
