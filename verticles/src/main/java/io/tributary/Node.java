package io.tributary;

import com.hazelcast.core.HazelcastInstance;
import io.tributary.cluster.Role;
import io.tributary.config.TributaryConfig;
import io.tributary.control.ControlPlane;
import io.tributary.db.Postgres;
import io.tributary.delivery.DeliveryModule;
import io.tributary.dvr.DvrLiveWindow;
import io.tributary.dvr.DvrModule;
import io.tributary.dvr.DvrRoutes;
import io.tributary.dvr.DvrThumbnails;
import io.tributary.edge.EdgeModule;
import io.tributary.edge.EdgeRungs;
import io.tributary.hotness.ContentHotness;
import io.tributary.ingest.IngestModule;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.Publications;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.live.PublishClaims;
import io.tributary.metrics.NodeMetrics;
import io.tributary.ops.NodeApi;
import io.tributary.ops.VerticleScaler;
import io.tributary.router.RouterModule;
import io.tributary.session.PlaybackSessions;
import io.tributary.session.StreamCatalog;
import io.tributary.topology.ClusterApi;
import io.tributary.topology.ClusterJoin;
import io.tributary.topology.ClusterTopology;
import io.tributary.topology.NodeRoles;
import io.tributary.topology.OriginRegistrations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Tributary node, and the composition root: the cluster member and Vert.x, the live streams,
 * the cluster view, sessions, hotness and the operator API, then a module per role, each
 * deploying its verticle set and giving what the next needs. Used by the launcher and by tests alike.
 */
public final class Node {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final Vertx vertx;
    private final TributaryConfig config;
    private final NodeMetrics metrics;
    private final HazelcastInstance hazelcast;
    private final LiveStreams streams;
    private final Publications publications;
    private final PlaybackSessions sessions;
    private final ContentHotness hotness;
    private final VerticleScaler scaler;
    private final NodeRoles roles;
    private final int httpPort;
    private final int rtmpPort;
    private final int srtPort;
    private final TearDown teardown;
    private final DvrModule dvr;

    private Node(Vertx vertx, TributaryConfig config, NodeMetrics metrics, HazelcastInstance hazelcast, LiveStreams streams,
                 Publications publications, PlaybackSessions sessions, ContentHotness hotness, VerticleScaler scaler, NodeRoles roles, int httpPort,
                 int rtmpPort, int srtPort, TearDown teardown, DvrModule dvr) {
        this.vertx = vertx;
        this.config = config;
        this.metrics = metrics;
        this.hazelcast = hazelcast;
        this.streams = streams;
        this.publications = publications;
        this.sessions = sessions;
        this.hotness = hotness;
        this.scaler = scaler;
        this.roles = roles;
        this.httpPort = httpPort;
        this.rtmpPort = rtmpPort;
        this.srtPort = srtPort;
        this.teardown = teardown;
        this.dvr = dvr;
    }

    public static Future<Node> start(TributaryConfig config) {
        NodeMetrics metrics = new NodeMetrics();
        long started = System.nanoTime();
        // an embedded PostgreSQL takes seconds to start: it does while the node joins the cluster
        Postgres.Launch pg = config.dvr().enabled() ? Postgres.launch(config.pg(), config.dataDir()) : null;
        // the cluster member first: sessions, the registries and (clustered) the event bus live on it
        return ClusterJoin.join(config.cluster(), metrics.registry()).onFailure(e -> {
            if (pg != null) {
                pg.abandon();
            }
        }).compose(joined -> {
            LOG.info(String.format("cluster member %s up in %d ms, %s Vert.x in %d ms",
                    joined.hazelcast().getCluster().getLocalMember().getAddress(), joined.memberMillis(),
                    joined.clustered() ? "clustered" : "local", joined.vertxMillis()));
            TearDown teardown = new TearDown();
            teardown.add(() -> ClusterJoin.leave(joined.vertx(), joined.hazelcast()));
            teardown.add(() -> {
                metrics.close();
                return Future.succeededFuture();
            });
            if (pg != null) {
                teardown.add(() -> {
                    pg.abandon(); // a no-op once the DVR took it over
                    return Future.succeededFuture();
                });
            }
            // the answer is not bound to a context of this Vert.x: a failed start closes it
            Promise<Node> answer = Promise.promise();
            start(config, metrics, joined, teardown, pg).onComplete(ar -> {
                if (ar.succeeded()) {
                    answer.complete(ar.result());
                } else {
                    LOG.log(Level.SEVERE, "node start failed", ar.cause());
                    teardown.run().onComplete(x -> answer.fail(ar.cause()));
                }
            });
            return answer.future();
        }).onSuccess(node -> LOG.info(String.format("node up in %d ms, roles %s",
                (System.nanoTime() - started) / 1_000_000, config.topology().roles())));
    }

