package io.tributary.media.hls;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Where one session's pod sits in one rendition's live timeline: from the first content segment at
 * the break's start date ({@link #firstMsn()}) to the first one at the start date plus the pod's
 * length ({@link #resumeMsn()}), both found as the segments appear and then kept, so every reload
 * (and every delivery thread) numbers the session's playlist alike.
 */
public final class PodPlacement {

    private final String breakId;
    private final long startDate;
    private final List<AdRun> ads;
    private final long filledMs;
    private final int adSegments;
    /** A segment starting this close to a boundary counts as at it (ms rounding of the clocks). */
    private final long toleranceMs;
    private volatile long firstMsn = -1;
    private volatile long resumeMsn = -1;
    /** The break had begun before this rendition's window: it plays as the shared playlist. */
    private volatile boolean missed;
    private volatile boolean resumeHadDiscontinuity;
    /** Content segments the pod replaced that began with a discontinuity (never shown to the session). */
    private final ConcurrentSkipListSet<Long> removedDiscontinuities = new ConcurrentSkipListSet<>();

    public PodPlacement(String breakId, long startDate, List<AdRun> ads, long toleranceMs) {
        this.breakId = breakId;
        this.startDate = startDate;
        this.ads = List.copyOf(ads);
        long filled = 0;
        int n = 0;
        for (AdRun a : this.ads) {
            filled += a.durationMs();
            n += a.uris().size();
        }
        this.filledMs = filled;
        this.adSegments = n;
        this.toleranceMs = toleranceMs;
    }

    public String breakId() {
        return breakId;
    }

    public long startDate() {
        return startDate;
    }

    public List<AdRun> ads() {
        return ads;
    }

    public long filledMs() {
        return filledMs;
    }

    public int adSegments() {
        return adSegments;
    }

    public long firstMsn() {
        return firstMsn;
    }

    public long resumeMsn() {
        return resumeMsn;
    }

    public boolean missed() {
        return missed;
    }

    /** Whether the pod takes part in numbering: placed, or waiting for its segment (not missed, not empty). */
    boolean active() {
        return !missed && adSegments > 0;
    }

    /** The pod's place is known and content resumed after it: its numbering change is final. */
    public boolean settled() {
        return firstMsn >= 0 && resumeMsn >= 0;
    }

    /** Session msns minus content msns for content after the pod. */
    long msnDelta() {
        return adSegments - (resumeMsn - firstMsn);
    }

    /** Discontinuity tags the session sees for the pod: one before each ad, one at the resume if content had none. */
    int addedDiscontinuities() {
        return ads.size() + (resumeHadDiscontinuity ? 0 : 1);
    }

    boolean resumeHadDiscontinuity() {
        return resumeHadDiscontinuity;
    }

    /** Whether the content segment after the pod began with a discontinuity of its own. */
    public boolean resumeDiscontinuity() {
        return resumeHadDiscontinuity;
    }

    /** Content discontinuities the pod hid from the session. */
    public int removedDiscontinuityCount() {
        return removedDiscontinuities.size();
    }

    public long toleranceMs() {
        return toleranceMs;
    }

    int removedDiscontinuitiesBefore(long contentMsn) {
        return removedDiscontinuities.headSet(contentMsn).size();
    }

    /**
     * Offers a content segment of the window, oldest first: finds the pod's start and end.
     *
     * @param firstInWindow the window's oldest segment
     */
    void offer(long msn, long pdt, boolean discontinuity, boolean firstInWindow) {
        if (missed || adSegments == 0) {
            return;
        }
        if (firstMsn < 0) {
            if (pdt >= startDate - toleranceMs) {
                if (firstInWindow && pdt > startDate + toleranceMs) {
                    missed = true; // the break's start already left the window: nothing to number around
                    return;
                }
                firstMsn = msn;
            } else {
                return;
            }
        }
        if (resumeMsn < 0 && msn > firstMsn && pdt >= startDate + filledMs - toleranceMs) {
            resumeHadDiscontinuity = discontinuity;
            resumeMsn = msn;
            return;
        }
        if (msn >= firstMsn && (resumeMsn < 0 || msn < resumeMsn) && discontinuity) {
            removedDiscontinuities.add(msn);
        }
    }

    /** Whether content msn {@code k} is replaced by the pod. */
    boolean covers(long k) {
        return active() && firstMsn >= 0 && k >= firstMsn && (resumeMsn < 0 || k < resumeMsn);
    }

    /** Milliseconds from the break's start to the end of the ad segment {@code index} (over the whole pod). */
    long endOf(int index) {
        double s = 0;
        int i = 0;
        for (AdRun a : ads) {
            for (double d : a.durations()) {
                s += d;
                if (i++ == index) {
                    return Math.round(s * 1000);
                }
            }
        }
        return Math.round(s * 1000);
    }
}
