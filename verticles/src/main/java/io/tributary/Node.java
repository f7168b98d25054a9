package io.tributary;

import com.hazelcast.core.HazelcastInstance;
import io.tributary.auth.AuthModule;
import io.tributary.cluster.Role;
import io.tributary.config.TributaryConfig;
import io.tributary.control.ControlPlane;
import io.tributary.grpc.GrpcControl;
import io.tributary.db.Postgres;
import io.tributary.delivery.DeliveryModule;
import io.tributary.delivery.HttpSettings;
import io.tributary.dvr.DvrLiveWindow;
import io.tributary.dvr.DvrModule;
import io.tributary.dvr.DvrRoutes;
import io.tributary.dvr.DvrThumbnails;
import io.tributary.edge.EdgeModule;
import io.tributary.edge.EdgeRungs;
import io.tributary.hotness.ContentHotness;
import io.tributary.http.PeerAddresses;
import io.tributary.ingest.IngestModule;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.Publications;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.live.PublishClaims;
import io.tributary.log.LogbackSetup;
import io.tributary.metrics.NodeMetrics;
import io.tributary.ops.NodeApi;
import io.tributary.ops.NodeShutdown;
import io.tributary.ops.VerticleScaler;
import io.tributary.playback.PlaybackAccess;
import io.tributary.playback.PlaybackSecret;
import io.tributary.playback.StreamEncryption;
import io.tributary.playback.PlaybackTokensApi;
import io.tributary.ratelimit.RateLimiter;
import io.tributary.router.RouterModule;
import io.tributary.session.PlaybackSessions;
import io.tributary.session.StreamCatalog;
import io.tributary.tls.NodeTls;
import io.tributary.topology.ClusterApi;
import io.tributary.topology.ClusterJoin;
import io.tributary.topology.ClusterTopology;
import io.tributary.topology.NodeRoles;
import io.tributary.topology.OriginRegistrations;
import io.tributary.vod.VodModule;
import io.tributary.ssai.AdDecisionModule;
import io.tributary.channel.ChannelModule;
import io.tributary.config.StreamKeys;
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
    private final int rtmpsPort;
    private final int srtPort;
    private final TearDown teardown;
    private final DvrModule dvr;
    private final NodeApi api;
    private final VodModule vod;
    private final AuthModule auth;
    private int grpcPort = -1;

    private Node(Vertx vertx, TributaryConfig config, NodeMetrics metrics, HazelcastInstance hazelcast, LiveStreams streams,
                 Publications publications, PlaybackSessions sessions, ContentHotness hotness, VerticleScaler scaler, NodeRoles roles, int httpPort,
                 int rtmpPort, int rtmpsPort, int srtPort, TearDown teardown, DvrModule dvr, NodeApi api, VodModule vod, AuthModule auth) {
        this.rtmpsPort = rtmpsPort;
        this.api = api;
        this.auth = auth;
        this.vod = vod;
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
        LogbackSetup.install();
        NodeMetrics metrics = new NodeMetrics(config.metrics());
        long started = System.nanoTime();
        // an embedded PostgreSQL takes seconds to start: it does while the node joins the cluster
        Postgres.Launch pg = config.dvr().enabled() || config.vod().enabled() || config.auth().enabled()
                ? Postgres.launch(config.pg(), config.dataDir()) : null;
        // the certificate before anything listens: an unusable pair stops start-up with the key named
        final NodeTls tls;
        try {
            tls = NodeTls.load(config.tls());
        } catch (RuntimeException e) {
            if (pg != null) {
                pg.abandon();
            }
            return Future.failedFuture(e);
        }
        // the cluster member first: sessions, the registries and (clustered) the event bus live on it
        return ClusterJoin.join(config.cluster(), tls, metrics.registry(), config.net().nativeTransport()).onFailure(e -> {
            if (pg != null) {
                pg.abandon();
            }
        }).compose(joined -> {
            LOG.info(String.format("cluster member %s up in %d ms, %s Vert.x in %d ms",
                    joined.hazelcast().getCluster().getLocalMember().getAddress(), joined.memberMillis(),
                    joined.clustered() ? "clustered" : "local", joined.vertxMillis()));
            io.tributary.transport.NetTransport.report(joined.vertx(), config.net(), metrics.registry());
            TearDown teardown = new TearDown();
            teardown.add("cluster leave (Vert.x, Hazelcast)", () -> ClusterJoin.leave(joined.vertx(), joined.hazelcast()));
            tls.start(joined.vertx(), metrics.registry()); // every listener and client of the node finds it on its Vert.x
            teardown.add(() -> {
                tls.close();
                return Future.succeededFuture();
            });
            teardown.add(() -> {
                metrics.close();
                return Future.succeededFuture();
            });
            if (pg != null) {
                teardown.add(() -> {
                    pg.abandon(); // a no-op once the DVR or VOD took it over
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

        // signed playback: the secret (configured, or generated and shared in the cluster) before any player route
        return PlaybackSecret.resolve(vertx, config.playback(), config.dataDir(), hz).compose(secret -> {
            PlaybackAccess access = new PlaybackAccess(config.playback(), secret, metrics.registry());
            PlaybackAccess.install(vertx, access);
            // AES-128 streams: each segment encrypted once as it completes, for every delivery verticle
            StreamEncryption encryption = new StreamEncryption(access);
            StreamEncryption.install(vertx, encryption);
            TimelineEvents.Subscription encrypting = encryption.follow(vertx, streams);
            teardown.add(() -> {
                encrypting.close();
                return Future.succeededFuture();
            });
            return ClusterTopology.start(vertx, hz);
        }).compose(cluster -> {
            teardown.add("cluster topology", cluster::close);
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
                    .with(new ClusterApi(hz, cluster, joined.clustered(), control.commands())::mount)
                    .with(new PlaybackTokensApi(PlaybackAccess.of(vertx))::mount);
            teardown.add(() -> {
                api.closing(); // stopping verticles need not wait long
                return Future.succeededFuture();
            });
            teardown.add("playback sessions", sessions::close);
            teardown.add(hotness::close);
            // SSAI: breaks from the cues, per-session playlists for the delivery verticles, /ads routes
            io.tributary.ssai.SsaiModule ssai = io.tributary.ssai.SsaiModule.start(vertx, config.ssai(), streams,
                    config.dataDir(), metrics.registry(), config.kafka());
            if (ssai != null) {
                api.with(ssai::mount);
                teardown.add("ssai", ssai::close);
            }
            // API rate limits: buckets in Redis (redis.url) or in this cluster's Hazelcast
            RateLimiter limits = RateLimiter.create(vertx, config.rateLimit(), hz, metrics.registry());
            teardown.add("rate limits", limits::close);
            // every listener's request rate per address spares the cluster's members (edges, proxying routers)
            PeerAddresses peers = PeerAddresses.follow(hz);
            teardown.add(() -> {
                peers.close();
                return Future.succeededFuture();
            });
            HttpSettings http = config.http().withLimits(config.http().limits().withPeers(peers));
            // X-Forwarded-For names the client only from these (rate limits, signed URLs bound to an address)
            io.tributary.http.TrustedProxies.install(vertx, http.trustedProxies());

            // each stage starts when the one before it is up; once the last is, every earlier result is there
            teardown.add("control plane", control::close);
            // the DVR's PostgreSQL and index before delivery: playback and the recordings API read them
            Future<DvrModule> dvr = control.start()
                    .compose(x -> sessions.start())
                    .compose(x -> hotness.start())
                    .compose(x -> limits.start())
                    .compose(x -> !config.dvr().enabled() ? Future.<DvrModule>succeededFuture()
                            : DvrModule.start(vertx, config.dvr(), config.pg(), config.dataDir(), metrics.registry(), pg)
                                    .onSuccess(d -> {
                                        teardown.add("dvr", d::close);
                                        api.with(d::mount);
                                        // playback of the recordings: /dvr/{key}/... (player routes, CORS by path)
                                        DvrRoutes playback = new DvrRoutes(d.index(), d.settings().maxWindow().toMillis(),
                                                key -> streams.get(key) != null
                                                        && streams.get(key).state() != LiveStream.State.ENDED,
                                                new DvrThumbnails(2), d.peers());
                                        d.onDeleted(playback::forget); // no node lists deleted segments from memory
                                        api.with(playback::mount);
                                    }));
            // VOD and accounts share the DVR's PostgreSQL, or the node starts its own when the DVR is off
            Future<Postgres> postgres = dvr.compose(d -> d != null ? Future.succeededFuture(d.postgres())
                    : !config.vod().enabled() && !config.auth().enabled() ? Future.<Postgres>succeededFuture()
                    : Postgres.start(vertx, config.pg(), config.dataDir(), pg).onSuccess(p -> teardown.add("postgres", p::close)));
            Future<VodModule> vod = postgres.compose(p -> !config.vod().enabled() ? Future.<VodModule>succeededFuture()
                    : VodModule.start(vertx, config.vod(), p, false, config.dataDir(),
                                    metrics.registry(), scaler, hz.getCluster().getLocalMember().getUuid().toString().substring(0, 8),
                                    config.kafka())
                            .onSuccess(v -> {
                                teardown.add("vod", v::close);
                                // its viewers are player sessions too: the session hook before the playback routes
                                api.with(router -> {
                                    sessions.mountVod(router, v::playableRungs);
                                    v.mount(router);
                                });
                            }));
            // FAST channels: their API beside the catalog's; their playout once publications exist (origins only)
            Future<ChannelModule> channels = vod.map(v -> {
                if (v == null || !config.channels().enabled()) {
                    return null;
                }
                ChannelModule c = new ChannelModule(vertx, config.channels(), v, metrics.registry());
                teardown.add("channels", c::close);
                // a channel publishes in-process: any valid key (no publish secret or key list applies to it)
                api.with(router -> c.mount(router, StreamKeys::valid));
                return c;
            });
            // SSAI ad decisions: the built-in VAST server beside the catalog, the decision verticles once the node's URL is known
            Future<AdDecisionModule> ads = channels.map(c -> vod.result() == null ? null
                    : AdDecisionModule.create(vertx, config.adDecisions(), vod.result(), metrics.registry(),
                    config.transcode().ladder().stream().mapToInt(r -> r.height()).max().orElse(720))).onSuccess(a -> {
                        if (a != null) {
                            teardown.add("ad decisions", a::close);
                            api.with(a::mount);
                        }
                    });
            // accounts before the HTTP servers: every API route is guarded from the first request on
            Future<AuthModule> auth = ads.compose(v -> !config.auth().enabled()
                    ? Future.succeededFuture(AuthModule.disabled(vertx, config.auth()))
                    : AuthModule.start(vertx, config.auth(), postgres.result(), config.dataDir(), metrics.registry(),
                            joined.clustered(), hz)
                            .onSuccess(a -> teardown.add("accounts", a::close)))
                    .onSuccess(a -> {
                        io.tributary.ops.OpsLogin.install(vertx, a); // /ws/ops needs an admin's token
                        api.guardedBy(a::guard).with(a::mount);
                        if (config.admin().enabled()) {
                            api.operatorElsewhere();
                        }
                    });
            // a worker-only node serves no viewers: health and metrics on http.port, nothing else
            Future<Integer> httpPort = topo.roles().equals(java.util.Set.of(Role.WORKER)) ? auth.compose(x ->
                    io.tributary.vod.WorkerListener.start(vertx, http.host(), http.port(), metrics::scrape, vod.result())
                            .map(server -> {
                                teardown.add(server::close);
                                return server.actualPort();
                            }))
                    : auth.map(x -> dvr.result())
                    .compose(d -> DeliveryModule.deploy(http, streams, metrics, sessions, hotness, api, scaler,
                            httpInstances, d == null ? DvrLiveWindow.NONE : new DvrLiveWindow(d.index(),
                                    d.settings().window().toMillis(), d.settings().maxWindow().toMillis()), limits));
            Future<Integer> adminPort = httpPort.compose(x -> !config.admin().enabled() ? Future.succeededFuture(-1)
                    : io.tributary.ops.AdminListener.start(vertx, config.admin(), api, metrics).map(server -> {
                        teardown.add("admin listener", server::close);
                        return server.actualPort();
                    }));
            Future<String> originUrl = adminPort.compose(x -> httpPort).map(port -> NodeTls.of(vertx).scheme() + "://" + topo.advertiseHost() + ":" + port)
                    .compose(url -> ads.result() == null ? Future.succeededFuture(url) : ads.result().start(scaler, url).map(url));
            // only an origin publishes (the publication API every ingest protocol goes through), and registers its streams
            Future<Publications> publications = originUrl.map(url -> {
                if (!topo.has(Role.ORIGIN)) {
                    return null;
                }
                OriginRegistrations registrations = OriginRegistrations.follow(vertx, cluster.registry(), streams, url);
                teardown.add(registrations::close);
                // clustered, a key is published on one origin at a time: the registry decides
                return new Publications(streams, joined.clustered() ? registrations : PublishClaims.NONE, metrics, config.publish(),
                        auth.result().publishGate()).withHook(io.tributary.live.OnPublishHook.of(vertx, config.publish().onPublish()));
            }).compose(p -> p == null || dvr.result() == null ? Future.succeededFuture(p)
                    : dvr.result().record(streams, originUrl.result()).map(p));
            Future<Publications> airing = publications.compose(p -> p == null || channels.result() == null
                    ? Future.succeededFuture(p) : channels.result().startPlayout(p).map(p));
            // the gRPC control plane: the REST API's commands for tools (ctl); a kick reaches this node's publishers
            Future<Integer> grpcPort = airing.compose(p -> {
                if (p != null) {
                    control.local().kicksWith(key -> p.kick(key, "disconnected by an operator"));
                }
                return !config.grpc().enabled() ? Future.succeededFuture(-1)
                        : GrpcControl.start(vertx, config.grpc(), auth.result(), control, cluster.registry(),
                                limits, new GrpcControl.Catalogs(dvr.result(), vod.result(), channels.result())).map(server -> {
                            teardown.add("grpc", server::close);
                            return server.actualPort();
                        });
            });
            Future<IngestModule.Ports> rtmpPort = grpcPort.map(x -> airing.result()).compose(p -> p == null ? Future.succeededFuture(new IngestModule.Ports(-1, -1))
                    : IngestModule.deployListeners(config.rtmp(), p, metrics, api::ingestStopGraceMillis, scaler, rtmpInstances)
                            .onSuccess(x -> teardown.add("rtmp ingest", () -> {
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
                        teardown.add("srt ingest", () -> vertx.undeploy(v.deploymentID()).otherwiseEmpty());
                        return v.actualPort();
                    }));
            Future<EdgeModule> edge = srtPort.compose(x -> !topo.has(Role.EDGE) ? Future.succeededFuture()
                    : EdgeModule.start(vertx, topo.edge(), config.hotness(), cluster.registry(), metrics.registry(), hotness,
                            sessions, edgeRungs, scaler, httpInstances, topo.has(Role.ORIGIN) ? streams.events() : null, key -> {
                                if (streams.get(key) == null) { // an origin's own stream is forgotten when it ends here
                                    forgotten.accept(key);
                                }
                            }, http.limits(), cluster.directory(), api.retiring(streams::draining)).onSuccess(e -> teardown.add("edge", e::close)));
            Future<RouterModule> router = edge.compose(x -> !topo.has(Role.ROUTER) ? Future.succeededFuture()
                    : RouterModule.start(vertx, topo.router(), cluster.directory(), scaler, httpInstances,
                            http.limits(), metrics.registry(), api.retiring(streams::draining))
                            .onSuccess(r -> teardown.add("router", r::close)));
            return router.compose(x -> {
                NodeRoles roles = new NodeRoles(topo.roles(), topo.advertiseHost(), cluster, originUrl.result(),
                        edge.result() == null ? -1 : edge.result().port(),
                        router.result() == null ? -1 : router.result().port(),
                        router.result() == null ? null : router.result().routing());
                return cluster.advertise(roles.advert()).map(y -> {
                    streams.started(); // /health says UP from now on: every listener is up
                    return new Node(vertx, config, metrics, hz, streams, publications.result(), sessions,
                            hotness, scaler, roles, httpPort.result(), rtmpPort.result().rtmp(), rtmpPort.result().rtmps(),
                            srtPort.result(), teardown, dvr.result(), api, vod.result(), auth.result()).withGrpcPort(grpcPort.result());
                });
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

    /** The RTMPS port; -1 on a node without the origin role or without {@code rtmps.port}. */
    public int rtmpsPort() {
        return rtmpsPort;
    }

    /** The node's TLS (certificate, HTTPS options, reload); {@link NodeTls#OFF} without {@code tls.cert}. */
    public NodeTls tls() {
        return NodeTls.of(vertx);
    }

    /** The SRT (UDP) port; -1 on a node without the origin role or with srt.enabled false. */
    public int srtPort() {
        return srtPort;
    }

    public String rtmpUrl(String key) {
        return "rtmp://127.0.0.1:" + rtmpPort + "/live/" + key;
    }

    public String httpUrl(String path) {
        return tls().scheme() + "://127.0.0.1:" + httpPort + path;
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

    /**
     * The graceful stop (SIGTERM): drains for at most {@code grace} (publishers told and closed, streams
     * ended, held and in-flight requests answered), then {@link #close()}s. Completes once closed.
     */
    public Future<NodeShutdown.Report> shutdown(java.time.Duration grace) {
        return new NodeShutdown(vertx, streams, publications, scaler, api, metrics.heldRequests(), this::close).run(grace);
    }

    private Node withGrpcPort(int port) {
        this.grpcPort = port;
        return this;
    }

    /** The gRPC control plane's port; -1 with {@code grpc.enabled: false}. */
    public int grpcPort() {
        return grpcPort;
    }

    /** The DVR (its index, the node's PostgreSQL); null with {@code dvr.enabled: false}. */
    public DvrModule dvr() {
        return dvr;
    }

    /** VOD (the catalog, the transcode workers); null with {@code vod.enabled: false}. */
    public VodModule vod() {
        return vod;
    }

    /** Accounts, tokens and publish secrets (disabled with {@code auth.enabled: false}). */
    public AuthModule auth() {
        return auth;
    }

    /** The node's roles: its edge and router ports, the directory and the stream registry. */
    public NodeRoles roles() {
        return roles;
    }
}
