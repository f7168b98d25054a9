package io.tributary.ssai;

import io.tributary.media.hls.PodPlacement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One viewing session's pods, by break, oldest first; at most {@value #MAX_PODS}. A pod that goes
 * leaves its numbering behind: how many segments and discontinuities it added to each rendition is
 * folded into the session's base, so the session's sequence numbers never step back.
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
    private final LinkedHashMap<String, SessionPod> pods = new LinkedHashMap<>();
    private final Map<String, long[]> base = new HashMap<>();

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

    synchronized SessionPod pod(String breakId, Supplier<SessionPod> create) {
        SessionPod p = pods.get(breakId);
        if (p == null) {
            p = create.get();
            pods.put(breakId, p);
            if (pods.size() > MAX_PODS) {
                forget(pods.values().iterator().next());
            }
        }
        return p;
    }

    synchronized SessionPod find(String breakId) {
        return pods.get(breakId);
    }

    synchronized List<SessionPod> all() {
        return new ArrayList<>(pods.values());
    }

    /** {session msns minus content msns, discontinuities} left by forgotten pods in {@code rendition}. */
    synchronized long[] base(String rendition) {
        long[] b = base.get(rendition);
        return b == null ? new long[2] : b.clone();
    }

    private void forget(SessionPod p) {
        pods.remove(p.breakId);
        for (String rendition : p.renditions()) {
            for (PodPlacement placed : p.placements(rendition)) {
                if (!placed.settled() || placed.missed()) {
                    continue;
                }
                long[] b = base.computeIfAbsent(rendition, r -> new long[2]);
                b[0] += placed.adSegments() - (placed.resumeMsn() - placed.firstMsn());
                // every tag it added has left the window by now; the content tags it hid are counted by the content
                b[1] += placed.ads().size() + (placed.resumeDiscontinuity() ? 0 : 1) - placed.removedDiscontinuityCount();
            }
        }
    }
}
