package io.tributary.ssai;

import java.util.ArrayList;
import java.util.List;

/**
 * How far one session has fetched one ad, in the VAST tracking events it has earned: impression
 * and start with its first segment, each quartile with the segment that starts at or past it, and
 * complete with its last. Each event once; an event skipped over (a player that jumped) is earned
 * on the way, in order. Playlist renders earn nothing: only segment requests come here.
 */
final class AdSegmentProgress {

    static final List<String> EVENTS = List.of("impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete");
    /** Segment boundaries are rounded; a quartile this close ahead of a segment's start is reached by it. */
    private static final double SLACK_SECONDS = 0.05;

    private final boolean[] fired = new boolean[EVENTS.size()];

    /**
     * The events a request for the segment starting at {@code startSeconds} earns now, in order.
     *
     * @param last whether it is the ad's last segment
     */
    synchronized List<String> reached(double startSeconds, double durationSeconds, boolean last) {
        int upTo; // inclusive index into EVENTS
        if (last) {
            upTo = 5;
        } else if (startSeconds + SLACK_SECONDS >= 0.75 * durationSeconds) {
            upTo = 4;
        } else if (startSeconds + SLACK_SECONDS >= 0.5 * durationSeconds) {
            upTo = 3;
        } else if (startSeconds + SLACK_SECONDS >= 0.25 * durationSeconds) {
            upTo = 2;
        } else {
            upTo = 1;
        }
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i <= upTo; i++) {
            if (!fired[i]) {
                fired[i] = true;
                out.add(EVENTS.get(i));
            }
        }
        return out;
    }
}
