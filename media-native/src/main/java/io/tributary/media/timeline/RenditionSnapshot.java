package io.tributary.media.timeline;

import java.util.List;
import java.util.Map;

/**
 * An immutable view of one rendition's live timeline, published after every part.
 * Delivery threads render and serve from it without locks.
 *
 * @param listed    completed segments in the playlist window, oldest first
 * @param open      the segment being built (may have no parts yet), or null when ended/idle
 * @param retired   completed segments that left the window but are still fetchable
 * @param discontinuitySequence discontinuities that slid out of the window
 * @param inits     init segments by version
 * @param cues      ad-break cues placed on the listed and open segments, oldest first
 * @param partHoldBack seconds a low-latency player should stay behind the newest part (PART-HOLD-BACK)
 */
public record RenditionSnapshot(String name, long version, int targetDuration, double partTarget,
                                List<MediaSegment> listed, MediaSegment open, List<MediaSegment> retired,
                                long discontinuitySequence, Map<Integer, byte[]> inits, boolean ended,
                                List<PlaylistCue> cues, double partHoldBack) {

    /** The hold-back RFC 8216bis recommends: three part targets. */
    public static double defaultPartHoldBack(double partTarget) {
        return 3.0 * partTarget;
    }

    public RenditionSnapshot(String name, long version, int targetDuration, double partTarget,
                             List<MediaSegment> listed, MediaSegment open, List<MediaSegment> retired,
                             long discontinuitySequence, Map<Integer, byte[]> inits, boolean ended,
                             List<PlaylistCue> cues) {
        this(name, version, targetDuration, partTarget, listed, open, retired, discontinuitySequence, inits, ended,
                cues, defaultPartHoldBack(partTarget));
    }

    public RenditionSnapshot(String name, long version, int targetDuration, double partTarget,
                             List<MediaSegment> listed, MediaSegment open, List<MediaSegment> retired,
                             long discontinuitySequence, Map<Integer, byte[]> inits, boolean ended) {
        this(name, version, targetDuration, partTarget, listed, open, retired, discontinuitySequence, inits, ended,
                List.of());
    }

    public static RenditionSnapshot empty(String name, int targetDuration, double partTarget) {
        return empty(name, targetDuration, partTarget, defaultPartHoldBack(partTarget));
    }

    public static RenditionSnapshot empty(String name, int targetDuration, double partTarget, double partHoldBack) {
        return new RenditionSnapshot(name, 0, targetDuration, partTarget, List.of(), null, List.of(), 0, Map.of(), false,
                List.of(), partHoldBack);
    }

    /** Media sequence number of the first listed segment (or of the open one). */
    public long firstMsn() {
        if (!listed.isEmpty()) {
            return listed.get(0).msn();
        }
        return open != null ? open.msn() : 0;
    }

    /** The msn of the newest segment with content: the open one if it has parts. */
    public long lastMsn() {
        if (open != null && !open.parts().isEmpty()) {
            return open.msn();
        }
        return listed.isEmpty() ? -1 : listed.get(listed.size() - 1).msn();
    }

    /** Index of the newest part of {@link #lastMsn()}, or -1. */
    public int lastPart() {
        if (open != null && !open.parts().isEmpty()) {
            return open.parts().size() - 1;
        }
        return listed.isEmpty() ? -1 : listed.get(listed.size() - 1).parts().size() - 1;
    }

    public boolean hasMedia() {
        return !listed.isEmpty() || (open != null && !open.parts().isEmpty());
    }

    /** A segment by msn among listed, retired and (if complete) nothing else. */
    public MediaSegment segment(long msn) {
        for (MediaSegment s : listed) {
            if (s.msn() == msn) {
                return s;
            }
        }
        for (MediaSegment s : retired) {
            if (s.msn() == msn) {
                return s;
            }
        }
        return null;
    }

    /** A part by msn and index, including the parts of the open segment. */
    public MediaPart part(long msn, int index) {
        MediaSegment s = open != null && open.msn() == msn ? open : segment(msn);
        if (s == null || index < 0 || index >= s.parts().size()) {
            return null;
        }
        return s.parts().get(index);
    }

    /**
     * Whether a blocking playlist request ({@code _HLS_msn}, {@code _HLS_part}) can be
     * answered: the playlist holds segment {@code msn} complete, a later one, or
     * (with a part) at least {@code part + 1} parts of segment {@code msn}.
     */
    public boolean satisfies(long msn, int part) {
        if (ended) {
            return true;
        }
        if (!listed.isEmpty() && listed.get(listed.size() - 1).msn() >= msn) {
            return true;
        }
        if (open != null && open.msn() > msn) {
            return true;
        }
        return part >= 0 && open != null && open.msn() == msn && open.parts().size() > part;
    }

    /** Whether a part can still appear (the hint of a held preload request is not stale). */
    public boolean mayStillHave(long msn, int index) {
        if (ended) {
            return false;
        }
        if (open == null) {
            return true;
        }
        return msn > open.msn() || (msn == open.msn() && index >= open.parts().size());
    }

    /** The msn the playlist is "at" for the 400 rule: open segment's msn, else last listed + 1. */
    public long edgeMsn() {
        if (open != null) {
            return open.msn();
        }
        return listed.isEmpty() ? 0 : listed.get(listed.size() - 1).msn() + 1;
    }
}
