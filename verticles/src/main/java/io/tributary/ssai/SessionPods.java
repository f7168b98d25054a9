package io.tributary.ssai;

import io.tributary.media.hls.PodHistory;


/**
 * One viewing session of a stream and its pods, by break, oldest first; at most {@value #MAX_PODS}
 * (a pod that goes leaves its numbering in the session's base).
 */
final class SessionPods extends PodHistory<SessionPod> {

    static final int MAX_PODS = 16;

    final String session;
    final String stream;
    volatile long lastSeen;
    /**
     * Wall-clock ms of the stream's live edge when the session first showed up with a break in view,
     * and how long after a break's start a session that was already watching still shows up (it sees
     * a new break at its next reload): a session first seen later than that joined the break late.
     */
    final long joinDate;
    final long joinGraceMs;

    SessionPods(String session, String stream, long now) {
        this(session, stream, now, Long.MIN_VALUE, 0);
    }

    SessionPods(String session, String stream, long now, long joinDate, long joinGraceMs) {
        super(MAX_PODS, SessionPod::renditions, SessionPod::placed);
        this.session = session;
        this.stream = stream;
        this.lastSeen = now;
        this.joinDate = joinDate;
        this.joinGraceMs = joinGraceMs;
    }

    /** How far into a break starting at {@code startDate} the session joined; 0 when it was watching at its start. */
    long joinedInto(long startDate) {
        if (joinDate == Long.MIN_VALUE) {
            return 0;
        }
        long late = joinDate - startDate;
        return late > joinGraceMs ? late : 0;
    }
}