    private static Future<Node> start(TributaryConfig config, NodeMetrics metrics, ClusterJoin.Joined joined, TearDown teardown,
                                      Postgres.Launch pg) {
        Vertx vertx = joined.vertx();
        HazelcastInstance hz = joined.hazelcast();
        TributaryConfig.Topology topo = config.topology();
        int cores = Runtime.getRuntime().availableProcessors();
        int httpInstances = config.http().instances() == 0 ? cores : config.http().instances();
        int rtmpInstances = config.rtmp().instances() == 0 ? cores : config.rtmp().instances();
        ForgottenStreams forgotten = new ForgottenStreams();
        forgotten.subscribe(metrics::forgetStream);
        LiveStreams streams = liveStreams(vertx, config, metrics);
        // a stream dropped from this node is forgotten by its meters and sessions
        TimelineEvents.Subscription removals = streams.events().subscribe("forget", vertx.getOrCreateContext(),
                TimelineEvents.DEFAULT_CAPACITY, e -> e instanceof TimelineEvent.StreamRemoved, e -> {
                    if (streams.get(e.stream()) == null) { // not if a new stream of the key started meanwhile
                        forgotten.accept(e.stream());
                    }
                });
        teardown.add(() -> {
            removals.close();
            return Future.succeededFuture();
        });

        return ClusterTopology.start(vertx, hz).compose(cluster -> {
            teardown.add(cluster::close);
            // an edge's viewers watch any stream of the cluster, in the rendition order the edge learns
            EdgeRungs edgeRungs = new EdgeRungs();
            StreamCatalog catalog = topo.has(Role.EDGE)
                    ? StreamCatalog.of(streams).with(cluster.registry()::holds, cluster.registry()::keys, edgeRungs::of)
                    : StreamCatalog.of(streams);
            PlaybackSessions sessions = new PlaybackSessions(vertx, config, catalog, metrics.registry(),
                    PlaybackSessions.map(hz), cluster.self());
            forgotten.subscribe(sessions::forgetStream);
            ContentHotness hotness = new ContentHotness(vertx, config.hotness(), config.qoe(), hz, metrics.registry());
            // every verticle set goes through the scaler: POST /api/v1/verticles/{name}/scale redeploys it
            VerticleScaler scaler = new VerticleScaler(vertx);
            // operator commands reach any node of the cluster over the event bus
            ControlPlane control = new ControlPlane(vertx, hz, streams, scaler);
            NodeApi api = new NodeApi(control).with(hotness::mount)
                    .with(new ClusterApi(hz, cluster, joined.clustered(), control.commands())::mount);
            teardown.add(() -> {
                api.closing(); // stopping verticles need not wait long
                return Future.succeededFuture();
            });
            teardown.add(sessions::close);
            teardown.add(hotness::close);

            // each stage starts when the one before it is up; once the last is, every earlier result is there
            teardown.add(control::close);
            // the DVR's PostgreSQL and index before delivery: playback and the recordings API read them
            Future<DvrModule> dvr = control.start()
                    .compose(x -> sessions.start())
                    .compose(x -> hotness.start())
                    .compose(x -> !config.dvr().enabled() ? Future.<DvrModule>succeededFuture()
                            : DvrModule.start(vertx, config.dvr(), config.pg(), config.dataDir(), metrics.registry(), pg)
                                    .onSuccess(d -> {
                                        teardown.add(d::close);
                                        api.with(d::mount);
                                        // playback of the recordings: /dvr/{key}/... (player routes, CORS by path)
                                        api.with(new DvrRoutes(d.index(), d.settings().maxWindow().toMillis(),
                                                key -> streams.get(key) != null
                                                        && streams.get(key).state() != LiveStream.State.ENDED,
                                                new DvrThumbnails(2))::mount);
                                    }));
            Future<Integer> httpPort = dvr
                    .compose(d -> DeliveryModule.deploy(config.http(), streams, metrics, sessions, hotness, api, scaler,
                            httpInstances, d == null ? DvrLiveWindow.NONE : new DvrLiveWindow(d.index(),
                                    d.settings().window().toMillis(), d.settings().maxWindow().toMillis())));
            Future<String> originUrl = httpPort.map(port -> "http://" + topo.advertiseHost() + ":" + port);
            // only an origin publishes (the publication API every ingest protocol goes through), and registers its streams
            Future<Publications> publications = originUrl.map(url -> {
                if (!topo.has(Role.ORIGIN)) {
                    return null;
                }
                OriginRegistrations registrations = OriginRegistrations.follow(vertx, cluster.registry(), streams, url);
                teardown.add(registrations::close);
                // clustered, a key is published on one origin at a time: the registry decides
                return new Publications(streams, joined.clustered() ? registrations : PublishClaims.NONE, metrics, config.publish());
            }).compose(p -> p == null || dvr.result() == null ? Future.succeededFuture(p)
                    : dvr.result().record(streams, originUrl.result()).map(p));
            Future<Integer> rtmpPort = publications.compose(p -> p == null ? Future.succeededFuture(-1)
                    : IngestModule.deploy(config.rtmp(), p, metrics, api::ingestStopGraceMillis, scaler, rtmpInstances)
                            .onSuccess(x -> teardown.add(() -> {
                                // ingest stops before the registrations are withdrawn: no publish claims a key after
                                api.closing();
                                streams.drain();
                                return scaler.undeploy("ingest").otherwiseEmpty();
                            })));
            Future<Integer> srtPort = rtmpPort.compose(x -> publications.result() == null ? Future.succeededFuture(-1)
                    : IngestModule.deploySrt(vertx, config.srt(), publications.result(), metrics).map(v -> {
                        if (v == null) {
                            return -1;
                        }
                        teardown.add(() -> vertx.undeploy(v.deploymentID()).otherwiseEmpty());
                        return v.actualPort();
                    }));
            Future<EdgeModule> edge = srtPort.compose(x -> !topo.has(Role.EDGE) ? Future.succeededFuture()
                    : EdgeModule.start(vertx, topo.edge(), config.hotness(), cluster.registry(), metrics.registry(), hotness,
                            sessions, edgeRungs, scaler, httpInstances, topo.has(Role.ORIGIN) ? streams.events() : null, key -> {
                                if (streams.get(key) == null) { // an origin's own stream is forgotten when it ends here
                                    forgotten.accept(key);
                                }
                            }, config.http().limits()).onSuccess(e -> teardown.add(e::close)));
            Future<RouterModule> router = edge.compose(x -> !topo.has(Role.ROUTER) ? Future.succeededFuture()
                    : RouterModule.start(vertx, topo.router(), cluster.directory(), scaler, httpInstances,
                            config.http().limits(), metrics.registry())
                            .onSuccess(r -> teardown.add(r::close)));
            return router.compose(x -> {
                NodeRoles roles = new NodeRoles(topo.roles(), topo.advertiseHost(), cluster, originUrl.result(),
                        edge.result() == null ? -1 : edge.result().port(),
                        router.result() == null ? -1 : router.result().port(),
                        router.result() == null ? null : router.result().routing());
                return cluster.advertise(roles.advert()).map(y -> new Node(vertx, config, metrics, hz, streams,
                        publications.result(), sessions,
                        hotness, scaler, roles, httpPort.result(), rtmpPort.result(), srtPort.result(), teardown, dvr.result()));
            });
        });
    }

