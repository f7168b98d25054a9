package io.tributary.ssai;

import io.tributary.media.hls.PodHistory;
import io.vertx.core.Future;


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

    /** The player's CMCD-reported throughput at its last break (kbps, 0 unknown): what a decision asked ahead goes by. */
    volatile long throughputKbps;
    /** A decision asked ahead of a break not in the playlists yet (one at a time: a newer announcement replaces it). */
    private Ahead ahead;

    /**
     * A pod decided before its break was in the playlists.
     *
     * @param prefix the break's DATERANGE ID up to its date ({@code RenditionTimeline.rangeIdPrefix})
     * @param date   the start the announcement gave (ms)
     */
    record Ahead(String prefix, long date, Future<AdPod> decision) {

        /** A placed break this announcement was about: the same source id, landed on a part at or shortly after its date. */
        boolean matches(String breakId, long startDate) {
            return breakId.startsWith(prefix) && startDate >= date - EARLY_MS && startDate <= date + LATE_MS;
        }
    }

    /** How far before (clock rounding) and after (the next keyframe) its announced date a break may land. */
    static final long EARLY_MS = 2_000;
    static final long LATE_MS = 10_000;

    /** Whether the announced break has its decision asked already: ahead, or on demand as it came into view. */
    private boolean decidedFor(String prefix, long date) {
        if (ahead != null && ahead.prefix.equals(prefix) && ahead.date == date) {
            return true;
        }
        Ahead probe = new Ahead(prefix, date, null);
        for (SessionPod p : all()) {
            if (probe.matches(p.breakId, p.startDate)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Asks {@code ask} for the announced break and keeps it in the slot, unless its decision is asked
     * already; under the pods' lock, so a playlist asking on demand at the same time never asks twice.
     */
    synchronized Future<AdPod> askAhead(String prefix, long date, java.util.function.Supplier<Future<AdPod>> ask) {
        if (decidedFor(prefix, date)) {
            return null;
        }
        Future<AdPod> d = ask.get();
        ahead = new Ahead(prefix, date, d);
        return d;
    }

    /** The decision asked ahead for the placed break {@code breakId} at {@code startDate}, taken out of the slot; null when none. */
    synchronized Future<AdPod> takeAhead(String breakId, long startDate) {
        if (ahead == null || !ahead.matches(breakId, startDate)) {
            return null;
        }
        Future<AdPod> d = ahead.decision;
        ahead = null;
        return d;
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
