package io.tributary.ratelimit;

/**
 * What one take from a bucket answered.
 *
 * @param allowed     the request may go on
 * @param remaining   tokens left in this period
 * @param resetMillis milliseconds until the bucket is full again
 */
public record Allowance(boolean allowed, long remaining, long resetMillis) {

    /** Whole seconds until a refused client may try again (at least 1), for {@code Retry-After}. */
    public long retryAfterSeconds() {
        return Math.max(1, (resetMillis + 999) / 1000);
    }
}
