package io.tributary.cluster;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a node does in the cluster; a node may hold several roles (by default origin, edge and
 * router). {@link #WORKER} alone makes a node that only transcodes VOD jobs.
 */
public enum Role {
    /** Ingests (RTMP), packages, and serves its own streams. */
    ORIGIN,
    /** Serves any stream from its cache, fetching from the stream's origin on a miss. */
    EDGE,
    /** Sends each viewer request to an edge by consistent hash of the content. */
    ROUTER,
    /**
     * Runs the VOD transcode workers. Every node with VOD does; a node whose only role this is
     * does nothing else: no ingest, no delivery, no API (only health and metrics on its HTTP port).
     */
    WORKER;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses role names ({@code origin}, {@code edge}, {@code router}, {@code worker}); null on an unknown name. */
    public static Set<Role> parse(List<String> names) {
        EnumSet<Role> out = EnumSet.noneOf(Role.class);
        for (String n : names) {
            Role found = null;
            for (Role r : values()) {
                if (r.id().equalsIgnoreCase(n.trim())) {
                    found = r;
                }
            }
            if (found == null) {
                return null;
            }
            out.add(found);
        }
        return out;
    }
}
