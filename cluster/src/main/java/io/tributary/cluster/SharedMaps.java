package io.tributary.cluster;

/** Names of the distributed maps every node agrees on. */
public final class SharedMaps {

    /** Player sessions: session id -> JSON record, written in batches by the node serving the session. */
    public static final String SESSIONS = "tributary.sessions";

    /** Stream registry: stream key -> JSON {origin base URL, origin member UUID, since}. */
    public static final String STREAMS = "tributary.streams";

    /** Node adverts: member UUID -> JSON {roles, HTTP base URLs}. */
    public static final String NODES = "tributary.nodes";

    /** Content hotness: content key (stream/rendition) -> decayed request score, merged by entry processors. */
    public static final String HOTNESS = "tributary.hotness";

    /** The same per region: content key + '@' + region -> score. */
    public static final String HOTNESS_REGIONS = "tributary.hotness.regions";

    /** API rate limits: scope and client -> {@link io.tributary.cluster.ratelimit.RateWindow}, expiring with its period. */
    public static final String RATE_LIMITS = "tributary.ratelimits";

    private SharedMaps() {
    }
}
