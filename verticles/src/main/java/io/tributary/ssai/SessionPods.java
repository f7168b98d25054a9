package io.tributary.ssai;

import io.tributary.media.hls.PodHistory;

import java.util.List;
import java.util.function.Supplier;

/**
 * One viewing session of a stream and its pods, by break, oldest first; at most {@value #MAX_PODS}
 * (a {@link PodHistory}: a pod that goes leaves its numbering in the session's base).
 */
final class SessionPods {

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
    private final PodHistory<SessionPod> pods = new PodHistory<>(MAX_PODS, SessionPod::renditions, SessionPod::placed);

    SessionPods(String session, String stream, long now) {
        this(session, stream, now, Long.MIN_VALUE, 0);
    }

    SessionPods(String session, String stream, long now, long joinDate, long joinGraceMs) {
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

    SessionPod pod(String breakId, Supplier<SessionPod> create) {
        return pods.pod(breakId, create);
    }

    SessionPod find(String breakId) {
        return pods.find(breakId);
    }

    List<SessionPod> all() {
        return pods.all();
    }

    /** {session msns minus content msns, discontinuities} left by forgotten pods in {@code rendition}. */
    long[] base(String rendition) {
        return pods.base(rendition);
    }
}
