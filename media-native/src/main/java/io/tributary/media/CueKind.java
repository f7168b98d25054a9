package io.tributary.media;

/**
 * What a cue on the timeline says: a break starts ({@link #OUT}), the programme returns
 * ({@link #IN}), or a signal that is neither ({@link #CMD}: an SCTE-35 time_signal of a programme,
 * chapter or content-id segmentation, say) which players and ad systems may act on, carried
 * through as HLS {@code SCTE35-CMD} and never opening or closing a break.
 */
public enum CueKind {
    OUT, IN, CMD;

    public static CueKind of(boolean out) {
        return out ? OUT : IN;
    }
}
