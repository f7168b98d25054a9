package io.tributary.media.timeline;

/**
 * An ad-break cue placed on a rendition's timeline: it starts (or ends) the break at part
 * {@code part} of segment {@code msn}, whose program date-time is {@code date}.
 *
 * @param rangeId   the EXT-X-DATERANGE ID, shared by an out and the in that closes it
 * @param out       true at a break's start, false at its end
 * @param rangeDate START-DATE of the range: {@code date} for an out, the date of its out for an in
 * @param duration  seconds: the planned duration of an out (0 = unknown), the actual one of an in
 *                  (0 when its out is unknown)
 * @param scte35    the splice_info_section the cue came in, or null
 */
public record PlaylistCue(String rangeId, boolean out, long msn, int part, long date, long rangeDate, double duration,
                          byte[] scte35) {
}
