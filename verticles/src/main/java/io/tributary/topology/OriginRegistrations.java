package io.tributary.topology;

import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.tributary.cluster.registry.StreamHeldException;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.live.PublishClaims;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An origin's entries in the stream registry: it registers each stream while it holds it
 * (publishing, awaiting its publisher, or ended but retained), under the URL its delivery
 * serves on. Clustered, it is the ingest's {@link PublishClaims}: a publish claims its key in
 * the registry, refused while another member holds it.
 */
public final class OriginRegistrations implements PublishClaims {

    private static final Logger LOG = Logger.getLogger(OriginRegistrations.class.getName());

    private final HazelcastStreamRegistry registry;
    private final LiveStreams streams;
    private final String originUrl;
    /** Stream keys this node has registered as their origin. */
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final TimelineEvents.Subscription changes;

    private OriginRegistrations(Vertx vertx, HazelcastStreamRegistry registry, LiveStreams streams, String originUrl) {
        this.registry = registry;
        this.streams = streams;
        this.originUrl = originUrl;
        this.changes = streams.events().subscribe("registry", vertx.getOrCreateContext(), TimelineEvents.DEFAULT_CAPACITY,
                TimelineEvents::lifecycle, e -> {
            if (e instanceof TimelineEvent.StreamStarted || e instanceof TimelineEvent.StreamEnded
                    || e instanceof TimelineEvent.StreamRemoved) {
                streamChanged(e.stream());
            } else if (e instanceof TimelineEvent.Lagged) {
                streams.all().forEach(s -> streamChanged(s.key()));
            }
        });
    }

    /** Follows this node's streams from now on, and registers those it holds already. */
    public static OriginRegistrations follow(Vertx vertx, HazelcastStreamRegistry registry, LiveStreams streams,
                                             String originUrl) {
        OriginRegistrations r = new OriginRegistrations(vertx, registry, streams, originUrl);
        streams.all().forEach(s -> r.streamChanged(s.key()));
        return r;
    }

    /** Takes {@code key} in the registry for a publish here; the entry is this stream's registration. */
    @Override
    public Future<Void> claim(String key) {
        return registry.claim(key, originUrl).onSuccess(x -> registered.add(key));
    }

    @Override
    public void release(String key) {
        // a stream of the key here (a reconnect's) keeps the registration
        if (streams.get(key) == null && registered.remove(key)) {
            registry.withdraw(key).onFailure(e -> LOG.log(Level.WARNING, "withdrawing stream " + key + " failed", e));
        }
    }

    private void streamChanged(String key) {
        LiveStream s = streams.get(key);
        if (s != null && s.state() == LiveStream.State.ENDED) {
            if (registered.contains(key)) { // kept for late viewers, but a publish elsewhere may take the key
                registry.markEnded(key).onFailure(e -> LOG.log(Level.WARNING, "marking stream " + key + " ended failed", e));
            }
        } else if (s != null) {
            // normally claimed by its publish already; a claim never overwrites another member's key
            if (registered.add(key)) {
                registry.claim(key, originUrl).onFailure(e -> {
                    registered.remove(key);
                    LOG.log(e instanceof StreamHeldException ? Level.SEVERE : Level.WARNING, "registering stream " + key + " failed", e);
                });
            }
        } else if (registered.remove(key)) {
            registry.withdraw(key).onFailure(e -> LOG.log(Level.WARNING, "withdrawing stream " + key + " failed", e));
        }
    }

    /** Stops following and withdraws every stream registered here. */
    public Future<Void> close() {
        changes.close();
        List<Future<?>> steps = new ArrayList<>();
        for (String key : List.copyOf(registered)) {
            steps.add(registry.withdraw(key));
        }
        registered.clear();
        return Future.join(steps).otherwiseEmpty().mapEmpty();
    }
}
