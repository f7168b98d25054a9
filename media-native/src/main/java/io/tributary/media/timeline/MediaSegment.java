package io.tributary.media.timeline;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A media segment: the concatenation of its parts' fragments. Immutable; the
 * timeline replaces the open segment with a longer copy as parts arrive.
 *
 * @param programDateTime wall-clock milliseconds of the first sample
 * @param initVersion     which init segment (EXT-X-MAP) the samples need
 * @param startTime       decode time of the first sample (the first fragment's tfdt) in the
 *                        track timescale, or -1 when unknown
 */
public record MediaSegment(long msn, long programDateTime, boolean discontinuity, int initVersion,
                         List<MediaPart> parts, boolean complete, long startTime) {

    public MediaSegment {
        parts = List.copyOf(parts);
    }

    /** A segment whose start time is unknown. */
    public MediaSegment(long msn, long programDateTime, boolean discontinuity, int initVersion,
                      List<MediaPart> parts, boolean complete) {
        this(msn, programDateTime, discontinuity, initVersion, parts, complete, -1);
    }

    public double duration() {
        double d = 0;
        for (MediaPart p : parts) {
            d += p.duration();
        }
        return d;
    }

    public long size() {
        long n = 0;
        for (MediaPart p : parts) {
            n += p.size();
        }
        return n;
    }

    /** Views of the fragments in order; served back to back they are the segment. */
    public ByteBuffer[] chunks() {
        ByteBuffer[] out = new ByteBuffer[parts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = parts.get(i).view();
        }
        return out;
    }

    public String uri() {
        return "seg-" + msn + ".m4s";
    }

    MediaSegment withPart(MediaPart part) {
        List<MediaPart> more = new ArrayList<>(parts.size() + 1);
        more.addAll(parts);
        more.add(part);
        return new MediaSegment(msn, programDateTime, discontinuity, initVersion, more, false, startTime);
    }

    MediaSegment completed() {
        return new MediaSegment(msn, programDateTime, discontinuity, initVersion, parts, true, startTime);
    }
}
