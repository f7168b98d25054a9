package io.tributary.ssai;

import io.tributary.live.TimelineEvent;
import io.tributary.media.timeline.RenditionTimeline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Ad decisions asked before a break starts ({@link TimelineEvent.BreakAhead}: a FAST schedule's next
 * break, an SCTE-35 splice with its pre-roll, an operator's break) for the sessions watching its
 * stream, so a session's first playlist with the break in view finds its pod decided instead of
 * waiting for it. The asks are spread evenly over the lead time, ending one {@code ssai.decision-wait}
 * before the start (the last one is back in time), at most {@value #MAX_IN_FLIGHT} at once on the node.
 * Each session holds one such decision ({@link SessionPods#askAhead}); a session that shows up later,
 * or is not reached in time, is asked on demand as before, and a session is never asked twice for a break.
 * Runs on the SSAI module's context only.
 */
final class DecisionsAhead {

    static final int MAX_IN_FLIGHT = 64;
    /** Breaks being worked on at once (the oldest plan goes for a newer one). */
    static final int MAX_PLANS = 8;
    /** A session not seen for this long is not watching any more: no decision for it. */
    static final long ACTIVE_MS = 15_000;
    /** The asks end this long (plus {@code ssai.decision-wait}) before the break's start. */
    static final long MARGIN_MS = 500;
    static final long TICK_MS = 50;

    private final Vertx vertx;
    private final SessionPlaylists playlists;
    private final ArrayDeque<Plan> plans = new ArrayDeque<>();
    private int inFlight;
    private boolean pumping;
    private boolean timerSet;

    /** One announced break: the sessions to ask, in order, the i-th due at {@link #due}. */
    private static final class Plan {
        final String stream;
        final String prefix;
        final String breakId;
        final long date;
        final long breakMs;
        final long from;
        final long spreadMs;
        final List<SessionPods> sessions;
        int next;

        Plan(TimelineEvent.BreakAhead b, List<SessionPods> sessions, long from, long spreadMs) {
            this.stream = b.stream();
            this.prefix = RenditionTimeline.rangeIdPrefix(b.id());
            this.breakId = RenditionTimeline.rangeId(b.id(), b.date()); // the cue's ID when it lands on its date
            this.date = b.date();
            this.breakMs = Math.round(b.durationSeconds() * 1000);
            this.from = from;
            this.spreadMs = spreadMs;
            this.sessions = sessions;
        }

        long due(int i) {
            return from + spreadMs * i / sessions.size();
        }
    }

    DecisionsAhead(Vertx vertx, SessionPlaylists playlists) {
        this.vertx = vertx;
        this.playlists = playlists;
    }

    void on(TimelineEvent event) {
        if (event instanceof TimelineEvent.StreamRemoved r) {
            plans.removeIf(p -> p.stream.equals(r.stream()));
            return;
        }
        if (!(event instanceof TimelineEvent.BreakAhead b) || !playlists.fills(b.stream())) {
            return;
        }
        String prefix = RenditionTimeline.rangeIdPrefix(b.id());
        for (Plan p : plans) {
            if (p.stream.equals(b.stream()) && p.prefix.equals(prefix) && p.date == b.date()) {
                return; // told again (a FAST break at its cue): already being asked
            }
        }
        long now = System.currentTimeMillis();
        List<SessionPods> sessions = playlists.watching(b.stream());
        sessions.removeIf(s -> now - s.lastSeen > ACTIVE_MS);
        if (sessions.isEmpty()) {
            return;
        }
        long spread = Math.max(0, b.date() - now - playlists.settings().decisionWait().toMillis() - MARGIN_MS);
        if (plans.size() == MAX_PLANS) {
            plans.removeFirst();
        }
        plans.addLast(new Plan(b, sessions, now, spread));
        pump();
    }

    /** Asks what is due, up to the in-flight bound; again at the next tick or when a decision comes back. */
    private void pump() {
        if (pumping) {
            return; // a decision that failed at once: the loop below goes on
        }
        pumping = true;
        try {
            long now = System.currentTimeMillis();
            while (inFlight < MAX_IN_FLIGHT && !plans.isEmpty()) {
                Plan p = plans.peekFirst();
                if (p.next >= p.sessions.size() || now > p.date + p.breakMs) {
                    plans.removeFirst(); // all asked, or the break is over
                    continue;
                }
                if (p.due(p.next) > now) {
                    break;
                }
                SessionPods s = p.sessions.get(p.next);
                p.sessions.set(p.next++, null); // asked: the plan holds no session longer than it needs to
                if (playlists.session(s.session) != s) {
                    continue; // forgotten meanwhile
                }
                Future<AdPod> d = s.askAhead(p.prefix, p.date,
                        () -> playlists.decide(s.session, p.stream, p.breakId, p.breakMs, s.throughputKbps));
                if (d != null) {
                    inFlight++;
                    d.onComplete(ar -> {
                        inFlight--;
                        pump();
                    });
                }
            }
        } finally {
            pumping = false;
        }
        if (!plans.isEmpty() && !timerSet && inFlight < MAX_IN_FLIGHT) {
            timerSet = true;
            vertx.setTimer(TICK_MS, t -> {
                timerSet = false;
                pump();
            });
        }
    }
}
