package io.tributary.media;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory a node lets all its ingest connections hold in reassembly buffers together. A
 * connection reserves before it grows a buffer and releases when the buffer is handed on or
 * dropped; a reservation past the budget is refused, so the publisher asking for it is cut,
 * never the node. Thread-safe: connections on every event loop share one.
 */
public final class IngestBudget {

    private static final IngestBudget UNLIMITED = new IngestBudget(Long.MAX_VALUE);

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    public IngestBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + limit);
        }
        this.limit = limit;
    }

    public static IngestBudget unlimited() {
        return UNLIMITED;
    }

    /** Takes {@code bytes} from the budget, or nothing and false when that would pass the limit. */
    public boolean reserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    public void release(long bytes) {
        used.addAndGet(-bytes);
    }

    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
