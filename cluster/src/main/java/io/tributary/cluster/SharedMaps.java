package io.tributary.cluster;

/** Names of the distributed maps every node agrees on. */
public final class SharedMaps {

    /** Player sessions: session id -> JSON record, written in batches by the node serving the session. */
    public static final String SESSIONS = "tributary.sessions";

    private SharedMaps() {
    }
}
