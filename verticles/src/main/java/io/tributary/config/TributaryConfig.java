package io.tributary.config;

import io.tributary.cluster.ClusterSettings;
import io.tributary.auth.AuthSettings;
import io.tributary.cluster.Role;
import io.tributary.db.PgSettings;
import io.tributary.delivery.HttpSettings;
import io.tributary.dvr.DvrSettings;
import io.tributary.vod.VodSettings;
import io.tributary.playback.PlaybackSettings;
import io.tributary.edge.EdgeSettings;
import io.tributary.hotness.HotnessSettings;
import io.tributary.ingest.RtmpSettings;
import io.tributary.ingest.srt.SrtSettings;
import io.tributary.live.PublishSettings;
import io.tributary.live.HlsSettings;
import io.tributary.live.TranscodeSettings;
import io.tributary.ops.ShutdownSettings;
import io.tributary.ratelimit.RateLimitSettings;
import io.tributary.log.LogFormat;
import io.tributary.metrics.MetricsSettings;
import io.tributary.router.RouterSettings;
import io.tributary.session.KafkaSettings;
import io.tributary.session.QoeSettings;
import io.tributary.session.SessionSettings;
import io.tributary.tls.TlsSettings;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The node's configuration: the settings of each component, each model next to its component and
 * read from the keys it owns, validated at start-up. Sources, later wins: the bundled
 * {@code default.yaml}, the file given with {@code --config} (or {@code conf/default.yaml} in the
 * working directory), then {@code TRIBUTARY_*} environment variables. A key no component reads, in
 * the file or as a variable, stops start-up.
 */