    /** The live streams of this node, their transcoding and capacity reported in the metrics. */
    private static LiveStreams liveStreams(Vertx vertx, TributaryConfig config, NodeMetrics metrics) {
        LiveStreams streams = new LiveStreams(vertx, config, new LiveStreams.TranscodeEvents() {
            @Override
            public void dropped(String stream, String rendition, int frames) {
                metrics.transcodeDropped(stream, rendition, frames);
            }

            @Override
            public void admission(String result) {
                metrics.transcodeAdmission(result);
            }

            @Override
            public void rungs(LiveStream stream, List<String> rungs) {
                for (String rung : rungs) {
                    metrics.rungGauges(stream.key(), rung, () -> stream.rungStats(rung));
                }
            }
        });
        metrics.gauges(streams::publishing, () -> streams.all().size());
        metrics.transcodeCapacity(streams::transcodingLadders, streams::transcodePixelRate, config.transcode().maxPixelRate());
        return streams;
    }

    /** This node's Hazelcast member (a one-member cluster on the embedded default). */
    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** Content hotness: counts, cluster merge, tiers. */
    public ContentHotness hotness() {
        return hotness;
    }

    /** The node's scalable verticle sets (delivery, ingest, edge, router). */
    public VerticleScaler scaler() {
        return scaler;
    }

    /** Player sessions and QoE on this node. */
    public PlaybackSessions sessions() {
        return sessions;
    }

    public Vertx vertx() {
        return vertx;
    }

    public TributaryConfig config() {
        return config;
    }

    /** The publication API: how any ingest protocol publishes a stream key here (null on a node without the origin role). */
    public Publications publications() {
        return publications;
    }

    public LiveStreams streams() {
        return streams;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The RTMP port; -1 on a node without the origin role. */
    public int rtmpPort() {
        return rtmpPort;
    }

    /** The SRT (UDP) port; -1 on a node without the origin role or with srt.enabled false. */
    public int srtPort() {
        return srtPort;
    }

    public String rtmpUrl(String key) {
        return "rtmp://127.0.0.1:" + rtmpPort + "/live/" + key;
    }

    public String httpUrl(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    /**
     * Stops the roles, withdraws this node's streams and advert, closes sessions and hotness, then
     * Vert.x (its verticle sets with it) leaves the event-bus cluster before the member goes.
     */
    public Future<Void> close() {
        // not bound to a context of the Vert.x being closed: that one can no longer run callbacks
        Promise<Void> closed = Promise.promise();
        teardown.run().onComplete(x -> closed.complete());
        return closed.future();
    }

    /** The DVR (its index, the node's PostgreSQL); null with {@code dvr.enabled: false}. */
    public DvrModule dvr() {
        return dvr;
    }

    /** The node's roles: its edge and router ports, the directory and the stream registry. */
    public NodeRoles roles() {
        return roles;
    }
}
