package io.tributary.ssai;

import io.tributary.live.TimelineEvent;
import io.tributary.media.CueKind;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ad breaks of each stream on this node, from its timeline's cues: an SCTE-35 splice, an RTMP
 * cue point, an operator's {@code POST .../breaks}, or a FAST channel's schedule. At most
 * {@value #MAX_PER_STREAM} per stream (the newest); a removed stream's go with it.
 */
final class BreakRegistry {

    static final int MAX_PER_STREAM = 32;

    /**
     * @param id       the source's id of the break ("" when it had none)
     * @param duration seconds planned (0 = until its IN)
     * @param scte35   it came in an SCTE-35 section
     */
    record Break(String stream, String id, double duration, long announcedAt, boolean scte35, boolean ended) {
    }

    private final Map<String, Deque<Break>> breaks = new ConcurrentHashMap<>();
    private final BreakMetrics metrics;

    BreakRegistry(BreakMetrics metrics) {
        this.metrics = metrics;
    }

    void on(TimelineEvent event) {
        if (event instanceof TimelineEvent.StreamRemoved r) {
            breaks.remove(r.stream());
            return;
        }
        if (!(event instanceof TimelineEvent.Cue c) || c.kind() == CueKind.CMD) {
            return;
        }
        Deque<Break> list = breaks.computeIfAbsent(c.stream(), k -> new ArrayDeque<>());
        String id = c.id() == null ? "" : c.id();
        synchronized (list) {
            if (c.out()) {
                if (list.size() == MAX_PER_STREAM) {
                    list.removeFirst();
                }
                list.addLast(new Break(c.stream(), id, c.durationSeconds(), System.currentTimeMillis(), c.scte35() != null, false));
            } else if (!list.isEmpty() && !list.peekLast().ended()) {
                Break open = list.removeLast();
                list.addLast(new Break(open.stream(), open.id(), open.duration(), open.announcedAt(), open.scte35(), true));
            }
        }
        if (c.out()) {
            metrics.breakStarted(c.stream(), id, c.durationSeconds());
        } else {
            metrics.breakEnded(c.stream(), id);
        }
    }

    List<Break> of(String stream) {
        Deque<Break> list = breaks.get(stream);
        if (list == null) {
            return List.of();
        }
        synchronized (list) {
            return new ArrayList<>(list);
        }
    }
}
