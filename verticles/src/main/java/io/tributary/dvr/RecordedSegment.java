package io.tributary.dvr;

/**
 * One recorded segment of a rendition, as the DVR index holds it.
 *
 * @param msn            the live media sequence number it had (restarts with a new live stream of the key)
 * @param pdtMillis      wall-clock milliseconds of its first sample (EXT-X-PROGRAM-DATE-TIME)
 * @param duration       seconds
 * @param size           bytes of the file
 * @param file           path relative to {@link DvrIndex#root()}
 * @param initVersion    the recorded init segment it needs ({@link DvrIndex#initFile}); counts up per rendition
 *                       whenever the codec configuration changed, across live streams and restarts
 * @param discontinuity  a publisher gap or reconnect lies before it
 * @param baseMediaTime  decode time of its first sample (tfdt) in {@code timescale}, or -1 when unknown
 * @param node           the id of the node whose disk holds the file
 */
public record RecordedSegment(String stream, String rendition, long msn, long pdtMillis, double duration,
                              long size, String file, int initVersion, boolean discontinuity,
                              long baseMediaTime, int timescale, String node) {

    /** Wall-clock milliseconds where it ends. */
    public long endMillis() {
        return pdtMillis + Math.round(duration * 1000);
    }
}
