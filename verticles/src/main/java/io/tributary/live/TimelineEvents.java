package io.tributary.live;

import io.vertx.core.Context;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's timeline events: every live stream emits here (from its writer context),
 * every subscriber (delivery verticles, the session layer, the cluster registry, later
 * the DVR recorder and SSAI) receives on its own context.
 *
 * <p>Emitting never blocks and never runs subscriber code: each subscriber has a bounded
 * queue drained on its context. A subscriber that falls behind loses the events that do
 * not fit, learns how many in a {@link TimelineEvent.Lagged} event, and is counted; the
 * stream and the other subscribers go on.
 */
public final class TimelineEvents {

    private static final Logger LOG = Logger.getLogger(TimelineEvents.class.getName());

    /** Events a subscriber may have waiting before new ones are dropped for it. */
    public static final int DEFAULT_CAPACITY = 2048;

    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    /**
     * Delivers every event from now on to {@code consumer}, on {@code context}, in order.
     *
     * @param name     for the metrics and logs (e.g. "delivery", "dvr")
     * @param capacity events that may wait; beyond, events are dropped for this subscriber
     */
    public Subscription subscribe(String name, Context context, int capacity, Consumer<TimelineEvent> consumer) {
        return subscribe(name, context, capacity, e -> true, consumer);
    }

    public Subscription subscribe(String name, Context context, Consumer<TimelineEvent> consumer) {
        return subscribe(name, context, DEFAULT_CAPACITY, consumer);
    }

    /**
     * Only the events {@code wanted} accepts are queued (tested on the stream's writer: keep it
     * cheap), so a subscriber that needs a few kinds never holds the media of the others.
     */
    public Subscription subscribe(String name, Context context, int capacity, Predicate<TimelineEvent> wanted,
                                  Consumer<TimelineEvent> consumer) {
        Subscription s = new Subscription(name, context, capacity, wanted, consumer);
        subscriptions.add(s);
        return s;
    }

    /** The lifecycle of streams only: started, renditions, publisher left, ended, removed (no media, no cues). */
    public static boolean lifecycle(TimelineEvent e) {
        return e instanceof TimelineEvent.StreamStarted || e instanceof TimelineEvent.RenditionsChanged
                || e instanceof TimelineEvent.PublisherLeft || e instanceof TimelineEvent.StreamEnded
                || e instanceof TimelineEvent.StreamRemoved || e instanceof TimelineEvent.Discontinuity;
    }

    /** Hands {@code event} to every subscriber; called by a stream's writer, never blocks. */
    void emit(TimelineEvent event) {
        for (Subscription s : subscriptions) {
            s.offer(event);
        }
    }

    /** One subscriber's queue. */
    public final class Subscription implements AutoCloseable {

        private final String name;
        private final Context context;
        private final int capacity;
        private final Predicate<TimelineEvent> wanted;
        private final Consumer<TimelineEvent> consumer;
        private final Queue<TimelineEvent> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicLong dropped = new AtomicLong();
        private final AtomicLong lagPending = new AtomicLong();
        private volatile boolean closed;

        private Subscription(String name, Context context, int capacity, Predicate<TimelineEvent> wanted,
                             Consumer<TimelineEvent> consumer) {
            this.name = name;
            this.context = context;
            this.capacity = capacity;
            this.wanted = wanted;
            this.consumer = consumer;
        }

        public String name() {
            return name;
        }

        /** Events this subscriber lost because it fell behind. */
        public long dropped() {
            return dropped.get();
        }

        private void offer(TimelineEvent event) {
            if (closed || !wanted.test(event)) {
                return;
            }
            if (size.incrementAndGet() > capacity) {
                size.decrementAndGet();
                dropped.incrementAndGet();
                lagPending.incrementAndGet();
            } else {
                long lost = lagPending.getAndSet(0);
                if (lost > 0) {
                    queue.add(new TimelineEvent.Lagged("", lost)); // where the gap is; may pass capacity by one
                }
                queue.add(event);
            }
            schedule();
        }

        private void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                try {
                    context.runOnContext(v -> drain());
                } catch (RejectedExecutionException e) {
                    scheduled.set(false); // the subscriber's event loop is gone (shutdown): nothing to deliver to
                }
            }
        }

        /** On the subscriber's context: everything queued now, then again if more came meanwhile. */
        private void drain() {
            try {
                int budget = capacity;
                TimelineEvent e;
                while (!closed && budget-- > 0 && (e = queue.poll()) != null) {
                    if (!(e instanceof TimelineEvent.Lagged)) {
                        size.decrementAndGet();
                    }
                    deliver(e);
                }
                long lost = lagPending.getAndSet(0);
                if (lost > 0 && !closed) {
                    deliver(new TimelineEvent.Lagged("", lost));
                }
            } finally {
                scheduled.set(false);
            }
            // an emitter that found this drain running did not schedule one: look again
            if (!closed && (!queue.isEmpty() || lagPending.get() > 0)) {
                schedule();
            }
        }

        private void deliver(TimelineEvent e) {
            try {
                consumer.accept(e);
            } catch (RuntimeException failure) {
                // one subscriber's bug is its own: the stream and the next events go on
                LOG.log(Level.WARNING, "timeline subscriber " + name + " failed on " + e.getClass().getSimpleName()
                        + " of " + e.stream(), failure);
            }
        }

        @Override
        public void close() {
            closed = true;
            subscriptions.remove(this);
            queue.clear();
            size.set(0);
        }
    }
}