public record TributaryConfig(HttpSettings http, RtmpSettings rtmp, PublishSettings publish, HlsSettings hls,
                              TranscodeSettings transcode,
                              Path dataDir, ClusterSettings cluster, SessionSettings sessions, QoeSettings qoe,
                              KafkaSettings kafka, Topology topology, HotnessSettings hotness, SrtSettings srt,
                              PgSettings pg, DvrSettings dvr, ShutdownSettings shutdown, LogFormat log,
                              MetricsSettings metrics, VodSettings vod, RateLimitSettings rateLimit,
                              io.tributary.channel.ChannelSettings channels, TlsSettings tls,
                              PlaybackSettings playback, AuthSettings auth,
                              io.tributary.ops.AdminSettings admin, io.tributary.ssai.SsaiSettings ssai,
                              io.tributary.ssai.AdDecisionSettings adDecisions, io.tributary.grpc.GrpcSettings grpc,
                              io.tributary.transport.NetSettings net) {

    /**
     * What this node does in the cluster and where each role listens. The origin role serves
     * {@code /live} on {@code http.port}; edge and router each have their own port, because both
     * answer {@code /live} too (the edge for any stream of the cluster, the router with a redirect).
     *
     * @param advertiseHost the host other nodes and redirected viewers reach this node at
     * @param edge          the edge role's settings (read whatever the roles, so a bad key fails on every node)
     * @param router        the router role's settings
     */
    public record Topology(Set<Role> roles, String advertiseHost, EdgeSettings edge, RouterSettings router) {

        public boolean has(Role role) {
            return roles.contains(role);
        }
    }

    /** {@code TRIBUTARY_CLUSTER=true} (as in the issue) is {@code TRIBUTARY_CLUSTER_ENABLED}. */
    static final String CLUSTER_ALIAS = "TRIBUTARY_CLUSTER";

    static Map<String, String> aliases(Map<String, String> env) {
        if (env.containsKey(CLUSTER_ALIAS) && !env.containsKey("TRIBUTARY_CLUSTER_ENABLED")) {
            Map<String, String> out = new HashMap<>(env);
            out.put("TRIBUTARY_CLUSTER_ENABLED", env.get(CLUSTER_ALIAS));
            return out;
        }
        return env;
    }

    public static TributaryConfig load(Path file, Map<String, String> env) {
        Settings s = new Settings(aliases(env));
        try (InputStream in = TributaryConfig.class.getResourceAsStream("/default.yaml")) {
            if (in == null) {
                throw new ConfigException("bundled default.yaml is missing from the jar");
            }
            s.merge("", yaml(in, "bundled default.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path chosen = file != null ? file : Path.of("conf", "default.yaml");
        if (file != null && !Files.isRegularFile(file)) {
            throw new ConfigException("config file '" + file + "' does not exist");
        }
        if (Files.isRegularFile(chosen)) {
            try (InputStream in = Files.newInputStream(chosen)) {
                s.merge("", yaml(in, chosen.toString()));
            } catch (IOException e) {
                throw new ConfigException("config file '" + chosen + "' cannot be read: " + e.getMessage());
            }
        }
        return from(s);
    }

    static Map<?, ?> yaml(InputStream in, String name) {
        Object tree;
        try {
            tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (RuntimeException e) {
            throw new ConfigException(name + " is not valid YAML: " + e.getMessage());
        }
        if (tree == null) {
            return Map.of();
        }
        if (!(tree instanceof Map<?, ?> map)) {
            throw new ConfigException(name + " must be a YAML mapping");
        }
        return map;
    }

    public static TributaryConfig from(Settings s) {
        HttpSettings http = HttpSettings.from(s);
        RtmpSettings rtmp = RtmpSettings.from(s);
        SrtSettings srt = SrtSettings.from(s);
        PublishSettings publish = PublishSettings.from(s);
        HlsSettings hls = HlsSettings.from(s);
        TranscodeSettings transcode = TranscodeSettings.from(s);
        Path dataDir = Path.of(s.string("data-dir"));
        SessionSettings sessions = SessionSettings.from(s);
        // a session record outlives its node's idle timeout twice over in the cluster map
        ClusterSettings cluster = new ClusterSettings(s.bool("cluster.enabled"), s.string("cluster.host"),
                s.integer("cluster.port", 1, 65535), s.list("cluster.members"), sessions.idleTimeout().multipliedBy(2),
                kubernetesServiceDns(s)).withSecret(s.string("cluster.name"), secret(s))
                .withEventBusPort(s.integer("cluster.event-bus-port", 0, 65535));
        QoeSettings qoe = QoeSettings.from(s);
        KafkaSettings kafka = KafkaSettings.from(s);
        HotnessSettings hotness = HotnessSettings.from(s);
        Topology topology = topology(s, http);
        PgSettings pg = PgSettings.from(s);
        DvrSettings dvr = DvrSettings.from(s);
        ShutdownSettings shutdown = ShutdownSettings.from(s);
        LogFormat log = LogFormat.from(s);
        MetricsSettings metrics = MetricsSettings.from(s);
        VodSettings vod = VodSettings.from(s);
        if (topology.has(Role.WORKER) && !vod.enabled()) {
            throw ConfigException.invalid("vod.enabled", "true on a worker node (roles: [worker])", false);
        }
        RateLimitSettings rateLimit = RateLimitSettings.from(s);
        io.tributary.channel.ChannelSettings channels = io.tributary.channel.ChannelSettings.from(s);
        TlsSettings tls = TlsSettings.from(s);
        PlaybackSettings playback = PlaybackSettings.from(s);
        AuthSettings auth = AuthSettings.from(s);
        io.tributary.ops.AdminSettings admin = io.tributary.ops.AdminSettings.from(s);
        io.tributary.ssai.SsaiSettings ssai = io.tributary.ssai.SsaiSettings.from(s);
        io.tributary.ssai.AdDecisionSettings adDecisions = io.tributary.ssai.AdDecisionSettings.from(s);
        io.tributary.grpc.GrpcSettings grpc = io.tributary.grpc.GrpcSettings.from(s);
        io.tributary.transport.NetSettings net = io.tributary.transport.NetSettings.from(s);
        s.rejectUnknown();
        s.rejectUnknownEnv(Set.of(CLUSTER_ALIAS));
        return new TributaryConfig(http, rtmp, publish, hls, transcode, dataDir, cluster, sessions, qoe, kafka, topology,
                hotness, srt, pg, dvr, shutdown, log, metrics, vod, rateLimit, channels, tls, playback, auth, admin, ssai, adDecisions, grpc, net);
    }

    /** The join secret, "" when unset (a clustered node then refuses to start: see ClusterJoin). */
    private static String secret(Settings s) {
        Object v = s.optional("cluster.secret");
        String secret = v == null ? "" : String.valueOf(v).trim();
        if (!secret.isEmpty() && secret.length() < 16) {
            throw ConfigException.invalid("cluster.secret", "at least 16 characters (e.g. openssl rand -hex 32)", "(" + secret.length() + " characters)");
        }
        return secret;
    }

    /** A DNS name or ""; it replaces the TCP-IP list, so a list beside it would be silently unused. */
    private static String kubernetesServiceDns(Settings s) {
        Object v = s.optional("cluster.kubernetes-service-dns");
        String name = v == null ? "" : String.valueOf(v).trim();
        if (name.isEmpty()) {
            return "";
        }
        if (name.length() > 253 || !name.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?")) {
            throw ConfigException.invalid("cluster.kubernetes-service-dns",
                    "a DNS name without port, e.g. tributary-hazelcast.tributary.svc.cluster.local (the port is cluster.port)", name);
        }
        if (!s.list("cluster.members").isEmpty()) {
            throw ConfigException.invalid("cluster.members", "an empty list when cluster.kubernetes-service-dns is set",
                    String.join(",", s.list("cluster.members")));
        }
        return name;
    }

    private static Topology topology(Settings s, HttpSettings http) {
        List<String> names = s.list("roles");
        Set<Role> roles = Role.parse(names);
        if (roles == null || roles.isEmpty()) {
            throw ConfigException.invalid("roles", "a list of origin, edge, router (or worker alone)", String.join(",", names));
        }
        Object advertise = s.optional("cluster.advertise-host");
        EdgeSettings edge = EdgeSettings.from(s);
        RouterSettings router = RouterSettings.from(s);
        if (roles.contains(Role.WORKER) && roles.size() > 1) {
            throw ConfigException.invalid("roles", "worker alone (every VOD node runs transcode workers already)", String.join(",", names));
        }
        // two servers of one node on one fixed port cannot both listen
        if (roles.contains(Role.EDGE) && edge.port() != 0 && edge.port() == http.port()) {
            throw ConfigException.invalid("edge.port", "a port other than http.port (" + http.port() + ")", edge.port());
        }
        if (roles.contains(Role.ROUTER) && router.port() != 0
                && (router.port() == http.port() || roles.contains(Role.EDGE) && router.port() == edge.port())) {
            throw ConfigException.invalid("router.port", "a port other than http.port and edge.port", router.port());
        }
        return new Topology(roles, advertise == null ? s.string("cluster.host") : String.valueOf(advertise).trim(), edge, router);
    }

    /** Ports of 0 mean "any free port" (tests); the actual ports are known after deployment. */
    public TributaryConfig withPorts(int httpPort, int rtmpPort) {
        return new TributaryConfig(http.withPort(httpPort), rtmp.withPort(rtmpPort), publish, hls, transcode, dataDir, cluster,
                sessions, qoe, kafka, topology, hotness, srt, pg, dvr, shutdown, log, metrics, vod, rateLimit, channels, tls, playback, auth, admin, ssai, adDecisions, grpc, net);
    }

    /** The SRT listener's port (0: any free one). */
    public TributaryConfig withSrtPort(int srtPort) {
        return new TributaryConfig(http, rtmp, publish, hls, transcode, dataDir, cluster, sessions, qoe, kafka, topology, hotness,
                srt.withPort(srtPort), pg, dvr, shutdown, log, metrics, vod, rateLimit, channels, tls, playback, auth, admin, ssai, adDecisions, grpc, net);
    }

    /** The RTMPS listener's port (0: any free one). */
    public TributaryConfig withRtmpsPort(int rtmpsPort) {
        return new TributaryConfig(http, rtmp, publish, hls, transcode, dataDir, cluster, sessions, qoe, kafka, topology, hotness,
                srt, pg, dvr, shutdown, log, metrics, vod, rateLimit, channels, tls.withRtmpsPort(rtmpsPort), playback, auth, admin, ssai, adDecisions, grpc, net);
    }
}
