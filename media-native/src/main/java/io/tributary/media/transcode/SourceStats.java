package io.tributary.media.transcode;

/**
 * A snapshot of the decode side of a {@link LiveTranscoder}.
 *
 * @param samplesIn     samples passed to {@code offer}
 * @param samplesDropped samples {@code offer} refused because the decode queue was full (and the
 *                       following non-keyframes)
 * @param framesDecoded pictures the decoder produced
 * @param decodeErrors  samples the decoder rejected (corrupt data); decoding goes on
 * @param queueDepth    samples waiting for the decode thread now
 * @param frameRate     source frame rate from the median interval of recent decoded frames (0 until known)
 */
public record SourceStats(long samplesIn, long samplesDropped, long framesDecoded, long decodeErrors, int queueDepth,
        double frameRate) {
}
