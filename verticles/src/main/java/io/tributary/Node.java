package io.tributary;

import com.hazelcast.core.HazelcastInstance;
import io.tributary.cluster.Role;
import io.tributary.config.TributaryConfig;
import io.tributary.control.ControlPlane;
import io.tributary.delivery.HttpDeliveryVerticle;
import io.tributary.hotness.ContentHotness;
import io.tributary.ingest.RtmpIngestVerticle;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.PublishClaims;
import io.tributary.metrics.NodeMetrics;
import io.tributary.ops.NodeApi;
import io.tributary.ops.VerticleScaler;
import io.tributary.session.PlaybackSessions;
import io.tributary.session.StreamCatalog;
import io.tributary.topology.ClusterApi;
import io.tributary.topology.ClusterJoin;
import io.tributary.topology.NodeRoles;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One Tributary node: a Vert.x instance with the ingest and delivery verticles and
 * the node-local live streams. Used by the launcher and by tests alike.
 */
public final class Node {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final Vertx vertx;
    private final TributaryConfig config;
    private final LiveStreams streams;
    private final NodeMetrics metrics;
    private int httpPort;
    private int rtmpPort;
    private HazelcastInstance hazelcast;
    private NodeRoles roles;
    private PlaybackSessions sessions;
    private ContentHotness hotness;
    private VerticleScaler scaler;
    private NodeApi api;
    private ControlPlane control;

    private Node(Vertx vertx, TributaryConfig config, LiveStreams streams, NodeMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.streams = streams;
        this.metrics = metrics;
    }

    public static Future<Node> start(TributaryConfig config) {
        NodeMetrics metrics = new NodeMetrics();
        long started = System.nanoTime();
        // the cluster member first: sessions, the registries and (clustered) the event bus live on it
        return ClusterJoin.join(config.cluster(), metrics.registry()).compose(joined -> {
            LOG.info(String.format("cluster member %s up in %d ms, %s Vert.x in %d ms",
                    joined.hazelcast().getCluster().getLocalMember().getAddress(), joined.memberMillis(),
                    joined.clustered() ? "clustered" : "local", joined.vertxMillis()));
            return start(config, metrics, joined);
        }).onSuccess(node -> LOG.info(String.format("node up in %d ms, roles %s",
                (System.nanoTime() - started) / 1_000_000, config.topology().roles())));
    }

    private static Future<Node> start(TributaryConfig config, NodeMetrics metrics, ClusterJoin.Joined joined) {
        Vertx vertx = joined.vertx();
        AtomicReference<PlaybackSessions> playback = new AtomicReference<>();
        LiveStreams streams = new LiveStreams(vertx, config, key -> {
            metrics.forgetStream(key);
            if (playback.get() != null) {
                playback.get().forgetStream(key);
            }
        }, new LiveStreams.TranscodeEvents() {
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
        Node node = new Node(vertx, config, streams, metrics);
        int cores = Runtime.getRuntime().availableProcessors();
        int httpInstances = config.http().instances() == 0 ? cores : config.http().instances();
        int rtmpInstances = config.rtmp().instances() == 0 ? cores : config.rtmp().instances();

        AtomicReference<RtmpIngestVerticle> ingest = new AtomicReference<>();
        AtomicReference<HttpDeliveryVerticle> delivery = new AtomicReference<>();
        node.hazelcast = joined.hazelcast();
        node.roles = new NodeRoles(vertx, config, joined.hazelcast(), streams, metrics.registry());
        return node.roles.prepare()
                .compose(roles -> {
                    HazelcastInstance hz = node.hazelcast;
                    node.sessions = new PlaybackSessions(vertx, config, StreamCatalog.of(streams), metrics.registry(),
                            PlaybackSessions.map(hz), hz.getCluster().getLocalMember().getUuid().toString());
                    playback.set(node.sessions);
                    node.hotness = new ContentHotness(vertx, config.hotness(), config.qoe(), hz, metrics.registry());
                    node.scaler = new VerticleScaler(vertx);
                    node.control = new ControlPlane(vertx, hz, streams, node.scaler);
                    node.api = new NodeApi(node.control).with(node.hotness::mount)
                            .with(new ClusterApi(hz, node.roles, joined.clustered(), node.control.commands())::mount);
                    return node.control.start().compose(x -> node.sessions.start()).compose(x -> node.hotness.start());
                })
                // through the scaler: POST /api/v1/verticles/{ingest,delivery}/scale redeploys these sets (NodeRoles adds edge, router);
                // only an origin ingests
                .compose(x -> !config.topology().has(Role.ORIGIN) ? Future.<String>succeededFuture() : node.scaler.deploy("ingest", () -> {
                    // clustered, a key is published on one origin at a time: the registry decides
                    PublishClaims claims = joined.clustered() ? node.roles : PublishClaims.NONE;
                    RtmpIngestVerticle v = new RtmpIngestVerticle(config.rtmp(), streams, claims, metrics, node.api::ingestStopGraceMillis);
                    ingest.compareAndSet(null, v);
                    return v;
                }, rtmpInstances))
                .compose(id -> node.scaler.deploy("delivery", () -> {
                    HttpDeliveryVerticle v = new HttpDeliveryVerticle(config.http(), streams, metrics, node.sessions,
                            node.hotness, node.api);
                    delivery.compareAndSet(null, v);
                    return v;
                }, httpInstances))
                .compose(id -> node.roles.start(delivery.get().actualPort(), httpInstances, node.hotness, node.scaler,
                        node.sessions, key -> {
                            metrics.forgetStream(key);
                            node.sessions.forgetStream(key);
                        }))
                .map(id -> {
                    node.rtmpPort = ingest.get() == null ? -1 : ingest.get().actualPort();
                    node.httpPort = delivery.get().actualPort();
                    return node;
                })
                .recover(e -> {
                    LOG.log(Level.SEVERE, "node start failed", e);
                    return node.close().transform(x -> Future.<Node>failedFuture(e));
                });
    }

    /** This node's Hazelcast member (a one-member cluster on the embedded default). */
    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** Content hotness: counts, cluster merge, tiers. */
    public ContentHotness hotness() {
        return hotness;
    }

    /** The node's scalable verticle sets (delivery, ingest, ...). */
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

    public LiveStreams streams() {
        return streams;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public int httpPort() {
        return httpPort;
    }

    public int rtmpPort() {
        return rtmpPort;
    }

    public String rtmpUrl(String key) {
        return "rtmp://127.0.0.1:" + rtmpPort + "/live/" + key;
    }

    public String httpUrl(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    public Future<Void> close() {
        if (api != null) {
            api.closing();
        }
        if (hotness != null) {
            hotness.close();
        }
        Future<Void> controlClosed = control == null ? Future.succeededFuture() : control.close().otherwiseEmpty();
        Future<Void> rolesClosed = controlClosed.compose(x -> roles == null ? Future.succeededFuture() : roles.close());
        Future<Void> sessionsClosed = rolesClosed.otherwiseEmpty()
                .compose(x -> sessions == null ? Future.<Void>succeededFuture() : sessions.close())
                .otherwiseEmpty();
        // Vert.x leaves the event-bus cluster before the member goes; not bound to a context of the
        // Vert.x being closed: that one can no longer run callbacks
        Promise<Void> closed = Promise.promise();
        sessionsClosed.onComplete(x -> ClusterJoin.leave(vertx, hazelcast).onComplete(closed));
        return closed.future();
    }

    /** The node's roles: its edge and router ports, the directory and the stream registry. */
    public NodeRoles roles() {
        return roles;
    }
}
