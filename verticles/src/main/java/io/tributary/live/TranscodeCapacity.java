package io.tributary.live;

import io.tributary.media.transcode.LadderRung;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The node's transcoding budget, shared by its streams: ladders encoding at once, and
 * encoded pixels per second (the sum over admitted ladders of each encoded rung's
 * width x height x frame rate). A stream holds one reservation, sized by what its
 * source actually makes it encode; bypassed rungs cost nothing. Thread-safe.
 */
final class TranscodeCapacity {

    /** What {@link #reserve} did. */
    enum Outcome { ADMITTED, KEPT, REFUSED }

    private final int maxLadders;
    private final long maxPixelRate;
    /** Reservations by owner (a LiveStream, by identity): encoded pixels per second. */
    private final Map<Object, Long> held = new HashMap<>();
    private long pixelRate;

    /** Either limit may be 0: no limit of that kind. */
    TranscodeCapacity(int maxLadders, long maxPixelRate) {
        this.maxLadders = maxLadders;
        this.maxPixelRate = maxPixelRate;
    }

    /** Encoded pixels per second of a resolved ladder's encoded rungs at {@code fps}. */
    static long pixelRate(List<LadderRung> encodedRungs, double fps) {
        double px = 0;
        for (LadderRung r : encodedRungs) {
            px += (double) r.width() * r.height();
        }
        return (long) Math.ceil(px * fps);
    }

    /** True when not even one more ladder fits: the count is reached, or every pixel is taken. */
    synchronized boolean full() {
        return maxLadders > 0 && held.size() >= maxLadders || maxPixelRate > 0 && pixelRate >= maxPixelRate;
    }

    /**
     * Reserves {@code rate} for {@code owner}, replacing what it held (a stream whose source
     * changed). On refusal the owner keeps nothing: it was about to encode something else.
     */
    synchronized Outcome reserve(Object owner, long rate) {
        Long before = held.remove(owner);
        long others = pixelRate - (before == null ? 0 : before);
        boolean fits = (maxLadders <= 0 || held.size() < maxLadders) && (maxPixelRate <= 0 || others + rate <= maxPixelRate);
        if (!fits) {
            pixelRate = others;
            return Outcome.REFUSED;
        }
        held.put(owner, rate);
        pixelRate = others + rate;
        return before == null ? Outcome.ADMITTED : Outcome.KEPT;
    }

    /** Gives back what {@code owner} held, if anything. */
    synchronized void release(Object owner) {
        Long rate = held.remove(owner);
        if (rate != null) {
            pixelRate -= rate;
        }
    }

    synchronized int ladders() {
        return held.size();
    }

    synchronized long pixelRate() {
        return pixelRate;
    }

    long maxPixelRate() {
        return maxPixelRate;
    }

    /** Why {@code wanted} more pixels/s (0 at publish time, when unknown yet) do not fit, for a publisher. */
    synchronized String describe(long wanted) {
        StringBuilder b = new StringBuilder("transcoding capacity of this node is in use (");
        if (maxLadders > 0 && held.size() >= maxLadders) {
            b.append(held.size()).append(" of ").append(maxLadders).append(" ladders");
        } else {
            b.append(mpx(pixelRate)).append(" of ").append(mpx(maxPixelRate)).append(" Mpixel/s encoded");
            if (wanted > 0) {
                b.append(", this source's ladder needs ").append(mpx(wanted));
            }
        }
        return b.append("); try again later or publish to another node").toString();
    }

    private static String mpx(long px) {
        return String.format(Locale.ROOT, "%.1f", px / 1e6);
    }
}
