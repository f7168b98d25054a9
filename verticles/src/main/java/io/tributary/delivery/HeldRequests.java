package io.tributary.delivery;

import io.micrometer.core.instrument.Timer;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Requests waiting for media that does not exist yet: LL-HLS blocking playlist
 * reloads, preload-hinted parts, a first playlist of a stream that is starting.
 * Confined to one delivery verticle's event loop; {@link #wake} runs when the stream
 * announces a change, and each request is answered once: ready, timed out, or gone.
 *
 * <p>Thousands may wait on one part, so holding one costs no timer: a sweep every
 * {@link #SWEEP_MS} answers the expired ones. Requests held with the same {@link Shared} key (the
 * blocking reloads of one rendition for one part) are tested and rendered once per release: each
 * of them only writes the shared answer.
 */
final class HeldRequests {

    static final long SWEEP_MS = 100;

    /**
     * What requests waiting for the same thing share: the key they are grouped by (equal keys: the same
     * readiness and the same answer), the test, and the answer rendered once per release for all of them.
     */
    record Shared<A>(Object key, Predicate<LiveStream> ready, Function<LiveStream, A> render) {
    }

    private static final class Held {
        final Predicate<LiveStream> ready;
        final Consumer<LiveStream> answer;
        final Runnable onTimeout;
        final HttpServerResponse response;
        final long deadline;
        /** Null for a request answered on its own. */
        final Shared<?> shared;
        final Consumer<Object> sharedAnswer;

        Held(Predicate<LiveStream> ready, Consumer<LiveStream> answer, Runnable onTimeout, HttpServerResponse response,
             long deadline, Shared<?> shared, Consumer<Object> sharedAnswer) {
            this.ready = ready;
            this.answer = answer;
            this.onTimeout = onTimeout;
            this.response = response;
            this.deadline = deadline;
            this.shared = shared;
            this.sharedAnswer = sharedAnswer;
        }
    }

    private final Vertx vertx;
    private final LiveStreams streams;
    private final AtomicInteger gauge;
    private final Timer release;
    private final Map<String, List<Held>> byStream = new HashMap<>();
    private final long sweeper;

    /** Call on the delivery verticle's context: the sweep runs there. */
    HeldRequests(Vertx vertx, LiveStreams streams, AtomicInteger gauge, Timer release) {
        this.vertx = vertx;
        this.streams = streams;
        this.gauge = gauge;
        this.release = release;
        this.sweeper = vertx.setPeriodic(SWEEP_MS, id -> sweep());
    }

    /**
     * Answers at once when {@code ready}, else holds until a change makes it ready
     * (then {@code answer}) or {@code timeoutMs} passes (then {@code onTimeout}).
     * {@code ready} must also be true when the stream is gone, and {@code answer} cope.
     */
    void hold(String key, HttpServerResponse response, long timeoutMs, Predicate<LiveStream> ready,
              Consumer<LiveStream> answer, Runnable onTimeout) {
        LiveStream now = streams.get(key);
        if (ready.test(now)) {
            answer.accept(now);
            return;
        }
        add(key, response, new Held(ready, answer, onTimeout, response, System.nanoTime() + timeoutMs * 1_000_000, null, null));
    }

    /**
     * As {@link #hold}, for a request whose answer is {@code shared}'s: when it is ready, {@code answer}
     * gets what {@code shared.render} gave, rendered once for every request of the key released with it.
     */
    @SuppressWarnings("unchecked")
    <A> void hold(String key, HttpServerResponse response, long timeoutMs, Shared<A> shared, Consumer<A> answer,
                  Runnable onTimeout) {
        LiveStream now = streams.get(key);
        if (shared.ready().test(now)) {
            answer.accept(shared.render().apply(now));
            return;
        }
        add(key, response, new Held(shared.ready(), null, onTimeout, response, System.nanoTime() + timeoutMs * 1_000_000,
                shared, (Consumer<Object>) answer));
    }

    private void add(String key, HttpServerResponse response, Held held) {
        byStream.computeIfAbsent(key, k -> new ArrayList<>()).add(held);
        gauge.incrementAndGet();
        response.closeHandler(v -> {
            List<Held> list = byStream.get(key);
            if (list != null && list.remove(held)) {
                gauge.decrementAndGet();
                if (list.isEmpty()) {
                    byStream.remove(key);
                }
            }
        });
    }

    /**
     * The stream changed at {@code changedAt} (nanoTime): answer every request it made
     * ready, and record how long after the change the last of them was answered.
     */
    void wake(String key, long changedAt) {
        List<Held> list = byStream.get(key);
        if (list == null) {
            return;
        }
        LiveStream stream = streams.get(key);
        List<Held> ready = new ArrayList<>();
        List<Held> waiting = new ArrayList<>(list.size());
        // a group is tested once and rendered once: its first request decides for the rest
        Map<Object, Boolean> groupReady = new HashMap<>();
        for (Held h : list) {
            if (h.response.closed()) {
                continue;
            }
            boolean now = h.shared == null ? h.ready.test(stream)
                    : groupReady.computeIfAbsent(h.shared.key(), k -> h.ready.test(stream));
            (now ? ready : waiting).add(h);
        }
        settle(key, list.size(), waiting);
        Map<Object, Object> rendered = new HashMap<>();
        for (Held h : ready) {
            if (h.shared == null) {
                h.answer.accept(stream);
            } else {
                h.sharedAnswer.accept(rendered.computeIfAbsent(h.shared.key(), k -> h.shared.render().apply(stream)));
            }
        }
        if (!ready.isEmpty()) {
            release.record(System.nanoTime() - changedAt, TimeUnit.NANOSECONDS);
        }
    }

    /** Re-checks every held request (after missed events). */
    void wakeAll() {
        long now = System.nanoTime();
        for (String key : List.copyOf(byStream.keySet())) {
            wake(key, now);
        }
    }

    private void sweep() {
        if (byStream.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        List<Held> expired = new ArrayList<>();
        for (Iterator<Map.Entry<String, List<Held>>> it = byStream.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<Held>> e = it.next();
            List<Held> waiting = new ArrayList<>(e.getValue().size());
            for (Held h : e.getValue()) {
                if (h.response.closed()) {
                    continue;
                }
                (now - h.deadline >= 0 ? expired : waiting).add(h);
            }
            gauge.addAndGet(waiting.size() - e.getValue().size());
            if (waiting.isEmpty()) {
                it.remove();
            } else {
                e.setValue(waiting);
            }
        }
        for (Held h : expired) {
            h.onTimeout.run();
        }
    }

    /** Replaces a stream's list by the requests still waiting, keeping the gauge right. */
    private void settle(String key, int before, List<Held> waiting) {
        gauge.addAndGet(waiting.size() - before);
        if (waiting.isEmpty()) {
            byStream.remove(key);
        } else {
            byStream.put(key, waiting);
        }
    }

    void close() {
        vertx.cancelTimer(sweeper);
    }
}
