package io.tributary.media.hls;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One viewing session's pods by break, oldest first, at most {@code max} (the oldest goes for a
 * new one). A pod that goes leaves its numbering behind: what its settled placements added to each
 * rendition (segments beyond the content they replaced, discontinuity tags) is folded into the
 * session's base, so the session's sequence numbers never step back. The origin's sessions and an
 * edge's are one of these (with what they know of the session besides).
 *
 * @param <P> a session's pod for one break
 */
public class PodHistory<P> {

    private final int max;
    private final Function<P, Collection<String>> renditions;
    private final BiFunction<P, String, PodPlacement> placed;
    private final LinkedHashMap<String, P> pods = new LinkedHashMap<>();
    private final Map<String, long[]> base = new HashMap<>();

    /**
     * @param renditions the renditions a pod was placed in (or is being placed in)
     * @param placed     a pod's placement in a rendition built so far, or null
     */
    public PodHistory(int max, Function<P, Collection<String>> renditions, BiFunction<P, String, PodPlacement> placed) {
        this.max = max;
        this.renditions = renditions;
        this.placed = placed;
    }

    /** The break's pod, made by {@code create} the first time. */
    public synchronized P pod(String breakId, Supplier<P> create) {
        P p = pods.get(breakId);
        if (p == null) {
            p = create.get();
            pods.put(breakId, p);
            if (pods.size() > max) {
                forget(pods.keySet().iterator().next());
            }
        }
        return p;
    }

    public synchronized P find(String breakId) {
        return pods.get(breakId);
    }

    /** The pods kept, oldest first. */
    public synchronized List<P> all() {
        return new ArrayList<>(pods.values());
    }

    /** {session msns minus content msns, discontinuities} left in {@code rendition} by forgotten pods. */
    public synchronized long[] base(String rendition) {
        long[] b = base.get(rendition);
        return b == null ? new long[2] : b.clone();
    }

    private void forget(String breakId) {
        P p = pods.remove(breakId);
        for (String rendition : renditions.apply(p)) {
            PodPlacement placement = placed.apply(p, rendition);
            if (placement != null && placement.settled() && !placement.missed()) {
                long[] b = base.computeIfAbsent(rendition, r -> new long[2]);
                b[0] += placement.msnDelta();
                // every tag it added has left the window by now; the content tags it hid are counted by the content
                b[1] += placement.addedDiscontinuities() - placement.removedDiscontinuityCount();
            }
        }
    }
}
