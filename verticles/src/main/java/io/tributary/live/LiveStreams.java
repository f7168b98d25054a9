package io.tributary.live;

import io.tributary.StatusException;
import io.tributary.config.TributaryConfig;
import io.tributary.media.transcode.LadderRung;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's live streams by key. Publications ({@link Publications}) attach and release
 * publishers; each stream's lifecycle (attach, takeover, reconnect grace, end, retention)
 * runs on that stream's writer context, like its media. Everything that happens to a
 * stream is a {@link TimelineEvent} on {@link #events()}.
 */
public final class LiveStreams {

    /** The protocol name a FAST playout publishes under. */
    public static final String PLAYOUT = "playout";

    private final Vertx vertx;
    private final PublishSettings publish;
    private final HlsSettings hls;
    private final TranscodeSettings transcode;
    /** Ladders encoding on this node and their pixel rate (admission control). */
    private final TranscodeCapacity capacity;
    private final ConcurrentHashMap<String, LiveStream> streams = new ConcurrentHashMap<>();
    private final TranscodeEvents transcodeEvents;
    private final TimelineEvents events = new TimelineEvents();
    /** Draining: no new streams start here; live ones (and their publishers' reconnects) go on. */
    private volatile boolean draining;
    /** Shutting down: not even a reconnect to a live stream is taken. */
    private volatile boolean ending;

    /** Transcoding events the node counts: rung drops and ladder admissions. */
    public interface TranscodeEvents {
        void dropped(String stream, String rendition, int frames);

        /** A new stream's ladder admission: "admitted", "passthrough" or "rejected". */
        default void admission(String result) {
        }

        /** A stream started transcoding these rungs; their figures come from {@link LiveStream#rungStats}. */
        default void rungs(LiveStream stream, List<String> rungs) {
        }
    }

    public LiveStreams(Vertx vertx, TributaryConfig config, TranscodeEvents events) {
        this.vertx = vertx;
        this.publish = config.publish();
        this.hls = config.hls();
        this.transcode = config.transcode();
        this.transcodeEvents = events;
        this.capacity = new TranscodeCapacity(transcode.maxLadders(), transcode.maxPixelRate());
    }

    /** Ladders encoding now (streams holding transcoding capacity). */
    public int transcodingLadders() {
        return capacity.ladders();
    }

    /** Encoded pixels per second the admitted ladders take. */
    public long transcodePixelRate() {
        return capacity.pixelRate();
    }

    /** Every stream's timeline events, for subscribers on this node. */
    public TimelineEvents events() {
        return events;
    }

    public LiveStream get(String key) {
        return streams.get(key);
    }

    public Collection<LiveStream> all() {
        return List.copyOf(streams.values());
    }

    public long publishing() {
        return streams.values().stream().filter(s -> s.state() == LiveStream.State.LIVE).count();
    }

    /**
     * A publisher asks for {@code key}. Completes with the stream to feed: a new one (its
     * writer is the caller's context), or one waiting for its publisher to come back. A
     * live key is refused (409) or taken over, as configured; {@code closer} cuts this
     * publisher off if it is taken over. The attach itself runs on the stream's writer,
     * where its reconnect timer and any old publisher's detach run too.
     */
    Future<LiveStream> claim(String key, String protocol, long publisherId, Runnable closer) {
        Context here = Writer.newWriter(vertx);
        boolean[] created = {false};
        LiveStream stream;
        try {
            stream = streams.compute(key, (k, existing) -> {
                if (existing == null || existing.state() == LiveStream.State.ENDED) {
                    created[0] = true;
                    // a FAST playout publishes renditions encoded ahead: no ladder, no transcoding capacity asked
                    List<LadderRung> ladder = PLAYOUT.equals(protocol) ? List.of() : admit(k);
                    return new LiveStream(k, here, hls, ladder, events, transcodeEvents, this::admitLadder);
                }
                if (existing.state() == LiveStream.State.LIVE
                        && publish.duplicatePublish() == PublishSettings.DuplicatePublish.REJECT) {
                    throw StatusException.conflict("stream key '" + k + "' is already being published");
                }
                return existing;
            });
        } catch (StatusException e) {
            return Future.failedFuture(e);
        }
        if (created[0]) {
            events.emit(new TimelineEvent.StreamStarted(key, protocol));
        }
        return Writer.call(stream.writer(), () -> {
            if (stream.state() == LiveStream.State.ENDED) {
                return null; // its grace ran out while this claim hopped here: a new stream it is
            }
            stream.cancelLifecycleTimer();
            stream.attach(publisherId, protocol, closer);
            return stream;
        }).compose(s -> s != null ? Future.succeededFuture(s) : claim(key, protocol, publisherId, closer));
    }

    /**
     * The ladder a new stream may try: the configured one, unless the node has no room
     * left for any ladder, when it gets the source alone or a refusal (503), per
     * {@code transcode.when-full}. What it really costs is known, and reserved, once its
     * video config arrives ({@link #admitLadder}).
     */
    private List<LadderRung> admit(String key) {
        List<LadderRung> ladder = transcode.ladderFor(key);
        if (ladder.isEmpty() || !capacity.full()) {
            return ladder;
        }
        return whenFull(0);
    }

    /**
     * A stream's source needs {@code pixelRate} encoded pixels per second (0: nothing to
     * encode, what it held is given back): true when reserved (replacing what the stream
     * held), else false to publish the source alone or a 503 refusal, per
     * {@code transcode.when-full}. The reservation lasts across reconnects until the stream ends.
     */
    private boolean admitLadder(LiveStream stream, long pixelRate) {
        if (pixelRate == 0) {
            capacity.release(stream);
            return true;
        }
        switch (capacity.reserve(stream, pixelRate)) {
            case ADMITTED -> transcodeEvents.admission("admitted");
            case KEPT -> { }
            case REFUSED -> {
                whenFull(pixelRate);
                return false;
            }
        }
        return true;
    }

    private List<LadderRung> whenFull(long wanted) {
        if (transcode.whenFull() == TranscodeSettings.WhenFull.REJECT) {
            transcodeEvents.admission("rejected");
            throw new StatusException(503, capacity.describe(wanted));
        }
        transcodeEvents.admission("passthrough");
        return List.of();
    }

    /**
     * An operator's ad-break cue on a live stream, at its newest media time: a {@link TimelineEvent.Cue}
     * for SSAI and the playlists. Fails with 404 for an unknown stream, 409 without a publisher.
     */
    public Future<Void> cue(String key, boolean out, double durationSeconds, String id) {
        LiveStream stream = streams.get(key);
        if (stream == null || stream.state() == LiveStream.State.ENDED) {
            return Future.failedFuture(StatusException.notFound("stream '" + key + "' is not live on this node"));
        }
        return Writer.call(stream.writer(), () -> {
            stream.cueNow(out, durationSeconds, id);
            return null;
        });
    }

    /** Stops new publishes on this node until {@link #undrain()}; streams live now continue. */
    public void drain() {
        draining = true;
    }

    /**
     * The node shuts down: drained for good, and every stream not ended yet ends now on its
     * writer (publishers detached, playlists closed with EXT-X-ENDLIST, held requests released
     * by the StreamEnded event). Gives how many streams it ended.
     */
    public Future<Integer> endAll() {
        draining = true;
        ending = true;
        List<Future<Boolean>> ended = new java.util.ArrayList<>();
        for (LiveStream stream : streams.values()) {
            ended.add(Writer.call(stream.writer(), () -> {
                if (!stream.endNow()) {
                    return false;
                }
                capacity.release(stream);
                return true;
            }));
        }
        // one stream failing to end does not hide the others' count
        return Future.join(ended).transform(x -> Future.succeededFuture(
                (int) ended.stream().filter(f -> f.succeeded() && f.result()).count()));
    }

    /** Takes new publishes again after {@link #drain()}. */
    public void undrain() {
        if (ending) {
            return; // a node shutting down stays drained
        }
        draining = false;
    }

    public boolean draining() {
        return draining;
    }

    /** The node finished starting: every listener (HTTP, RTMP, SRT, gRPC) is up. */
    public void started() {
        started = true;
    }

    /**
     * Whether the node is still starting: its HTTP port answers before the ingest listeners are up,
     * and readiness must not send publishers (or a test's) to a port that refuses them.
     */
    public boolean starting() {
        return !started;
    }

    private volatile boolean started;

    /** Whether a publish of {@code key} may start: always, unless draining and it is not a stream this node still runs. */
    public boolean acceptsPublish(String key) {
        if (ending) {
            return false;
        }
        if (!draining) {
            return true;
        }
        LiveStream s = streams.get(key);
        return s != null && s.state() != LiveStream.State.ENDED;
    }

    /** The publisher left (unpublished or disconnected): on the stream's writer, wait the grace period, then end. */
    void release(LiveStream stream, long publisherId) {
        Writer.run(stream.writer(), () -> {
            if (!stream.detach(publisherId)) {
                return;
            }
            stream.lifecycleTimer(Math.max(1, publish.reconnectGrace().toMillis()), () -> {
                if (stream.endIfAbandoned()) {
                    capacity.release(stream);
                    scheduleRemoval(stream);
                }
            });
        });
    }

    private void scheduleRemoval(LiveStream stream) {
        stream.lifecycleTimer(Math.max(1, publish.endedRetention().toMillis()), () -> {
            if (streams.remove(stream.key(), stream)) {
                events.emit(new TimelineEvent.StreamRemoved(stream.key()));
            }
        });
    }
}
