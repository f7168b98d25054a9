package io.tributary.ingest.srt;

import io.micrometer.core.instrument.Gauge;
import io.tributary.media.srt.SrtHostCounts;
import io.tributary.metrics.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SRT listener instances of one node: each its own UDP socket on the same port (SO_REUSEPORT,
 * so the kernel spreads callers over them by their address and port, and a caller's datagrams always
 * reach the same socket), its own {@link io.tributary.media.srt.SrtListener} and event loop. The
 * first binds the configured port (0: any) and the others the port it got. The node's figures are
 * their sums; each instance's connections are also shown by its index.
 */
final class SrtListenerGroup {

    private final int size;
    private final Promise<Integer> port = Promise.promise();
    private final AtomicInteger joined = new AtomicInteger();
    private final List<SrtIngestVerticle> members = new CopyOnWriteArrayList<>();
    /** One per-host count for every instance: srt.max-connections-per-address is the node's. */
    private final SrtHostCounts hosts = new SrtHostCounts();

    SrtListenerGroup(int size, NodeMetrics metrics) {
        this.size = size;
        metrics.srtConnections(() -> sum(0));
        metrics.srtWindows(() -> sum(1), () -> sum(2));
        for (int i = 0; i < size; i++) {
            int index = i;
            Gauge.builder("tributary_srt_listener_connections", () -> index < members.size() ? members.get(index).connections() : 0)
                    .description("SRT callers held now by each SRT listener instance (srt.instances share the port)")
                    .tag("listener", Integer.toString(i)).register(metrics.registry());
        }
    }

    SrtHostCounts hosts() {
        return hosts;
    }

    int size() {
        return size;
    }

    /** A new instance's index (0: the one that binds first). */
    int join(SrtIngestVerticle v) {
        members.add(v);
        return joined.getAndIncrement();
    }

    /** The port the first instance bound; the others bind it too. */
    Future<Integer> port() {
        return port.future();
    }

    void bound(int actualPort) {
        port.tryComplete(actualPort);
    }

    void failed(Throwable cause) {
        port.tryFail(cause);
    }

    /** The first instance made: the one the node knows the port of. */
    SrtIngestVerticle first() {
        return members.isEmpty() ? null : members.get(0);
    }

    private long sum(int figure) {
        long n = 0;
        for (SrtIngestVerticle v : members) {
            n += switch (figure) {
                case 0 -> v.connections();
                case 1 -> v.heldBytes();
                default -> v.overBudget();
            };
        }
        return n;
    }
}
