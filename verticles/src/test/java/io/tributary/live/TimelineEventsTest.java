package io.tributary.live;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.ApiPublisher;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timeline subscriber (what the DVR recorder will be) sees every segment of every
 * rendition of a transcoded stream exactly once, in order, with the bytes /live serves,
 * across a publisher reconnect (a discontinuity) and until the stream ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimelineEventsTest {

    private static final String KEY = "timeline";

    private Node node;
    private ApiPublisher publisher;
    private final LinkedBlockingQueue<TimelineEvent> events = new LinkedBlockingQueue<>();
    private TimelineEvents.Subscription subscription;

    @BeforeAll
    void start() {
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed", "TRIBUTARY_RTMP_RECONNECT_GRACE", "2s"));
        subscription = node.streams().events().subscribe("test", node.vertx().getOrCreateContext(), e -> {
            if (KEY.equals(e.stream()) || e instanceof TimelineEvent.Lagged) {
                events.add(e);
            }
        });
        // 720p source: the 720p rung passes it through, 360p is encoded; 1 s GOPs
        try (SyntheticAvSource source = SyntheticAvSource.builder().size(1280, 720).fps(15).gop(15).audio(true).build()) {
            publisher = new ApiPublisher(node, KEY, source, 16);
        }
    }

    @AfterAll
    void stop() {
        if (subscription != null) {
            subscription.close();
        }
        TestNode.stop(node);
    }

    @Test
    void everySegmentOfEveryRenditionOnceInOrderWithTheServedBytes() throws Exception {
        Map<String, List<TimelineEvent.SegmentCompleted>> segments = new LinkedHashMap<>();
        Map<String, Integer> parts = new HashMap<>();
        List<TimelineEvent> all = new ArrayList<>();
        publisher.start();
        // first session: until the passthrough rung has 3 segments; then a drop and a reconnect within the grace
        collect(all, segments, parts, () -> segments.getOrDefault("720p", List.of()).size() >= 3, 30);
        publisher.drop();
        Thread.sleep(500);
        publisher.start();
        collect(all, segments, parts, () -> segments.getOrDefault("720p", List.of()).size() >= 6, 30);
        publisher.drop();
        collect(all, segments, parts, () -> all.get(all.size() - 1) instanceof TimelineEvent.StreamEnded, 15);

        assertTrue(all.stream().noneMatch(e -> e instanceof TimelineEvent.Lagged), "the subscriber kept up");
        assertInstanceOf(TimelineEvent.StreamStarted.class, all.get(0), "first event");
        assertEquals(1, all.stream().filter(e -> e instanceof TimelineEvent.StreamStarted).count());
        assertEquals(2, all.stream().filter(e -> e instanceof TimelineEvent.PublisherLeft).count());
        assertEquals(1, all.stream().filter(e -> e instanceof TimelineEvent.Discontinuity).count());
        assertEquals(List.of("720p", "360p", "audio"), all.stream().filter(e -> e instanceof TimelineEvent.RenditionsChanged)
                .map(e -> ((TimelineEvent.RenditionsChanged) e).renditions()).reduce((a, b) -> b).orElseThrow());
        assertEquals(java.util.Set.of("720p", "360p", "audio"), segments.keySet());
        int discontinuityAt = all.indexOf(all.stream().filter(e -> e instanceof TimelineEvent.Discontinuity).findFirst().orElseThrow());
        for (Map.Entry<String, List<TimelineEvent.SegmentCompleted>> e : segments.entrySet()) {
            List<TimelineEvent.SegmentCompleted> list = e.getValue();
            assertTrue(list.size() >= 5, e.getKey() + " segments: " + list.size());
            for (int i = 0; i < list.size(); i++) {
                assertEquals(i, list.get(i).msn(), e.getKey() + ": segment " + i + " once, in order");
                TimelineEvent.SegmentCompleted s = list.get(i);
                assertEquals(s.segment().parts().size(), parts.get(e.getKey() + "/" + s.msn()),
                        e.getKey() + " seg " + s.msn() + ": a part event per part");
                assertTrue(s.duration() > 0 && s.duration() < 4, e.getKey() + " duration " + s.duration());
                assertTrue(s.init().remaining() > 0, "init bytes");
            }
            // short segments only where a publisher left (its open segment is closed as it is)
            assertTrue(list.stream().filter(x -> x.duration() < 0.5).count() <= 2, e.getKey() + " short segments");
            // the first segment after the reconnect is flagged, and none other
            List<Long> flagged = list.stream().filter(s -> s.segment().discontinuity()).map(TimelineEvent.SegmentCompleted::msn).toList();
            assertEquals(1, flagged.size(), e.getKey() + " discontinuities at " + flagged);
            TimelineEvent.SegmentCompleted first = list.stream().filter(s -> s.segment().discontinuity()).findFirst().orElseThrow();
            assertTrue(all.indexOf(first) > discontinuityAt, e.getKey() + ": flagged segment after the discontinuity event");
            for (int i = 1; i < list.size(); i++) {
                assertTrue(list.get(i).programDateTime() > list.get(i - 1).programDateTime(), "PDT grows");
            }
        }
        assertInstanceOf(TimelineEvent.StreamEnded.class, all.get(all.size() - 1), "last event");
    }

    /** Takes events until {@code done}, checking each completed segment against what /live serves right away. */
    private void collect(List<TimelineEvent> all, Map<String, List<TimelineEvent.SegmentCompleted>> segments,
                         Map<String, Integer> parts, java.util.function.BooleanSupplier done, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (all.isEmpty() || !done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            TimelineEvent e = events.poll(Math.max(1, left), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("timed out; events so far: " + summary(all));
            }
            all.add(e);
            if (e instanceof TimelineEvent.PartPublished p) {
                parts.merge(p.rendition() + "/" + p.part().msn(), 1, Integer::sum);
            } else if (e instanceof TimelineEvent.SegmentCompleted s) {
                segments.computeIfAbsent(s.rendition(), k -> new ArrayList<>()).add(s);
                HttpResponse<byte[]> served = TestNode.getBytes(node, "/live/" + KEY + "/" + s.rendition() + "/seg-" + s.msn() + ".m4s");
                assertEquals(200, served.statusCode(), s.rendition() + " seg " + s.msn());
                assertArrayEquals(bytes(s.chunks()), served.body(), s.rendition() + " seg " + s.msn() + ": the served bytes");
            }
        }
    }

    private static byte[] bytes(ByteBuffer[] chunks) {
        int n = 0;
        for (ByteBuffer b : chunks) {
            n += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer b : chunks) {
            out.put(b.duplicate());
        }
        assertFalse(out.hasRemaining());
        return out.array();
    }

    private static String summary(List<TimelineEvent> all) {
        StringBuilder sb = new StringBuilder();
        for (TimelineEvent e : all.subList(Math.max(0, all.size() - 20), all.size())) {
            sb.append(e.getClass().getSimpleName());
            if (e instanceof TimelineEvent.SegmentCompleted s) {
                sb.append('(').append(s.rendition()).append(' ').append(s.msn()).append(')');
            }
            sb.append(' ');
        }
        return all.size() + " events, last: " + sb;
    }
}
