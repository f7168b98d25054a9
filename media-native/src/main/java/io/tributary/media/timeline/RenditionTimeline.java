package io.tributary.media.timeline;

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

    /**
     * @param windowSegments complete segments listed in the playlist
     * @param retainSegments segments kept fetchable after leaving the window
     */
    public RenditionTimeline(String name, int targetDuration, double partTarget, int windowSegments, int retainSegments) {
        this(name, targetDuration, partTarget, windowSegments, retainSegments, TimelineListener.NONE);
    }

    public RenditionTimeline(String name, int targetDuration, double partTarget, int windowSegments, int retainSegments,
                             TimelineListener listener) {
        this.name = name;
        this.listener = listener;
        this.targetDuration = targetDuration;
        this.partTarget = partTarget;
        this.windowSegments = windowSegments;
        this.retainSegments = retainSegments;
        this.snapshot = RenditionSnapshot.empty(name, targetDuration, partTarget);
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
        dropUnusedInits();
    }

    private void dropUnusedInits() {
        int oldest = retired.isEmpty() ? (listed.isEmpty() ? initVersion : listed.getFirst().initVersion())
                : retired.getFirst().initVersion();
        inits.keySet().removeIf(v -> v < oldest);
    }

    private void publish() {
        snapshot = new RenditionSnapshot(name, ++version, targetDuration, partTarget,
                new ArrayList<>(listed), open, new ArrayList<>(retired), discontinuitySequence,
                Map.copyOf(inits), ended);
        if (completed != null) {
            MediaSegment done = completed;
            completed = null;
            listener.segmentCompleted(this, done, inits.get(done.initVersion()));
        }
    }
}
