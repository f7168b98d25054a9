package io.tributary.vod;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Encrypted VOD objects in flight on a node: read, encrypted, or being written to a viewer (until the
 * last byte has left for the socket, so a slow reader keeps its slot). Each holds a segment twice in
 * memory, so at most {@code vod.encryption-max-concurrent}; beyond, the route answers 503.
 */
final class EncryptionSlots {

    private final int max;
    private final AtomicInteger used = new AtomicInteger();

    EncryptionSlots(int max) {
        this.max = max;
    }

    /** Takes a slot; false, and nothing taken, when all are in use. */
    boolean take() {
        if (used.incrementAndGet() > max) {
            used.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        used.decrementAndGet();
    }
}
