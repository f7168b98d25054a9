package io.tributary.live;

import io.tributary.log.LogContext;
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
    private final PublishGate gate;
    private volatile OnPublishHook hook;
    /** Publications open now: a shutting-down node tells each one's broadcaster. */
    private final java.util.Set<Publication> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @param keys which stream keys may publish ({@code rtmp.stream-keys}, for every protocol)
     */
    public Publications(LiveStreams streams, PublishClaims claims, NodeMetrics metrics, PublishSettings keys) {
        this(streams, claims, metrics, keys, PublishGate.NONE);
    }

    /**
     * @param keys which stream keys may publish without a secret ({@code rtmp.stream-keys}, for every protocol)
     * @param gate the publish secrets of the other keys
     */
    public Publications(LiveStreams streams, PublishClaims claims, NodeMetrics metrics, PublishSettings keys, PublishGate gate) {
        this.gate = gate;
        this.streams = streams;
        this.claims = claims;
        this.metrics = metrics;
        this.keys = keys;
    }

    /** Asks {@code hook} (null: none) before every publish; it may refuse or rename. */
    public Publications withHook(OnPublishHook hook) {
        this.hook = hook;
        return this;
    }

    /** Whether {@code key} may publish on this node without a secret. */
    public boolean allows(String key) {
        return StreamKeys.valid(key) && keys.allows(key);
    }

    /** Whether {@code key} publishes with a secret, and only with it (SRT's 1401 rather than 1403 for a caller without one). */
    public boolean needsSecret(String key) {
        return !keys.allows(key) && gate.hasSecret(key);
    }

    /** Null when {@code key} may publish with {@code secret} (null: none); else why not (the first check of {@link #open}). */
    public String refusal(String key, String secret) {
        if (!StreamKeys.valid(key)) {
            return "stream key '" + key + "' is not a valid key (letters, digits, '-' and '_', 1-128)";
        }
        return keys.allows(key) ? null : gate.refusal(key, secret);
    }

    /**
     * Opens a publication of {@code key} for {@code source}; call on the source's context.
     * Fails with a {@link PublishException} saying why the publish is refused.
     *
     * @param protocol for the stream's record: "rtmp", "srt", "playout", ...
     */
    public Future<Publication> open(String key, String protocol, PublishSource source) {
        return open(key, null, protocol, source);
    }

    /** As {@link #open(String, String, PublishSource)}, with the publish secret the source presented (null: none). */
    public Future<Publication> open(String key, String secret, String protocol, PublishSource source) {
        String refused = refusal(key, secret);
        if (refused != null) {
            return Future.failedFuture(new PublishException(PublishException.Kind.BAD_NAME, "bad_key", refused));
        }
        return openChecked(key, protocol, source);
    }

    /**
     * Opens a publication for a source inside this node (a FAST channel's playout), which no
     * broadcaster can reach: no stream-key list or publish secret applies, only a valid key and
     * the node's state (draining) and the cluster's claim.
     */
    public Future<Publication> openInProcess(String key, String protocol, PublishSource source) {
        if (!StreamKeys.valid(key)) {
            return Future.failedFuture(new PublishException(PublishException.Kind.BAD_NAME, "bad_key",
                    "stream key '" + key + "' is not a valid key (letters, digits, '-' and '_', 1-128)"));
        }
        return openChecked(key, protocol, source);
    }

    private Future<Publication> openChecked(String key, String protocol, PublishSource source) {
        if (!streams.acceptsPublish(key)) {
            return Future.failedFuture(new PublishException(PublishException.Kind.REJECTED, "draining",
                    "this node is draining and takes no new streams: publish '" + key + "' to another node"));
        }
        Context context = Vertx.currentContext();
        OnPublishHook h = hook;
        if (h == null) {
            return claimAndAttach(key, protocol, source, context);
        }
        // the hook may refuse, or rename: the name it gives is the one claimed and played
        source.pause();
        return Future.<String>future(done -> h.decide(key, protocol, source.describe()).onComplete(ar -> Writer.settle(context, ar, done)))
                .onComplete(x -> source.resume())
                .compose(name -> claimAndAttach(name, protocol, source, context));
    }

    private Future<Publication> claimAndAttach(String key, String protocol, PublishSource source, Context context) {
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
        if (!streams.acceptsPublish(key)) {
            claims.release(key); // the node began to drain or stop while the claim was pending
            return Future.failedFuture(new PublishException(PublishException.Kind.REJECTED, "draining",
                    "this node is draining and takes no new streams: publish '" + key + "' to another node"));
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
                            metrics.timestampJumps(key), open::remove);
                    open.add(publication);
                    if (!source.active()) {
                        // the source left while the attach hopped to the stream's writer: it is released at once
                        publication.close();
                        return Future.failedFuture(new PublishException(PublishException.Kind.REJECTED, "gone",
                                "the publisher of '" + key + "' left before its publication opened"));
                    }
                    try (LogContext c = LogContext.stream(key)) {
                        LOG.info(() -> "publish started: " + key + " over " + protocol + " (" + source.describe() + ")");
                    }
                    return Future.succeededFuture(publication);
                });
    }

    /**
     * The node shuts down: every open publication's source tells its broadcaster {@code why} and
     * closes. Done when each source has; gives how many there were.
     */
    public Future<Integer> shutdown(String why) {
        java.util.List<Publication> now = java.util.List.copyOf(open);
        java.util.List<Future<Void>> told = new java.util.ArrayList<>();
        for (Publication p : now) {
            told.add(p.shutdown(why));
        }
        return Future.join(told).map(x -> now.size());
    }

    /**
     * An operator kicks the publisher of {@code key}: its source tells the broadcaster {@code why}
     * and closes, as at a shutdown. Gives how many publications of the key were open (0 or 1).
     */
    public Future<Integer> kick(String key, String why) {
        java.util.List<Future<Void>> told = new java.util.ArrayList<>();
        for (Publication p : java.util.List.copyOf(open)) {
            if (p.key().equals(key)) {
                told.add(p.shutdown(why));
            }
        }
        return Future.join(told).map(x -> told.size());
    }

    private static PublishException refusal(String key, Throwable e) {
        if (e instanceof StreamHeldException held) {
            return new PublishException(PublishException.Kind.BAD_NAME, "duplicate", held.getMessage());
        }
        try (LogContext c = LogContext.stream(key)) {
            LOG.log(Level.WARNING, "claiming stream key " + key + " failed", e);
        }
        return new PublishException(PublishException.Kind.REJECTED, "registry_error",
                "cannot claim stream key '" + key + "' in the cluster: " + e.getMessage());
    }
}
