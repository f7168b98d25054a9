package io.tributary.delivery;

import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Requests waiting for media that does not exist yet: LL-HLS blocking playlist
 * reloads, preload-hinted parts, a first playlist of a stream that is starting.
 * Confined to one delivery verticle's event loop; {@link #wake} runs when the stream
 * announces a change, and each request is answered once: ready, timed out, or gone.
 */
final class HeldRequests {

    private final class Held {
        final Predicate<LiveStream> ready;
        final Consumer<LiveStream> answer;
        final HttpServerResponse response;
        long timer;

        Held(Predicate<LiveStream> ready, Consumer<LiveStream> answer, HttpServerResponse response) {
            this.ready = ready;
            this.answer = answer;
            this.response = response;
        }
    }

    private final Vertx vertx;
    private final LiveStreams streams;
    private final AtomicInteger gauge;
    private final Map<String, List<Held>> byStream = new HashMap<>();

    HeldRequests(Vertx vertx, LiveStreams streams, AtomicInteger gauge) {
        this.vertx = vertx;
        this.streams = streams;
        this.gauge = gauge;
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
        Held held = new Held(ready, answer, response);
        List<Held> list = byStream.computeIfAbsent(key, k -> new ArrayList<>());
        list.add(held);
        gauge.incrementAndGet();
        held.timer = vertx.setTimer(timeoutMs, id -> {
            if (remove(key, held)) {
                onTimeout.run();
            }
        });
        response.closeHandler(v -> {
            if (remove(key, held)) {
                vertx.cancelTimer(held.timer);
            }
        });
    }

    private boolean remove(String key, Held held) {
        List<Held> list = byStream.get(key);
        if (list != null && list.remove(held)) {
            gauge.decrementAndGet();
            if (list.isEmpty()) {
                byStream.remove(key);
            }
            return true;
        }
        return false;
    }

    /** The stream changed: answer every request it made ready. */
    void wake(String key) {
        List<Held> list = byStream.get(key);
        if (list == null) {
            return;
        }
        LiveStream stream = streams.get(key);
        List<Held> ready = new ArrayList<>();
        for (Iterator<Held> it = list.iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (h.response.closed() || h.ready.test(stream)) {
                it.remove();
                gauge.decrementAndGet();
                vertx.cancelTimer(h.timer);
                if (!h.response.closed()) {
                    ready.add(h);
                }
            }
        }
        if (list.isEmpty()) {
            byStream.remove(key);
        }
        for (Held h : ready) {
            h.answer.accept(stream);
        }
    }

    int size() {
        int n = 0;
        for (List<Held> l : byStream.values()) {
            n += l.size();
        }
        return n;
    }
}
