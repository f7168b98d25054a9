package io.tributary.live;

import io.tributary.cluster.registry.StreamHeldException;
import io.tributary.config.StreamKeys;
import io.tributary.StatusException;
import io.tributary.metrics.NodeMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The publication API: how any ingest protocol (RTMP today, SRT next, a FAST playout)
 * starts publishing a stream key. It checks the key, refuses while the node drains,
 * claims the key in the cluster (pausing the source until the answer), attaches to the
 * live stream (a new one, a reconnect, or a takeover), and counts per-stream metrics.
 * What is left for a protocol is translating its own messages into {@link MediaEvent}s.
 */
public final class Publications {

    private static final Logger LOG = Logger.getLogger(Publications.class.getName());
    private static final AtomicLong IDS = new AtomicLong();

    private final LiveStreams streams;
    private final PublishClaims claims;
    private final NodeMetrics metrics;
    private final PublishSettings keys;

    /**
     * @param keys which stream keys may publish ({@code rtmp.stream-keys}, for every protocol)
     */
    public Publications(LiveStreams streams, PublishClaims claims, NodeMetrics metrics, PublishSettings keys) {
        this.streams = streams;
        this.claims = claims;
        this.metrics = metrics;
        this.keys = keys;
    }

    /** Whether {@code key} may publish on this node at all (the first check of {@link #open}). */
    public boolean allows(String key) {
        return StreamKeys.valid(key) && keys.allows(key);
    }

    /**
     * Opens a publication of {@code key} for {@code source}; call on the source's context.
     * Fails with a {@link PublishException} saying why the publish is refused.
     *
     * @param protocol for the stream's record: "rtmp", "srt", "playout", ...
     */
    public Future<Publication> open(String key, String protocol, PublishSource source) {
        if (!allows(key)) {
            return Future.failedFuture(new PublishException(PublishException.Kind.BAD_NAME, "bad_key",
                    "stream key '" + key + "' is not allowed on this server"));
        }
        if (!streams.acceptsPublish(key)) {
            return Future.failedFuture(new PublishException(PublishException.Kind.REJECTED, "draining",
                    "this node is draining and takes no new streams: publish '" + key + "' to another node"));
        }
        Context context = Vertx.currentContext();
        Future<Void> claim = claims.claim(key);
        if (!claim.isComplete()) {
            source.pause();
            Future<Void> pending = claim;
            claim = Future.<Void>future(done -> pending.onComplete(ar -> Writer.settle(context, ar, done)))
                    .onComplete(x -> source.resume());
        }
        return claim.recover(e -> Future.failedFuture(refusal(key, e)))
                .compose(x -> attach(key, protocol, source, context));
    }

    private Future<Publication> attach(String key, String protocol, PublishSource source, Context context) {
        if (!source.active()) {
            claims.release(key); // the source left while its claim was pending: no stream comes of it
            return Future.failedFuture(new PublishException(PublishException.Kind.REJECTED, "gone",
                    "the publisher left before its claim of '" + key + "' was answered"));
        }
        long id = IDS.incrementAndGet();
        // a takeover closes this source on its own context
        Runnable closer = () -> context.runOnContext(v -> source.takenOver());
        return streams.claim(key, protocol, id, closer)
                .recover(e -> {
                    claims.release(key);
                    if (e instanceof StatusException s && s.status() == 409) {
                        return Future.failedFuture(new PublishException(PublishException.Kind.BAD_NAME, "duplicate", s.getMessage()));
                    }
                    if (e instanceof StatusException s) {
                        return Future.failedFuture(new PublishException(PublishException.Kind.REJECTED, "capacity", s.getMessage()));
                    }
                    return Future.failedFuture(e);
                })
                .compose(stream -> {
                    Publication publication = new Publication(streams, stream, id, source, context, metrics.ingestBytes(key),
                            metrics.ingestFrames(key, "video"), metrics.ingestFrames(key, "audio"),
                            metrics.timestampJumps(key));
                    if (!source.active()) {
                        // the source left while the attach hopped to the stream's writer: it is released at once
                        publication.close();
                        return Future.failedFuture(new PublishException(PublishException.Kind.REJECTED, "gone",
                                "the publisher of '" + key + "' left before its publication opened"));
                    }
                    LOG.info(() -> "publish started: " + key + " over " + protocol + " (" + source.describe() + ")");
                    return Future.succeededFuture(publication);
                });
    }

    private static PublishException refusal(String key, Throwable e) {
        if (e instanceof StreamHeldException held) {
            return new PublishException(PublishException.Kind.BAD_NAME, "duplicate", held.getMessage());
        }
        LOG.log(Level.WARNING, "claiming stream key " + key + " failed", e);
        return new PublishException(PublishException.Kind.REJECTED, "registry_error",
                "cannot claim stream key '" + key + "' in the cluster: " + e.getMessage());
    }
}
