package io.tributary.topology;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.cluster.Role;
import io.tributary.cluster.directory.NodeAdvert;
import io.tributary.cluster.directory.NodeDirectory;
import io.tributary.cluster.health.HealthPolicy;
import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.tributary.cluster.registry.StreamHeldException;
import io.tributary.config.TributaryConfig;
import io.tributary.edge.EdgeFetcher;
import io.tributary.edge.EdgePrewarm;
import io.tributary.edge.EdgeRungs;
import io.tributary.edge.EdgeSettings;
import io.tributary.edge.EdgeVerticle;
import io.tributary.hotness.ContentHotness;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.PublishClaims;
import io.tributary.ops.VerticleScaler;
import io.tributary.router.EdgeRouting;
import io.tributary.router.RouterSettings;
import io.tributary.router.RouterVerticle;
import io.tributary.session.PlaybackSessions;
import io.tributary.session.StreamCatalog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A node's part in the cluster beyond its own streams: it advertises its roles and URLs in the
 * node directory, registers the streams it originates in the stream registry, and runs the edge
 * (cache in front of the cluster's origins) and the router (ring over the cluster's edges) when
 * it holds those roles. As an origin it is the ingest's {@link PublishClaims}: a publish claims
 * its key in the registry, refused while another member holds it.
 */
public final class NodeRoles implements PublishClaims {

    private static final Logger LOG = Logger.getLogger(NodeRoles.class.getName());

    private final Vertx vertx;
    private final TributaryConfig config;
    private final HazelcastInstance hz;
    private final LiveStreams streams;
    private final MeterRegistry meters;
    private final String self;
    private final NodeDirectory directory;
    private final HazelcastStreamRegistry registry;
    /** Stream keys this node has registered as their origin. */
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    /** The origin URL is known and streams are followed: claims wait for this. */
    private final Promise<Void> following = Promise.promise();
    private MessageConsumer<String> changes;
    private VerticleScaler scaler;
    private EdgeFetcher fetcher;
    private EdgePrewarm prewarm;
    private EdgeRouting routing;
    private String originUrl;
    private int edgePort = -1;
    private int routerPort = -1;

    public NodeRoles(Vertx vertx, TributaryConfig config, HazelcastInstance hz, LiveStreams streams, MeterRegistry meters) {
        this.vertx = vertx;
        this.config = config;
        this.hz = hz;
        this.streams = streams;
        this.meters = meters;
        this.self = hz.getCluster().getLocalMember().getUuid().toString();
        this.directory = new NodeDirectory(hz);
        this.registry = new HazelcastStreamRegistry(vertx, hz);
    }

    /** Follows the directory and the registry (blocking Hazelcast calls, on a worker). */
    public Future<NodeRoles> prepare() {
        return vertx.executeBlocking(() -> {
            directory.start();
            registry.start();
            return this;
        });
    }

    public NodeDirectory directory() {
        return directory;
    }

    public HazelcastStreamRegistry registry() {
        return registry;
    }

    /** The member UUID this node advertises under. */
    public String self() {
        return self;
    }

