package io.tributary.vod;

import java.time.Duration;
import java.time.Instant;

/** When an asset may be played: from {@code from} (inclusive) until {@code until} (exclusive); null ends are open. */
record AvailabilityWindow(Instant from, Instant until) {

    static final AvailabilityWindow ALWAYS = new AvailabilityWindow(null, null);

    boolean openAt(Instant t) {
        return (from == null || !t.isBefore(from)) && (until == null || t.isBefore(until));
    }

    /** How long a cache may keep what it serves now: up to the window's end, never past it. */
    Duration leftAt(Instant t) {
        return until == null ? null : Duration.between(t, until);
    }
}
