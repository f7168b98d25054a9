package io.tributary;

import com.hazelcast.core.HazelcastInstance;
import io.tributary.cluster.ClusterMember;
import io.tributary.config.TributaryConfig;
import io.tributary.delivery.HttpDeliveryVerticle;
import io.tributary.hotness.ContentHotness;
import io.tributary.ingest.RtmpIngestVerticle;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.metrics.NodeMetrics;
import io.tributary.ops.NodeApi;
import io.tributary.ops.VerticleScaler;
import io.tributary.session.PlaybackSessions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

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
    private PlaybackSessions sessions;
    private ContentHotness hotness;
    private VerticleScaler scaler;
    private NodeApi api;

    private Node(Vertx vertx, TributaryConfig config, LiveStreams streams, NodeMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.streams = streams;
        this.metrics = metrics;
    }

    public static Future<Node> start(TributaryConfig config) {
        NodeMetrics metrics = new NodeMetrics();
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
                .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
                .build();
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
        // the cluster member first: sessions (and later Vert.x clustering) live on it
        long memberStart = System.nanoTime();
        return vertx.executeBlocking(() -> ClusterMember.start(config.cluster()))
                .compose(hz -> {
                    LOG.info(String.format("cluster member %s up in %d ms", hz.getCluster().getLocalMember().getAddress(),
                            (System.nanoTime() - memberStart) / 1_000_000));
                    node.hazelcast = hz;
                    node.sessions = new PlaybackSessions(vertx, config, streams, metrics.registry(),
                            PlaybackSessions.map(hz), hz.getCluster().getLocalMember().getUuid().toString());
                    playback.set(node.sessions);
                    node.hotness = new ContentHotness(vertx, config.hotness(), config.qoe(), hz, metrics.registry());
                    node.scaler = new VerticleScaler(vertx);
                    node.api = new NodeApi(streams, node.scaler).with(node.hotness::mount);
                    return node.sessions.start().compose(x -> node.hotness.start());
                })
                // through the scaler: POST /api/v1/verticles/{ingest,delivery}/scale redeploys these sets
                .compose(x -> node.scaler.deploy("ingest", () -> {
                    RtmpIngestVerticle v = new RtmpIngestVerticle(config.rtmp(), streams, metrics, node.api::ingestStopGraceMillis);
                    ingest.compareAndSet(null, v);
                    return v;
                }, rtmpInstances))
                .compose(id -> node.scaler.deploy("delivery", () -> {
                    HttpDeliveryVerticle v = new HttpDeliveryVerticle(config.http(), streams, metrics, node.sessions,
                            node.hotness, node.api);
                    delivery.compareAndSet(null, v);
                    return v;
                }, httpInstances))
                .map(id -> {
                    node.rtmpPort = ingest.get().actualPort();
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
        Future<Void> sessionsClosed = sessions == null ? Future.succeededFuture() : sessions.close();
        Future<Void> memberLeft = sessionsClosed.otherwiseEmpty()
                .compose(x -> hazelcast == null ? Future.<Void>succeededFuture() : vertx.<Void>executeBlocking(() -> {
                    hazelcast.shutdown();
                    return null;
                }))
                .otherwiseEmpty();
        // not bound to a context of the Vert.x being closed: that one can no longer run callbacks
        Promise<Void> closed = Promise.promise();
        memberLeft.onComplete(x -> vertx.close().onComplete(closed));
        return closed.future();
    }
}
