package io.tributary.ingest;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * One timer per ingest verticle that closes its silent RTMP peers, instead of one timer per
 * connection: thousands of idle callers cost one periodic task. Confined to the verticle's event
 * loop (connections are added, removed and swept there).
 */
final class IdleSweep {

    private final Vertx vertx;
    private final long idleNanos;
    private final long periodMs;
    private final Set<RtmpPublisher> peers = new HashSet<>();
    private long timer = -1;

    IdleSweep(Vertx vertx, Duration idleTimeout) {
        this.vertx = vertx;
        this.idleNanos = idleTimeout.toNanos();
        // a peer is closed between one and one and a half timeouts after its last byte
        this.periodMs = Math.max(100, Math.min(5000, idleTimeout.toMillis() / 2));
    }

    void add(RtmpPublisher p) {
        peers.add(p);
        if (timer < 0) {
            timer = vertx.setPeriodic(periodMs, t -> sweep());
        }
    }

    void remove(RtmpPublisher p) {
        peers.remove(p);
    }

    private void sweep() {
        long now = System.nanoTime();
        for (RtmpPublisher p : new ArrayList<>(peers)) {
            p.closeIfIdle(now, idleNanos);
        }
    }

    void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