    /**
     * Starts the edge and router servers this node's roles ask for, then advertises every URL and
     * registers the streams it originates. {@code httpPort}: the node's own server, bound already.
     * Edge and router are verticle sets of {@code scaler} ({@code POST /api/v1/verticles/edge/scale});
     * the edge takes segment TTLs from {@code hotness}, counts its requests there and pre-warms S1,
     * and attributes its viewers to {@code sessions}, which then know every stream of the cluster.
     * {@code streamGone}: drops a stream's meters when it leaves the registry (edge only).
     */
    public Future<Void> start(int httpPort, int instances, ContentHotness hotness, VerticleScaler scaler,
                              PlaybackSessions sessions, Consumer<String> streamGone) {
        this.scaler = scaler;
        TributaryConfig.Topology t = config.topology();
        String host = t.advertiseHost();
        originUrl = "http://" + host + ":" + httpPort;
        Future<Void> chain = Future.succeededFuture();
        if (t.has(Role.EDGE)) {
            EdgeSettings es = t.edge();
            // the edge's verticles count each request into hotness themselves (region included): no fetcher counter
            fetcher = new EdgeFetcher(vertx, es, registry, meters, k -> hotness.ttl(k.stream(), k.rendition()), null);
            EdgeRungs rungs = new EdgeRungs();
            sessions.catalog(StreamCatalog.of(streams).with(registry::holds, registry::keys, rungs::of));
            registry.onRemoved(key -> {
                rungs.forget(key);
                if (streams.get(key) == null) { // an origin's own stream is forgotten when it ends here
                    streamGone.accept(key);
                }
            });
            AtomicReference<EdgeVerticle> first = new AtomicReference<>(); // the base instance, which keeps the port
            chain = chain.compose(x -> scaler.deploy("edge", () -> {
                EdgeVerticle v = new EdgeVerticle(es, fetcher, hotness, sessions, rungs);
                first.compareAndSet(null, v);
                return v;
            }, instances)).map(id -> {
                edgePort = first.get().actualPort();
                prewarm = new EdgePrewarm(vertx, fetcher, hotness::hottest, config.hotness().prewarmRenditions());
                prewarm.start(config.hotness().mergeInterval().toMillis());
                FunctionCounter.builder("tributary_edge_prewarmed_segments_total", prewarm, EdgePrewarm::warmed)
                        .description("segments this edge fetched for S1 content before any viewer asked").register(meters);
                return null;
            });
        }
        if (t.has(Role.ROUTER)) {
            RouterSettings rs = t.router();
            AtomicReference<RouterVerticle> first = new AtomicReference<>(); // the base instance, which keeps the port
            chain = chain.compose(x -> {
                routing = new EdgeRouting(vertx, rs, directory::edges).start();
                directory.onChange(routing::membersChanged);
                return scaler.deploy("router", () -> {
                    RouterVerticle v = new RouterVerticle(routing);
                    first.compareAndSet(null, v);
                    return v;
                }, instances);
            }).map(id -> {
                routerPort = first.get().actualPort();
                return null;
            });
        }
        return chain.compose(x -> vertx.executeBlocking(() -> {
            directory.advertise(advert());
            return null;
        })).onSuccess(x -> followStreams()).mapEmpty();
    }

    public NodeAdvert advert() {
        TributaryConfig.Topology t = config.topology();
        String host = t.advertiseHost();
        return new NodeAdvert(self, t.roles(), originUrl, edgePort < 0 ? null : "http://" + host + ":" + edgePort,
                routerPort < 0 ? null : "http://" + host + ":" + routerPort, System.currentTimeMillis());
    }

    public int edgePort() {
        return edgePort;
    }

    public int routerPort() {
        return routerPort;
    }

    public EdgeRouting routing() {
        return routing;
    }

    /** An origin registers each stream while it holds it (publishing, awaiting its publisher, or ended but retained). */
    private void followStreams() {
        if (!config.topology().has(Role.ORIGIN)) {
            return;
        }
        changes = vertx.eventBus().localConsumer(LiveStreams.CHANGED, m -> streamChanged(m.body()));
        streams.all().forEach(s -> streamChanged(s.key()));
        following.complete();
    }

    /** Takes {@code key} in the registry for a publish here; the entry is this stream's registration. */
    @Override
    public Future<Void> claim(String key) {
        return following.future().compose(x -> registry.claim(key, originUrl)).onSuccess(x -> registered.add(key));
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

    /** Withdraws this node's streams and advert, stops its edge and router. */
    public Future<Void> close() {
        if (changes != null) {
            changes.unregister();
        }
        List<Future<?>> steps = new ArrayList<>();
        for (String key : List.copyOf(registered)) {
            steps.add(registry.withdraw(key));
        }
        registered.clear();
        if (prewarm != null) {
            prewarm.stop();
        }
        if (scaler != null) {
            steps.add(scaler.undeploy("edge"));
            steps.add(scaler.undeploy("router"));
        }
        if (routing != null) {
            steps.add(routing.close());
        }
        if (fetcher != null) {
            steps.add(fetcher.close());
        }
        return Future.join(steps).otherwiseEmpty().compose(x -> vertx.<Void>executeBlocking(() -> {
            registry.close();
            directory.close(self);
            return null;
        })).otherwiseEmpty().mapEmpty();
    }
}
