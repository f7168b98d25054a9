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
    /**
     * How far into the break the session joined (ms; 0 when it was there at its start): the ads that
     * began before are skipped, their time plays as the shared playlist (content or slate).
     */
    final long joinedMs;
    /** The pod, or a failure: then the break plays as the shared playlist (content or slate). */
    final Future<AdPod> decision;
    private final ConcurrentHashMap<String, Future<PodPlacement>> placements = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, AdSegmentProgress> progress = new ConcurrentHashMap<>();
    private Future<Void> beacons = Future.succeededFuture();

    SessionPod(String session, String stream, String breakId, long startDate, long breakMs, long joinedMs, Future<AdPod> decision) {
        this.session = session;
        this.stream = stream;
        this.breakId = breakId;
        this.startDate = startDate;
        this.breakMs = breakMs;
        this.joinedMs = Math.max(0, joinedMs);
        this.decision = decision;
    }

    /**
     * The pod in {@code rendition}, built once; null when the decision failed or gave no ads to play.
     *
     * @param runs each ad of the pod in this rendition, in pod order; a null entry for an ad without media
     */
    Future<PodPlacement> placement(String rendition, Function<AdPod, Future<List<AdRun>>> runs, long toleranceMs) {
        return placements.computeIfAbsent(rendition, r -> decision
                .compose(pod -> runs.apply(pod).map(list -> {
                    int skip = skipped(pod);
                    long shift = 0;
                    List<AdRun> kept = new ArrayList<>(list.size());
                    for (int i = 0; i < list.size(); i++) {
                        AdRun run = list.get(i);
                        if (run == null) {
                            continue; // no media: left out, the ads after it move up (as for every session)
                        }
                        if (i < skip) {
                            shift += run.durationMs(); // begun before the session joined: its time stays content
                        } else {
                            kept.add(run);
                        }
                    }
                    return kept.isEmpty() ? null : new PodPlacement(breakId, startDate + shift, kept, toleranceMs);
                }))
                .otherwise((PodPlacement) null));
    }

    /** How many of the pod's first ads the session does not play: those that began before it joined. */
    int skipped(AdPod pod) {
        return skipped(pod.ads().stream().mapToLong(AdPod.Ad::durationMs).toArray(), joinedMs);
    }

    /**
     * Late joiners, as MediaTailor does it: a partial ad is never played, so a session that joined
     * {@code joinedMs} into the break gets the ads starting at or after that point (an ad starting
     * within {@value #JOIN_SLACK_MS} ms before it counts as after: segment boundaries are rounded).
     */
    static int skipped(long[] durationsMs, long joinedMs) {
        if (joinedMs <= 0) {
            return 0;
        }
        long start = 0;
        for (int i = 0; i < durationsMs.length; i++) {
            if (start + JOIN_SLACK_MS >= joinedMs) {
                return i;
            }
            start += durationsMs[i];
        }
        return durationsMs.length;
    }

    static final long JOIN_SLACK_MS = 250;

    /** The placement built so far in {@code rendition}, or null (a forgotten pod's numbering is folded into the session's base). */
    PodPlacement placed(String rendition) {
        Future<PodPlacement> f = placements.get(rendition);
        return f != null && f.succeeded() ? f.result() : null;
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
