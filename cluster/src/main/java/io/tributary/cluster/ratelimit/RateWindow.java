package io.tributary.cluster.ratelimit;

import java.io.Serializable;

/**
 * One client's bucket in {@link io.tributary.cluster.SharedMaps#RATE_LIMITS}: the tokens taken in the
 * current period and when the period ends (the bucket is full again then). Immutable: an entry
 * processor replaces it.
 *
 * @param used          tokens taken since the period began
 * @param resetAtMillis when the period ends, on the clock of the member owning the key
 */
public record RateWindow(int used, long resetAtMillis) implements Serializable {
}
