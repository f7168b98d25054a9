package io.tributary.control;

import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publishes this node's stream starts and ends to every node, on the cluster-wide address
 * {@link #ADDRESS} ({@link StreamLifecycleEvent} as JSON; never media). Its input is narrow on
 * purpose, {@link #started} and {@link #ended}, each announced once per stream however often it
 * is called; {@link #follow} drives them from the node's stream changes.
 */
public final class StreamLifecycleFeed {

    /** Cluster-wide: every node's stream starts and ends. */
    public static final String ADDRESS = "tributary.streams.lifecycle";

    private final Vertx vertx;
    private final String origin;
    /** Streams announced started and not yet ended, by key. */
    private final ConcurrentHashMap<String, LiveStream> live = new ConcurrentHashMap<>();
    private TimelineEvents.Subscription changes;

    public StreamLifecycleFeed(Vertx vertx, String origin) {
        this.vertx = vertx;
        this.origin = origin;
    }

    /** {@code stream} plays here now, with the renditions it has. */
    public void started(LiveStream stream) {
        if (live.putIfAbsent(stream.key(), stream) == null) {
            vertx.eventBus().publish(ADDRESS, StreamLifecycleEvent.started(stream.key(), origin, stream.renditions()).toJson());
        }
    }

    /** The stream of {@code key} ended here (or left the node). */
    public void ended(String key) {
        if (live.remove(key) != null) {
            vertx.eventBus().publish(ADDRESS, StreamLifecycleEvent.ended(key, origin).toJson());
        }
    }

    /**
     * Follows the node's timeline events: a stream has started once its first part is published
     * (its renditions known), and has ended once it is ENDED, gone, or replaced by a new stream of
     * its key. A publisher's reconnect is neither.
     */
    public StreamLifecycleFeed follow(LiveStreams streams) {
        changes = streams.events().subscribe("lifecycle", vertx.getOrCreateContext(), TimelineEvents.DEFAULT_CAPACITY,
                e -> TimelineEvents.lifecycle(e) || (e instanceof TimelineEvent.PartPublished && !live.containsKey(e.stream())), e -> {
            if (e instanceof TimelineEvent.Lagged) {
                streams.all().forEach(s -> changed(streams, s.key()));
            } else if (e instanceof TimelineEvent.StreamEnded || e instanceof TimelineEvent.StreamRemoved
                    || e instanceof TimelineEvent.StreamStarted
                    || (e instanceof TimelineEvent.PartPublished && !live.containsKey(e.stream()))) {
                changed(streams, e.stream());
            }
        });
        streams.all().forEach(s -> changed(streams, s.key()));
        return this;
    }

    private void changed(LiveStreams streams, String key) {
        LiveStream s = streams.get(key);
        LiveStream announced = live.get(key);
        if (announced != null && (announced != s || s.state() == LiveStream.State.ENDED)) {
            ended(key);
            announced = null;
        }
        // cheap once announced: playable() is asked only until the start is
        if (announced == null && s != null && s.state() == LiveStream.State.LIVE && s.playable()) {
            started(s);
        }
    }

    /** The node is closing: its streams end for the cluster now. */
    public void close() {
        if (changes != null) {
            changes.close();
        }
        for (String key : List.copyOf(live.keySet())) {
            ended(key);
        }
    }
}
