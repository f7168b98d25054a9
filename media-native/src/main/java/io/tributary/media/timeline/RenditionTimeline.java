package io.tributary.media.timeline;

import io.tributary.media.CueKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The live timeline of one rendition: a sliding window of segments made of parts.
 * Single writer (the stream's publisher); every change publishes a new immutable
 * {@link RenditionSnapshot} through a volatile field, so readers never lock.
 */
public final class RenditionTimeline {

    private final String name;
    private final int windowSegments;
    private final int retainSegments;
    private final double partTarget;
    private final double partHoldBack;
    private final TimelineListener listener;
    private int targetDuration;

    private final ArrayDeque<MediaSegment> listed = new ArrayDeque<>();
    private final ArrayDeque<MediaSegment> retired = new ArrayDeque<>();
    private MediaSegment open;
    private long nextMsn;
    private long discontinuitySequence;
    private boolean discontinuityPending;
    private boolean ended;
    private final Map<Integer, byte[]> inits = new HashMap<>();
    private int initVersion = -1;
    private long version;

    private volatile RenditionSnapshot snapshot;

    /** Cues waiting for their media: at most {@value #MAX_PENDING_CUES}, the oldest give way. */
    static final int MAX_PENDING_CUES = 16;
    /** Placed cues kept while their segment is listed: at most {@value #MAX_CUES}. */
    static final int MAX_CUES = 64;
    /** A part starting this close after a cue's time still takes it (ms rounding of the two clocks). */
    static final long CUE_TOLERANCE_MS = 5;
    private record PendingCue(String id, CueKind kind, long date, double duration, byte[] scte35) {
    }
    private final ArrayDeque<PendingCue> pendingCues = new ArrayDeque<>();
    private final ArrayDeque<PlaylistCue> cues = new ArrayDeque<>();
    /** The open break (its out cue), which an in without an id, or with the same id, closes. */
    private PendingCue openBreak;
    private long openBreakDate;

    /**
     * @param windowSegments complete segments listed in the playlist
     * @param retainSegments segments kept fetchable after leaving the window
     */
    public RenditionTimeline(String name, int targetDuration, double partTarget, int windowSegments, int retainSegments) {
        this(name, targetDuration, partTarget, windowSegments, retainSegments, TimelineListener.NONE);
    }

    public RenditionTimeline(String name, int targetDuration, double partTarget, int windowSegments, int retainSegments,
                             TimelineListener listener) {
        this(name, targetDuration, partTarget, RenditionSnapshot.defaultPartHoldBack(partTarget), windowSegments,
                retainSegments, listener);
    }

    /** @param partHoldBack seconds, the PART-HOLD-BACK the playlists give (at least two part targets) */
    public RenditionTimeline(String name, int targetDuration, double partTarget, double partHoldBack, int windowSegments,
                             int retainSegments, TimelineListener listener) {
        if (partHoldBack < 2 * partTarget - 1e-9) {
            throw new IllegalArgumentException("PART-HOLD-BACK " + partHoldBack + " under twice the part target " + partTarget);
        }
        this.name = name;
        this.partHoldBack = partHoldBack;
        this.listener = listener;
        this.targetDuration = targetDuration;
        this.partTarget = partTarget;
        this.windowSegments = windowSegments;
        this.retainSegments = retainSegments;
        this.snapshot = RenditionSnapshot.empty(name, targetDuration, partTarget, partHoldBack);
    }

    public String name() {
        return name;
    }

    public RenditionSnapshot snapshot() {
        return snapshot;
    }

    /** Sets the init segment for the segments that follow; a changed init gets a new version. */
    public void init(byte[] init) {
        if (initVersion >= 0 && Arrays.equals(inits.get(initVersion), init)) {
            return;
        }
        initVersion++;
        inits.put(initVersion, init);
        // keep only versions still referenced (plus the new one)
        publish();
    }

    /** The next segment starts after a discontinuity (publisher reconnected). */
    public void discontinuity() {
        discontinuityPending = true;
    }

    /**
     * An ad-break cue at wall-clock time {@code date} (the program date-time clock of the
     * segments). It is placed on the first independent part (one starting with a keyframe) that
     * starts at or after that time, once that part is published; until then it waits (a cue
     * announced ahead of its splice point).
     *
     * @param id     the source's id of the break (splice_event_id, an onCuePoint name), or null
     * @param scte35 the splice_info_section it came in, or null
     */
    public void cue(String id, boolean out, long date, double durationSeconds, byte[] scte35) {
        cue(id, CueKind.of(out), date, durationSeconds, scte35);
    }

    /** The same for any kind of cue: a {@link CueKind#CMD} is placed like the others and touches no break. */
    public void cue(String id, CueKind kind, long date, double durationSeconds, byte[] scte35) {
        if (pendingCues.size() == MAX_PENDING_CUES) {
            pendingCues.removeFirst();
        }
        pendingCues.addLast(new PendingCue(id, kind, date, Math.max(0, durationSeconds), scte35));
        // only parts published from now on can take it: never one players may already have passed
        MediaSegment newest = open != null && !open.parts().isEmpty() ? open : listed.peekLast();
        if (newest != null && !newest.parts().isEmpty()) {
            MediaPart last = newest.parts().get(newest.parts().size() - 1);
            if (last.msn() > cueMsn || (last.msn() == cueMsn && last.index() > cuePart)) {
                cueMsn = last.msn();
                cuePart = last.index();
            }
        }
    }

    /** The newest part cues were matched against: each part is offered the waiting cues once, when it appears. */
    private long cueMsn = -1;
    private int cuePart = -1;

    /** Offers the waiting cues to the parts of {@code seg} not offered before (whatever added them). */
    private void placeCuesOnNewParts(MediaSegment seg) {
        long date = seg.programDateTime();
        double elapsed = 0;
        for (MediaPart p : seg.parts()) {
            long start = date + Math.round(elapsed * 1000);
            elapsed += p.duration();
            if (p.msn() < cueMsn || (p.msn() == cueMsn && p.index() <= cuePart)) {
                continue;
            }
            cueMsn = p.msn();
            cuePart = p.index();
            if (p.independent()) {
                placeCues(p, start); // a break starts (and ends) on a picture that decodes on its own
            }
        }
    }

    /** Places the waiting cues whose time has come on {@code part} (starting at {@code partDate}). */
    private void placeCues(MediaPart part, long partDate) {
        if (pendingCues.isEmpty()) {
            return;
        }
        var it = pendingCues.iterator();
        while (it.hasNext()) {
            PendingCue c = it.next();
            if (c.date() > partDate + CUE_TOLERANCE_MS) {
                continue;
            }
            it.remove();
            PlaylistCue placed;
            if (c.kind() == CueKind.CMD) {
                placed = new PlaylistCue(rangeId(c.id(), partDate), CueKind.CMD, part.msn(), part.index(), partDate,
                        partDate, 0, c.scte35());
            } else if (c.kind() == CueKind.OUT) {
                openBreak = c;
                openBreakDate = partDate;
                placed = new PlaylistCue(rangeId(c.id(), partDate), CueKind.OUT, part.msn(), part.index(), partDate, partDate,
                        c.duration(), c.scte35());
            } else if (openBreak != null && (c.id() == null || c.id().equals(openBreak.id()))) {
                placed = new PlaylistCue(rangeId(openBreak.id(), openBreakDate), CueKind.IN, part.msn(), part.index(),
                        partDate, openBreakDate, Math.max(0, partDate - openBreakDate) / 1000.0, c.scte35());
                openBreak = null;
            } else {
                placed = new PlaylistCue(rangeId(c.id(), partDate), CueKind.IN, part.msn(), part.index(), partDate,
                        partDate, 0, c.scte35());
            }
            if (cues.size() == MAX_CUES) {
                cues.removeFirst();
            }
            cues.addLast(placed);
        }
    }

    /** A DATERANGE ID unique per break: sources reuse splice_event_ids, START-DATE tells breaks apart. */
    public static String rangeId(String id, long date) {
        return rangeIdPrefix(id) + date;
    }

    /** What every {@link #rangeId} of the source's break id {@code id} starts with (the date follows). */
    public static String rangeIdPrefix(String id) {
        String base = id == null || id.isEmpty() ? "break" : id;
        StringBuilder b = new StringBuilder(Math.min(base.length(), 64) + 1);
        for (int i = 0; i < base.length() && i < 64; i++) {
            char ch = base.charAt(i);
            b.append(Character.isLetterOrDigit(ch) && ch < 128 || ch == '-' || ch == '_' || ch == '.' ? ch : '_');
        }
        return b.append('-').toString();
    }

    /** Opens segment {@code nextMsn}, closing the open one first; its start time is unknown. */
    public void startSegment(long programDateTime) {
        startSegment(programDateTime, -1);
    }

    /**
     * Opens segment {@code nextMsn}, closing the open one first.
     *
     * @param startTime decode time of its first sample in the track timescale (-1: unknown)
     */
    public void startSegment(long programDateTime, long startTime) {
        closeOpen();
        ended = false;
        open = new MediaSegment(nextMsn++, programDateTime, discontinuityPending, initVersion, List.of(), false, startTime);
        discontinuityPending = false;
        publish();
    }

    public void addPart(double duration, boolean independent, byte[] fragment) {
        if (open == null) {
            throw new IllegalStateException("no open segment in " + name);
        }
        MediaPart part = MediaPart.of(open.msn(), open.parts().size(), duration, independent, fragment);
        open = open.withPart(part);
        publish();
        listener.partPublished(this, open, part);
    }

    /**
     * Adds the open segment's last part, completes the segment and opens the next one, all in one
     * published snapshot. Published apart, a reader between the two would see the finished
     * segment still open and a preload hint for a part that never comes (LL-HLS players that
     * follow it get a 404; Shaka stops on it); together, the hint goes straight to the next
     * segment's first part.
     *
     * @param nextProgramDateTime wall-clock ms of the next segment's first sample
     * @param nextStartTime       decode time of the next segment's first sample (-1: unknown)
     */
    public void addLastPart(double duration, boolean independent, byte[] fragment, long nextProgramDateTime,
                            long nextStartTime) {
        if (open == null) {
            throw new IllegalStateException("no open segment in " + name);
        }
        MediaPart part = MediaPart.of(open.msn(), open.parts().size(), duration, independent, fragment);
        MediaSegment withLast = open.withPart(part);
        open = withLast;
        closeOpen();
        ended = false;
        open = new MediaSegment(nextMsn++, nextProgramDateTime, discontinuityPending, initVersion, List.of(), false,
                nextStartTime);
        discontinuityPending = false;
        publish();
        listener.partPublished(this, withLast, part);
    }

    /** Closes the open segment without starting another (publisher gone). */
    public void closeSegment() {
        closeOpen();
        publish();
    }

    /** The stream is over: the playlist gets EXT-X-ENDLIST. */
    public void end() {
        closeOpen();
        ended = true;
        publish();
    }

    /** Completed by closeOpen(), announced once the snapshot that lists it is published. */
    private MediaSegment completed;

    private void closeOpen() {
        if (open == null) {
            return;
        }
        MediaSegment done = open.completed();
        open = null;
        if (done.parts().isEmpty()) {
            nextMsn = done.msn(); // nothing was written: reuse the number
            discontinuityPending |= done.discontinuity();
            return;
        }
        int rounded = (int) Math.round(done.duration());
        if (rounded > targetDuration) {
            // a source GOP longer than the target makes a longer segment
            targetDuration = rounded;
        }
        listed.addLast(done);
        completed = done;
        while (listed.size() > windowSegments) {
            MediaSegment out = listed.removeFirst();
            if (out.discontinuity()) {
                discontinuitySequence++;
            }
            retired.addLast(out);
        }
        while (retired.size() > retainSegments) {
            retired.removeFirst();
        }
        long firstListed = listed.getFirst().msn();
        while (!cues.isEmpty() && cues.getFirst().msn() < firstListed) {
            cues.removeFirst(); // its segment left the playlist
        }
        dropUnusedInits();
    }

    private void dropUnusedInits() {
        int oldest = retired.isEmpty() ? (listed.isEmpty() ? initVersion : listed.getFirst().initVersion())
                : retired.getFirst().initVersion();
        inits.keySet().removeIf(v -> v < oldest);
    }

    private void publish() {
        if (!pendingCues.isEmpty()) {
            if (completed != null) {
                placeCuesOnNewParts(completed);
            }
            if (open != null) {
                placeCuesOnNewParts(open);
            }
        }
        snapshot = new RenditionSnapshot(name, ++version, targetDuration, partTarget,
                new ArrayList<>(listed), open, new ArrayList<>(retired), discontinuitySequence,
                Map.copyOf(inits), ended, List.copyOf(cues), partHoldBack);
        if (completed != null) {
            MediaSegment done = completed;
            completed = null;
            listener.segmentCompleted(this, done, inits.get(done.initVersion()));
        }
    }
}
