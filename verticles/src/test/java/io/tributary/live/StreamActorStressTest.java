package io.tributary.live;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.media.timeline.MediaPart;
import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.testing.ApiPublisher;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stream actor under pressure: a transcoded ladder, 200 viewers in LL-HLS blocking
 * reloads, a publisher that drops and comes back every 1.5 s, a thread reading snapshots
 * as fast as it can, and a subscriber that is far too slow. No snapshot or playlist is ever
 * torn, nothing deadlocks, and the slow subscriber loses its own events only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamActorStressTest {

    private static final String KEY = "stress";
    private static final int READERS = 200;
    private static final long RUN_MS = 12_000;

    private Node node;
    private ApiPublisher publisher;

    @BeforeAll
    void start() {
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed", "TRIBUTARY_RTMP_RECONNECT_GRACE", "5s"));
        try (SyntheticAvSource source = SyntheticAvSource.builder().size(1280, 720).fps(15).gop(15).audio(true).build()) {
            publisher = new ApiPublisher(node, KEY, source, 30);
        }
    }

    @AfterAll
    void stop() {
        TestNode.stop(node);
    }

    @Test
    void noTornSnapshotNoDeadlockAndASlowSubscriberStallsNothing() throws Exception {
        AtomicLong parts = new AtomicLong();
        AtomicInteger fastLagged = new AtomicInteger();
        TimelineEvents.Subscription fast = node.streams().events().subscribe("fast", node.vertx().getOrCreateContext(), e -> {
            if (e instanceof TimelineEvent.PartPublished p && p.stream().equals(KEY)) {
                parts.incrementAndGet();
            } else if (e instanceof TimelineEvent.Lagged) {
                fastLagged.incrementAndGet();
            }
        });
        SlowSubscriber slow = new SlowSubscriber(node.streams().events());
        node.vertx().deployVerticle(slow, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        publisher.start();
        TestNode.await("the 720p rendition to play", Duration.ofSeconds(30), () -> {
            LiveStream s = node.streams().get(KEY);
            return s != null && s.snapshot("720p") != null && s.snapshot("720p").hasMedia()
                    && s.snapshot("360p") != null && s.snapshot("360p").hasMedia();
        });

        long end = System.currentTimeMillis() + RUN_MS;
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        Map<Integer, AtomicInteger> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 2);
        for (int i = 0; i < READERS; i++) {
            String rendition = i % 2 == 0 ? "720p" : "360p";
            pool.submit(() -> reader(rendition, end, problems, statuses));
        }
        pool.submit(() -> snapshotChecker(end, problems));
        int reconnects = 0;
        while (System.currentTimeMillis() < end - 1500) {
            Thread.sleep(1500);
            publisher.drop();
            Thread.sleep(200);
            publisher.start();
            reconnects++;
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(RUN_MS + 30_000, TimeUnit.MILLISECONDS), "every reader finished (no deadlock)");

        // still alive after it all: the stream publishes new parts
        long before = parts.get();
        TestNode.await("new parts after the run", Duration.ofSeconds(10), () -> parts.get() > before + 3);

        assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + List.copyOf(problems).subList(0, Math.min(5, problems.size())));
        int ok = statuses.getOrDefault(200, new AtomicInteger()).get();
        assertTrue(ok > READERS * 5, "blocking reloads answered: " + statuses);
        assertEquals(Map.of(200, ok), toMap(statuses), "every blocking reload answered with a playlist");
        assertTrue(reconnects >= 5, "reconnects " + reconnects);
        // 12 s of 0.5 s parts on three renditions, minus the reconnect gaps: ingest kept going
        assertTrue(parts.get() > 40, "parts published during the run: " + parts.get());
        assertEquals(0, fastLagged.get(), "the fast subscriber lost nothing");
        assertTrue(slow.subscription.dropped() > 0, "the slow subscriber fell behind and lost events: " + slow.subscription.dropped());
        assertTrue(slow.lagged.get() > 0, "and was told so");
        fast.close();
        slow.subscription.close();
        publisher.drop();
    }

    private static Map<Integer, Integer> toMap(Map<Integer, AtomicInteger> m) {
        Map<Integer, Integer> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** A viewer in blocking-reload mode: always asks for the next part, checks every playlist it gets. */
    private void reader(String rendition, long end, ConcurrentLinkedQueue<String> problems, Map<Integer, AtomicInteger> statuses) {
        long msn = -1;
        int part = -1;
        while (System.currentTimeMillis() < end) {
            String path = "/live/" + KEY + "/" + rendition + "/index.m3u8" + (msn < 0 ? "" : "?_HLS_msn=" + msn + "&_HLS_part=" + part);
            HttpResponse<String> r;
            try {
                r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                problems.add(path + ": " + e);
                return;
            }
            statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
            if (r.statusCode() != 200) {
                problems.add(path + ": HTTP " + r.statusCode() + " " + r.body());
                msn = -1;
                continue;
            }
            try {
                Playlist p = new Playlist(r.body());
                List<Playlist.Segment> segs = p.segments();
                long last = segs.isEmpty() ? p.mediaSequence() - 1 : segs.get(segs.size() - 1).msn();
                List<Playlist.Line> trailing = p.trailingParts();
                for (Playlist.Segment s : segs) {
                    checkParts(s.parts(), s.msn(), path, problems);
                }
                checkParts(trailing, last + 1, path, problems);
                if (msn >= 0 && !(last >= msn || (last + 1 == msn && trailing.size() > part))) {
                    problems.add(path + ": answered before it held the part asked for:\n" + r.body());
                }
                if (trailing.isEmpty()) {
                    msn = last + 1;
                    part = 0;
                } else {
                    msn = last + 1;
                    part = trailing.size();
                }
            } catch (RuntimeException | AssertionError e) {
                problems.add(path + ": " + e + "\n" + r.body());
                msn = -1;
            }
        }
    }

    /** The parts listed for segment {@code msn} are part-msn.0, .1, ... in order. */
    private static void checkParts(List<Playlist.Line> parts, long msn, String path, ConcurrentLinkedQueue<String> problems) {
        for (int i = 0; i < parts.size(); i++) {
            String uri = parts.get(i).attr("URI");
            int q = uri.indexOf('?');
            String plain = q < 0 ? uri : uri.substring(0, q);
            if (!plain.equals("part-" + msn + "." + i + ".m4s")) {
                problems.add(path + ": part " + i + " of segment " + msn + " is " + uri);
            }
        }
    }

    /** Reads every rendition's snapshot in a loop from a foreign thread: each must be whole. */
    private void snapshotChecker(long end, ConcurrentLinkedQueue<String> problems) {
        Map<String, Long> versions = new HashMap<>();
        long checked = 0;
        while (System.currentTimeMillis() < end) {
            LiveStream s = node.streams().get(KEY);
            if (s == null) {
                continue;
            }
            for (String r : s.renditions()) {
                RenditionSnapshot snap = s.snapshot(r);
                if (snap == null) {
                    continue;
                }
                checked++;
                Long before = versions.put(r, snap.version());
                if (before != null && snap.version() < before) {
                    problems.add(r + ": version went back " + before + " -> " + snap.version());
                }
                List<MediaSegment> segs = new ArrayList<>(snap.retired());
                segs.addAll(snap.listed());
                for (int i = 1; i < segs.size(); i++) {
                    if (segs.get(i).msn() != segs.get(i - 1).msn() + 1) {
                        problems.add(r + ": segments not contiguous at " + segs.get(i).msn());
                    }
                }
                if (snap.open() != null && !snap.listed().isEmpty() && snap.open().msn() != snap.listed().get(snap.listed().size() - 1).msn() + 1) {
                    problems.add(r + ": open segment " + snap.open().msn() + " does not follow the listed ones");
                }
                if (snap.open() != null) {
                    segs.add(snap.open());
                }
                for (MediaSegment seg : segs) {
                    if (!seg.complete() && seg != snap.open()) {
                        problems.add(r + ": incomplete segment " + seg.msn() + " listed");
                    }
                    for (int i = 0; i < seg.parts().size(); i++) {
                        MediaPart p = seg.parts().get(i);
                        if (p.msn() != seg.msn() || p.index() != i) {
                            problems.add(r + ": part " + p.msn() + "." + p.index() + " at " + seg.msn() + "/" + i);
                        }
                    }
                    if (seg.initVersion() >= 0 && !snap.inits().containsKey(seg.initVersion())) {
                        problems.add(r + ": segment " + seg.msn() + " needs init " + seg.initVersion() + " which is gone");
                    }
                }
            }
        }
        if (checked < 1000) {
            problems.add("the snapshot checker only checked " + checked + " snapshots");
        }
    }

    /** Takes every event on a worker thread and sleeps on each: far slower than the stream. */
    private static final class SlowSubscriber extends VerticleBase {

        private final TimelineEvents events;
        private final AtomicInteger lagged = new AtomicInteger();
        private TimelineEvents.Subscription subscription;

        SlowSubscriber(TimelineEvents events) {
            this.events = events;
        }

        @Override
        public Future<?> start() {
            subscription = events.subscribe("slow", context, 8, e -> {
                if (e instanceof TimelineEvent.Lagged) {
                    lagged.incrementAndGet();
                }
                try {
                    Thread.sleep(400); // 2.5 events a second: the stream makes about 8
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            });
            return Future.succeededFuture();
        }
    }
}
