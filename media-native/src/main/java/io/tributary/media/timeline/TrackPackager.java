package io.tributary.media.timeline;

import io.tributary.media.cmaf.CmafFragment;
import io.tributary.media.cmaf.CmafSample;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts one track's samples into LL-HLS parts and segments and writes them as CMAF
 * fragments into a {@link RenditionTimeline}. Times are in the track timescale.
 *
 * <p>A sample's duration is only known when the next one arrives, so the packager
 * holds one sample back; a part is therefore published when the first sample of
 * the next part arrives. Segments start on keyframes once the target duration is
 * reached (video), or where the video cut (audio that follows video).
 */
public final class TrackPackager {

    private static final int TRACK_ID = 1;

    private final RenditionTimeline timeline;
    private final int timescale;
    private final long partTarget;
    private final long segmentTarget;
    private final boolean cutsOnKeyframes;

    private final List<CmafSample> partSamples = new ArrayList<>();
    private final ArrayDeque<Long> requestedCuts = new ArrayDeque<>();
    /** Splice points (ad cues) of a keyframe-cut track: the first keyframe at or after each starts a segment. */
    private final ArrayDeque<Long> spliceCuts = new ArrayDeque<>();
    private static final int MAX_SPLICE_CUTS = 16;
    /** Set once a leader asked for a cut: from then on only the leader's cuts count. */
    private boolean led;
    private boolean partIndependent;
    private long partStart = -1;
    private long segmentStart = -1;
    private long partBaseTime;

    private boolean havePending;
    private long pendingDts;
    private int pendingCts;
    private boolean pendingSync;
    private byte[] pendingData;
    private long lastDelta;
    private int sequence = 1;
    private long samplesIn;

    /**
     * @param cutsOnKeyframes true for video (segments start on keyframes at the target);
     *                        false for a track that follows {@link #requestCut} (audio)
     */
    public TrackPackager(RenditionTimeline timeline, int timescale, double partTargetSeconds,
                         double segmentTargetSeconds, boolean cutsOnKeyframes) {
        this.timeline = timeline;
        this.timescale = timescale;
        this.partTarget = Math.round(partTargetSeconds * timescale);
        this.segmentTarget = Math.round(segmentTargetSeconds * timescale);
        this.cutsOnKeyframes = cutsOnKeyframes;
        this.lastDelta = timescale / 30;
    }

    public RenditionTimeline timeline() {
        return timeline;
    }

    public int timescale() {
        return timescale;
    }

    public long samplesIn() {
        return samplesIn;
    }

    /**
     * An ad splice at {@code atTime} (decode time, track timescale): a keyframe-cut track starts a
     * segment at the first keyframe at or after it, however short the segment before, so the
     * break starts on a segment boundary for every kind of player. Bounded; the oldest give way.
     */
    public void requestSplice(long atTime) {
        if (!cutsOnKeyframes) {
            return; // a following track cuts where its leader does
        }
        if (spliceCuts.size() == MAX_SPLICE_CUTS) {
            spliceCuts.removeFirst();
        }
        spliceCuts.addLast(atTime);
    }

    /** Asks a following track (audio) to start a segment at the first sample at or after {@code atTime}. */
    public void requestCut(long atTime) {
        led = true;
        requestedCuts.addLast(atTime);
    }

    /**
     * Adds one sample.
     *
     * @param programDateTime wall-clock ms of this sample, used when it opens a segment
     * @return true when this sample opened a new segment
     */
    public boolean offer(long dts, int compositionOffset, boolean sync, byte[] data, long programDateTime) {
        samplesIn++;
        if (segmentStart < 0 && cutsOnKeyframes && !sync) {
            return false; // a video segment must start with a keyframe
        }
        if (havePending) {
            long delta = dts - pendingDts;
            if (delta <= 0) {
                delta = 1; // out-of-order or repeated timestamps: keep decode order monotonic
                dts = pendingDts + 1;
            }
            lastDelta = delta;
            partSamples.add(new CmafSample((int) delta, pendingCts, pendingSync, pendingData));
        }
        boolean newSegment = segmentBoundary(dts, sync);
        boolean flush = !partSamples.isEmpty() && (newSegment || dts - partStart + lastDelta > partTarget + timescale / 1000);
        if (flush && newSegment) {
            // the part that ends a segment and the next segment appear together (see addLastPart)
            timeline.addLastPart((double) (dts - partStart) / timescale, partIndependent, fragment(), programDateTime, dts);
        } else {
            if (flush) {
                flushPart(dts);
            }
            if (newSegment) {
                timeline.startSegment(programDateTime, dts);
            }
        }
        if (newSegment) {
            segmentStart = dts;
        }
        if (partSamples.isEmpty()) {
            partStart = dts;
            partBaseTime = dts;
            partIndependent = sync;
        }
        havePending = true;
        pendingDts = dts;
        pendingCts = compositionOffset;
        pendingSync = sync;
        pendingData = data;
        return newSegment;
    }

    private boolean segmentBoundary(long dts, boolean sync) {
        long tolerance = lastDelta / 2;
        if (segmentStart < 0) {
            // the first segment: a leader's cut near here (audio may start a frame before
            // the video keyframe) is this same boundary, not another one
            while (!requestedCuts.isEmpty() && requestedCuts.peekFirst() <= dts + segmentTarget / 2) {
                requestedCuts.removeFirst();
            }
            while (!spliceCuts.isEmpty() && spliceCuts.peekFirst() <= dts) {
                spliceCuts.removeFirst(); // a splice before the first frame: the stream's start is the boundary
            }
            return true;
        }
        if (cutsOnKeyframes) {
            boolean splice = false;
            while (sync && !spliceCuts.isEmpty() && spliceCuts.peekFirst() <= dts + tolerance) {
                spliceCuts.removeFirst();
                splice = dts > segmentStart; // a splice on this segment's own first frame is already a boundary
            }
            return sync && (splice || dts - segmentStart >= segmentTarget - tolerance);
        }
        // a cut at or before where this segment began is the boundary we already have
        while (!requestedCuts.isEmpty() && requestedCuts.peekFirst() <= segmentStart + tolerance) {
            requestedCuts.removeFirst();
        }
        if (!requestedCuts.isEmpty()) {
            if (dts >= requestedCuts.peekFirst() - tolerance) {
                while (!requestedCuts.isEmpty() && requestedCuts.peekFirst() - tolerance <= dts) {
                    requestedCuts.removeFirst();
                }
                return true;
            }
            return false;
        }
        // nobody leads (an audio-only stream): cut on our own at the target
        return !led && dts - segmentStart >= segmentTarget - tolerance;
    }

    private void flushPart(long endDts) {
        timeline.addPart((double) (endDts - partStart) / timescale, partIndependent, fragment());
    }

    /** The collected samples as one CMAF fragment; the part's samples are taken. */
    private byte[] fragment() {
        byte[] fragment = CmafFragment.write(sequence++, TRACK_ID, partBaseTime, partSamples);
        partSamples.clear();
        return fragment;
    }

    /**
     * The publisher went away: the held sample gets the last known duration, and the
     * open part and segment are closed.
     *
     * @return the decode time just after the last sample, or -1 when nothing was written
     */
    public long flush() {
        requestedCuts.clear();
        if (!havePending) {
            return -1;
        }
        long end = pendingDts + lastDelta;
        partSamples.add(new CmafSample((int) lastDelta, pendingCts, pendingSync, pendingData));
        havePending = false;
        pendingData = null;
        flushPart(end);
        timeline.closeSegment();
        segmentStart = -1;
        return end;
    }
}
