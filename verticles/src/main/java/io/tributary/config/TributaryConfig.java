package io.tributary.config;

import io.tributary.cluster.ClusterSettings;
import io.tributary.cluster.Role;
import io.tributary.db.PgSettings;
import io.tributary.delivery.HttpSettings;
import io.tributary.dvr.DvrSettings;
import io.tributary.edge.EdgeSettings;
import io.tributary.hotness.HotnessSettings;
import io.tributary.ingest.RtmpSettings;
import io.tributary.live.PublishSettings;
import io.tributary.live.HlsSettings;
import io.tributary.live.TranscodeSettings;
import io.tributary.router.RouterSettings;
import io.tributary.session.KafkaSettings;
import io.tributary.session.QoeSettings;
import io.tributary.session.SessionSettings;
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
                              KafkaSettings kafka, Topology topology, HotnessSettings hotness, PgSettings pg,
                              DvrSettings dvr) {

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
        PublishSettings publish = PublishSettings.from(s);
        HlsSettings hls = HlsSettings.from(s);
        TranscodeSettings transcode = TranscodeSettings.from(s);
        Path dataDir = Path.of(s.string("data-dir"));
        SessionSettings sessions = SessionSettings.from(s);
        // a session record outlives its node's idle timeout twice over in the cluster map
        ClusterSettings cluster = new ClusterSettings(s.bool("cluster.enabled"), s.string("cluster.host"),
                s.integer("cluster.port", 1, 65535), s.list("cluster.members"), sessions.idleTimeout().multipliedBy(2),
                kubernetesServiceDns(s));
        QoeSettings qoe = QoeSettings.from(s);
        KafkaSettings kafka = KafkaSettings.from(s);
        HotnessSettings hotness = HotnessSettings.from(s);
        Topology topology = topology(s, http);
        PgSettings pg = PgSettings.from(s);
        DvrSettings dvr = DvrSettings.from(s);
        s.rejectUnknown();
        s.rejectUnknownEnv(Set.of(CLUSTER_ALIAS));
        return new TributaryConfig(http, rtmp, publish, hls, transcode, dataDir, cluster, sessions, qoe, kafka, topology,
                hotness, pg, dvr);
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
            throw ConfigException.invalid("roles", "a list of origin, edge, router", String.join(",", names));
        }
        Object advertise = s.optional("cluster.advertise-host");
        EdgeSettings edge = EdgeSettings.from(s);
        RouterSettings router = RouterSettings.from(s);
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
                sessions, qoe, kafka, topology, hotness, pg, dvr);
    }
}
