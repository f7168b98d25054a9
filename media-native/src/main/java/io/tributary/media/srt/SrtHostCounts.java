package io.tributary.media.srt;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections (pending and established) per caller host, as the per-address cap counts them. Safe to
 * share between listeners on different threads: the SRT listener instances of one node share one, so the
 * cap holds for the node, not per instance (the kernel spreads one host's ports over the instances).
 * A check and the later count are not one step, so listeners admitting the same host at the same moment
 * may pass the cap by at most one each; that stays bounded.
 */
public final class SrtHostCounts {

    private final ConcurrentHashMap<String, Integer> byHost = new ConcurrentHashMap<>();

    public int count(String host) {
        return byHost.getOrDefault(host, 0);
    }

    void add(String host) {
        byHost.merge(host, 1, Integer::sum);
    }

    void remove(String host) {
        byHost.computeIfPresent(host, (h, n) -> n > 1 ? n - 1 : null);
    }
}
