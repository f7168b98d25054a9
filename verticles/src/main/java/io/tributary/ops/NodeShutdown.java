package io.tributary.ops;

import io.tributary.live.LiveStreams;
import io.tributary.live.Publications;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A node's graceful stop (SIGTERM), bounded by {@code shutdown.grace}: drain (health 503, no new
 * publish), tell every publisher and close it, end every stream now (EXT-X-ENDLIST; the held LL-HLS
 * requests of those streams are answered by the end), wait for the requests still held and those the
 * edge and router roles are answering (their health says 503 meanwhile), then close the node, whose
 * HTTP servers finish their in-flight responses within what is left of the grace.
 */
public final class NodeShutdown {

    private static final Logger LOG = Logger.getLogger(NodeShutdown.class.getName());
    static final String WHY = "the server is shutting down: publish to another node";
    /** Left for closing the node (cluster leave, servers) after the wait for held requests. */
    static final Duration CLOSE_RESERVE = Duration.ofSeconds(5);

    /** What the stop did, for the log line and for tests; -1 for a count that did not come in time. */
    public record Report(int publishersTold, int streamsEnded, int heldAtStart, int heldLeft, long drainMillis,
                         long totalMillis) {
        @Override
        public String toString() {
            return String.format("%d publishers told and closed, %d streams ended (EXT-X-ENDLIST), %d requests held or in flight at the start"
                            + " and %d after the drain%s, drained in %d ms, closed in %d ms", publishersTold, streamsEnded, heldAtStart,
                    heldLeft, heldLeft > 0 ? " (left to the servers' shutdown)" : "", drainMillis, totalMillis);
        }
    }

    private final Vertx vertx;
    private final LiveStreams streams;
    private final Publications publications;
    private final VerticleScaler scaler;
    private final NodeApi api;
    private final AtomicInteger held;
    private final Supplier<Future<Void>> close;

    /**
     * @param publications null on a node without the origin role
     * @param held         the node's held-requests gauge
     * @param close        closes the node (its teardown)
     */
    public NodeShutdown(Vertx vertx, LiveStreams streams, Publications publications, VerticleScaler scaler, NodeApi api,
                        AtomicInteger held, Supplier<Future<Void>> close) {
        this.vertx = vertx;
        this.streams = streams;
        this.publications = publications;
        this.scaler = scaler;
        this.api = api;
        this.held = held;
        this.close = close;
    }

    /** Runs the stop; completes once the node is closed (not bound to a context of the Vert.x it closes). */
    public Future<Report> run(Duration grace) {
        long started = System.nanoTime();
        long deadline = started + grace.toNanos();
        long waitUntil = deadline - Math.min(CLOSE_RESERVE.toNanos(), grace.toNanos() / 4);
        LOG.info(() -> "shutting down: draining for up to " + grace.toMillis() + " ms (health 503, new publishes refused)");
        streams.drain();
        scaler.shutdown();
        int heldAtStart = Math.max(0, held.get()) + api.inFlight();
        // a step that does not answer (an event loop stuck) does not hold the stop past its bound
        Future<Integer> told = publications == null ? Future.succeededFuture(0)
                : within(publications.shutdown(WHY), waitUntil, -1);
        Promise<Report> done = Promise.promise();
        told.compose(n -> within(streams.endAll(), waitUntil, -1).map(ended -> new int[]{n, ended}))
                .compose(counts -> heldAnswered(waitUntil).map(left -> {
                    long drained = (System.nanoTime() - started) / 1_000_000;
                    return new int[]{counts[0], counts[1], left, (int) drained};
                }))
                .onComplete(ar -> {
                    int[] c = ar.succeeded() ? ar.result() : new int[]{0, 0, Math.max(0, held.get()) + api.inFlight(), 0};
                    api.closing(deadline);
                    close.get().onComplete(x -> done.complete(new Report(c[0], c[1], heldAtStart, c[2], c[3],
                            (System.nanoTime() - started) / 1_000_000)));
                });
        return done.future();
    }

    /** {@code f}'s result, or {@code fallback} when it fails or has not completed by {@code until} (nanoTime). */
    private <T> Future<T> within(Future<T> f, long until, T fallback) {
        Promise<T> out = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, (until - System.nanoTime()) / 1_000_000), id -> out.tryComplete(fallback));
        f.onComplete(ar -> {
            vertx.cancelTimer(timer);
            out.tryComplete(ar.succeeded() ? ar.result() : fallback);
        });
        return out.future();
    }

    /**
     * Polls the held-requests gauge and the requests the edge and router roles are answering until both are 0
     * or {@code until} (nanoTime) passes; gives what is still in flight.
     */
    private Future<Integer> heldAnswered(long until) {
        Promise<Integer> left = Promise.promise();
        poll(until, left);
        return left.future();
    }

    private void poll(long until, Promise<Integer> left) {
        int now = Math.max(0, held.get()) + api.inFlight();
        if (now <= 0 || System.nanoTime() - until >= 0) {
            left.complete(Math.max(0, now));
            return;
        }
        vertx.setTimer(50, id -> poll(until, left));
    }
}
