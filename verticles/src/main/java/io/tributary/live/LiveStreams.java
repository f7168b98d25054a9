package io.tributary.live;

import io.tributary.StatusException;
import io.tributary.config.TributaryConfig;
import io.tributary.media.transcode.LadderRung;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The node's live streams by key. Claims and releases come from ingest connections;
 * the reconnect grace and the retention of ended streams run on Vert.x timers. Every
 * published part is announced on the local event bus ({@link #CHANGED}, body = key),
 * which is what releases blocked LL-HLS requests in the delivery verticles.
 */
public final class LiveStreams {

    /** Local event-bus address: a stream published a part or changed state. */
    public static final String CHANGED = "tributary.live.changed";
    /** Header of a {@link #CHANGED} message: System.nanoTime() when the change happened. */
    public static final String CHANGED_AT = "at";


    private final Vertx vertx;
    private final TributaryConfig.Rtmp rtmp;
    private final TributaryConfig.Hls hls;
    private final TributaryConfig.Transcode transcode;
    /** Ladders encoding on this node and their pixel rate (admission control). */
    private final TranscodeCapacity capacity;
    private final ConcurrentHashMap<String, LiveStream> streams = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> timers = new ConcurrentHashMap<>();
    private final Consumer<String> onRemoved;
    private final TranscodeEvents transcodeEvents;
    /** Draining: no new streams start here; live ones (and their publishers' reconnects) go on. */
    private volatile boolean draining;

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

    public LiveStreams(Vertx vertx, TributaryConfig config, Consumer<String> onRemoved, TranscodeEvents events) {
        this.vertx = vertx;
        this.rtmp = config.rtmp();
        this.hls = config.hls();
        this.transcode = config.transcode();
        this.onRemoved = onRemoved;
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
     * A publisher asks for {@code key}. Returns the stream to feed: a new one, or one
     * waiting for its publisher to come back. A live key is refused (409) or taken
     * over, as configured; {@code closer} cuts this publisher off if it is taken over.
     */
    public LiveStream claim(String key, long publisherId, Runnable closer) {
        LiveStream stream = streams.compute(key, (k, existing) -> {
            if (existing == null || existing.state() == LiveStream.State.ENDED) {
                return new LiveStream(k, hls, admit(k), () -> announce(k), transcodeEvents, this::admitLadder);
            }
            if (existing.state() == LiveStream.State.LIVE
                    && rtmp.duplicatePublish() == TributaryConfig.DuplicatePublish.REJECT) {
                throw StatusException.conflict("stream key '" + k + "' is already being published");
            }
            cancelTimer(k);
            return existing;
        });
        stream.attach(publisherId, closer);
        announce(key);
        return stream;
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
        if (transcode.whenFull() == TributaryConfig.WhenFull.REJECT) {
            transcodeEvents.admission("rejected");
            throw new StatusException(503, capacity.describe(wanted));
        }
        transcodeEvents.admission("passthrough");
        return List.of();
    }

    /** Stops new publishes on this node until {@link #undrain()}; streams live now continue. */
    public void drain() {
        draining = true;
    }

    /** Takes new publishes again after {@link #drain()}. */
    public void undrain() {
        draining = false;
    }

    public boolean draining() {
        return draining;
    }

    /** Whether a publish of {@code key} may start: always, unless draining and it is not a stream this node still runs. */
    public boolean acceptsPublish(String key) {
        if (!draining) {
            return true;
        }
        LiveStream s = streams.get(key);
        return s != null && s.state() != LiveStream.State.ENDED;
    }

    /** The publisher left (unpublished or disconnected): wait the grace period, then end. */
    public void release(String key, long publisherId) {
        LiveStream stream = streams.get(key);
        if (stream == null || !stream.detach(publisherId)) {
            return;
        }
        long grace = Math.max(1, rtmp.reconnectGrace().toMillis());
        timers.put(key, vertx.setTimer(grace, id -> {
            timers.remove(key, id);
            if (stream.endIfAbandoned()) {
                capacity.release(stream);
                scheduleRemoval(stream);
            }
        }));
    }

    private void scheduleRemoval(LiveStream stream) {
        long keep = Math.max(1, rtmp.endedRetention().toMillis());
        timers.put(stream.key(), vertx.setTimer(keep, id -> {
            timers.remove(stream.key(), id);
            if (streams.remove(stream.key(), stream)) {
                onRemoved.accept(stream.key());
                announce(stream.key());
            }
        }));
    }

    private void cancelTimer(String key) {
        Long id = timers.remove(key);
        if (id != null) {
            vertx.cancelTimer(id);
        }
    }

    private void announce(String key) {
        vertx.eventBus().publish(CHANGED, key,
                new DeliveryOptions().setLocalOnly(true).addHeader(CHANGED_AT, Long.toString(System.nanoTime())));
    }
}
