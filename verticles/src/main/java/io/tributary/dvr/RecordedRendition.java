package io.tributary.dvr;

/**
 * A rendition of a stream with recorded media in a window: what a multivariant playlist or an
 * MPD needs to name it. Codecs, size and bandwidth are the newest the recorder saw.
 *
 * @param bandwidth      peak bits per second over the segments recorded so far (a cheap upper figure)
 * @param audio          the audio rendition (width and height 0)
 * @param firstPdtMillis the start of the first segment in the window
 * @param lastPdtMillis  the end of the last segment in the window
 */
public record RecordedRendition(String stream, String rendition, String codecs, int width, int height,
                                long bandwidth, boolean audio, long firstPdtMillis, long lastPdtMillis) {
}
