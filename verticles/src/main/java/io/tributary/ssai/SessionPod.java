package io.tributary.ssai;

import io.tributary.media.hls.AdRun;
import io.tributary.media.hls.PodPlacement;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One session's pod for one break: the decision (asked once), where it sits in each rendition
 * ({@link PodPlacement}, kept so every reload numbers alike), how far each ad was fetched, and the
 * beacons sent in order (one chain per pod: a quartile never overtakes the start).
 */
final class SessionPod {

    final String session;
    final String stream;
    final String breakId;
    final long startDate;
    final long breakMs;
    /** The pod, or a failure: then the break plays as the shared playlist (content or slate). */
    final Future<AdPod> decision;
    private final ConcurrentHashMap<String, Future<PodPlacement>> placements = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, AdSegmentProgress> progress = new ConcurrentHashMap<>();
    private Future<Void> beacons = Future.succeededFuture();

    SessionPod(String session, String stream, String breakId, long startDate, long breakMs, Future<AdPod> decision) {
        this.session = session;
        this.stream = stream;
        this.breakId = breakId;
        this.startDate = startDate;
        this.breakMs = breakMs;
        this.decision = decision;
    }

    /** The pod in {@code rendition}, built once; null when the decision failed or gave no ads. */
    Future<PodPlacement> placement(String rendition, Function<AdPod, Future<List<AdRun>>> runs, long toleranceMs) {
        return placements.computeIfAbsent(rendition, r -> decision
                .compose(pod -> runs.apply(pod))
                .map(list -> list.isEmpty() ? null : new PodPlacement(breakId, startDate, list, toleranceMs))
                .otherwise((PodPlacement) null));
    }

    /** Placements built so far (for folding a forgotten pod's numbering into the session's base). */
    List<PodPlacement> placements(String rendition) {
        Future<PodPlacement> f = placements.get(rendition);
        List<PodPlacement> out = new ArrayList<>(1);
        if (f != null && f.succeeded() && f.result() != null) {
            out.add(f.result());
        }
        return out;
    }

    java.util.Set<String> renditions() {
        return placements.keySet();
    }

    AdSegmentProgress progress(int ad) {
        return progress.computeIfAbsent(ad, a -> new AdSegmentProgress());
    }

    /** Runs {@code send} after every beacon of this pod sent before it (whatever their outcome). */
    synchronized Future<Void> inOrder(java.util.function.Supplier<Future<Void>> send) {
        Future<Void> next = beacons.eventually(() -> Future.succeededFuture()).compose(x -> send.get());
        beacons = next.otherwiseEmpty();
        return next;
    }
}
