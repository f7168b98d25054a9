package io.tributary.media.timeline;

import io.tributary.media.CueKind;

/**
 * An ad-break cue (or an SCTE-35 command that is neither start nor end of a break) placed on a rendition's timeline: it starts (or ends) the break at part
 * {@code part} of segment {@code msn}, whose program date-time is {@code date}.
 *
 * @param rangeId   the EXT-X-DATERANGE ID, shared by an out and the in that closes it
 * @param kind      a break's start, its end, or a command
 * @param rangeDate START-DATE of the range: {@code date} for an out, the date of its out for an in
 * @param duration  seconds: the planned duration of an out (0 = unknown), the actual one of an in
 *                  (0 when its out is unknown)
 * @param scte35    the splice_info_section the cue came in, or null
 */
public record PlaylistCue(String rangeId, CueKind kind, long msn, int part, long date, long rangeDate, double duration,
                          byte[] scte35) {

    public boolean out() {
        return kind == CueKind.OUT;
    }
}
