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
import java.util.function.Predicate;

/**
 * Requests waiting for media that does not exist yet: LL-HLS blocking playlist
 * reloads, preload-hinted parts, a first playlist of a stream that is starting.
 * Confined to one delivery verticle's event loop; {@link #wake} runs when the stream
 * announces a change, and each request is answered once: ready, timed out, or gone.
 *
 * <p>Thousands may wait on one part, so holding one costs no timer: a sweep every
 * {@link #SWEEP_MS} answers the expired ones.
 */
final class HeldRequests {

    static final long SWEEP_MS = 100;

    private static final class Held {
        final Predicate<LiveStream> ready;
        final Consumer<LiveStream> answer;
        final Runnable onTimeout;
        final HttpServerResponse response;
        final long deadline;

        Held(Predicate<LiveStream> ready, Consumer<LiveStream> answer, Runnable onTimeout, HttpServerResponse response,
             long deadline) {
            this.ready = ready;
            this.answer = answer;
            this.onTimeout = onTimeout;
            this.response = response;
            this.deadline = deadline;
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
        Held held = new Held(ready, answer, onTimeout, response, System.nanoTime() + timeoutMs * 1_000_000);
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
        for (Held h : list) {
            if (h.response.closed()) {
                continue;
            }
            (h.ready.test(stream) ? ready : waiting).add(h);
        }
        settle(key, list.size(), waiting);
        for (Held h : ready) {
            h.answer.accept(stream);
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
