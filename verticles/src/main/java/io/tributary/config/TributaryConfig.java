package io.tributary.config;

import io.tributary.cluster.ClusterSettings;
import io.tributary.cluster.Role;
import io.tributary.edge.EdgeSettings;
import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;
import io.tributary.router.RouterSettings;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The node's typed configuration, validated at start-up. Sources, later wins: the
 * bundled {@code default.yaml}, the file given with {@code --config} (or
 * {@code conf/default.yaml} in the working directory), then environment variables.
 */
public record TributaryConfig(Http http, Rtmp rtmp, Hls hls, Transcode transcode, Path dataDir,
                              ClusterSettings cluster, Sessions sessions, Qoe qoe, Kafka kafka,
                              Topology topology, Hotness hotness) {

    public record Http(String host, int port, int instances) {
    }

    /** What happens when a second publisher claims a live key. */
    public enum DuplicatePublish { REJECT, TAKEOVER }

    /**
     * @param streamKeys allowed keys; {@code any} allows every key
     */
    public record Rtmp(String host, int port, int instances, int maxMessageBytes, List<String> streamKeys,
                       DuplicatePublish duplicatePublish, Duration reconnectGrace, Duration endedRetention) {

        public boolean allows(String key) {
            return streamKeys.contains("any") || streamKeys.contains(key);
        }
    }

    /**
     * @param windowSegments complete segments in a media playlist
     * @param retainSegments segments still fetchable after leaving the playlist
     */
    public record Hls(double segmentTarget, double partTarget, int windowSegments, int retainSegments) {
    }

    /**
     * The live ABR ladder every stream gets: empty (the source only, as rendition
     * {@code video}) or the seed ladder 1080p/720p/360p (rungs above the source are
     * skipped, a rung at the source size passes the source through).
     *
     * @param maxLadders   streams encoding at once; 0 = no limit
     * @param maxPixelRate encoded pixels per second over all ladders (width x height x fps of
     *                     every encoded rung); 0 = no limit
     */
    public record Transcode(List<LadderRung> ladder, List<LadderRule> rules, int maxLadders, WhenFull whenFull,
                            long maxPixelRate) {

        /** The ladder for a stream key: the first matching rule's, else the default. */
        public List<LadderRung> ladderFor(String key) {
            for (LadderRule r : rules) {
                if (r.matches(key)) {
                    return r.ladder();
                }
            }
            return ladder;
        }
    }

    /** {@code PATTERN=LADDER}: keys matching the pattern ({@code *} = any run of characters) get that ladder. */
    public record LadderRule(String pattern, LadderName name, List<LadderRung> ladder) {

        boolean matches(String key) {
            return java.util.regex.Pattern.matches(
                    java.util.regex.Pattern.quote(pattern).replace("*", "\\E.*\\Q"), key);
        }
    }

    public enum LadderName {
        NONE, SEED, VOD;

        List<LadderRung> rungs() {
            return switch (this) {
                case NONE -> List.of();
                case SEED -> Ladder.SEED;
                case VOD -> Ladder.VOD;
            };
        }
    }

    /** When every ladder slot is taken: publish the source alone, or refuse the publish. */
    public enum WhenFull { PASSTHROUGH, REJECT }

    /**
     * Player sessions: off means no session work at all (the benchmark's baseline).
     *
     * @param maxPerNode sessions this node tracks at once; beyond it requests are served unattributed
     */
    public record Sessions(boolean enabled, Duration idleTimeout, Duration flushInterval, int maxPerNode) {
    }

    /**
     * QoE beacons and labels.
     *
     * @param region      the region label when a request names none (X-Region)
     * @param regions     the X-Region values kept as labels; any other becomes "other"
     * @param beaconRate  beacons per second one remote address may send (token bucket refill)
     * @param beaconBurst the bucket's size
     */
    public record Qoe(String region, List<String> regions, double beaconRate, int beaconBurst) {

        public String region(String header) {
            if (header == null || header.isEmpty()) {
                return region;
            }
            return regions.contains(header) ? header : "other";
        }
    }

    /** Kafka for playback events; an empty bootstrap turns it off. */
    public record Kafka(String bootstrap, String playbackTopic) {

        public boolean enabled() {
            return !bootstrap.isEmpty();
        }
    }

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

    /**
     * Content hotness (cluster-wide decayed request rates) and the cache TTL hint per tier.
     *
     * @param maxKeys         distinct content keys (times regions) a node counts between merges
     * @param prewarmRenditions S1 renditions an edge pre-fetches per merge interval
     */
    public record Hotness(Duration halfLife, Duration mergeInterval, Duration s1Ttl, Duration s2Ttl, Duration s3Ttl,
                          int maxKeys, int prewarmRenditions) {

        public io.tributary.cluster.hotness.HotnessPolicy policy() {
            return new io.tributary.cluster.hotness.HotnessPolicy(halfLife, s1Ttl, s2Ttl, s3Ttl);
        }
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
        Http http = new Http(s.string("http.host"), s.integer("http.port", 0, 65535),
                s.integer("http.instances", 0, 256));
        List<String> keys = s.list("rtmp.stream-keys");
        for (String k : keys) {
            if (!k.equals("any") && !StreamKeys.valid(k)) {
                throw ConfigException.invalid("rtmp.stream-keys", "keys of letters, digits, '-' and '_' (1-128)", k);
            }
        }
        Rtmp rtmp = new Rtmp(s.string("rtmp.host"), s.integer("rtmp.port", 0, 65535), s.integer("rtmp.instances", 0, 256),
                s.integer("rtmp.max-message-bytes", 1024, 64 << 20), List.copyOf(keys),
                s.choice("rtmp.duplicate-publish", DuplicatePublish.class),
                s.duration("rtmp.reconnect-grace", Duration.ZERO, Duration.ofMinutes(10)),
                s.duration("rtmp.ended-retention", Duration.ZERO, Duration.ofHours(1)));
        double segment = s.decimal("hls.segment-target", 1.0, 10.0);
        double part = s.decimal("hls.part-target", 0.2, 2.0);
        if (part > segment / 2) {
            throw ConfigException.invalid("hls.part-target", "at most half of hls.segment-target (" + segment + ")", part);
        }
        Hls hls = new Hls(segment, part, s.integer("hls.window-segments", 3, 1000), s.integer("hls.retain-segments", 0, 1000));
        List<LadderRule> rules = new java.util.ArrayList<>();
        for (String rule : s.list("transcode.ladder-rules")) {
            int eq = rule.indexOf('=');
            String pattern = eq < 0 ? "" : rule.substring(0, eq).trim();
            LadderName name = null;
            for (LadderName n : LadderName.values()) {
                if (eq >= 0 && n.name().equalsIgnoreCase(rule.substring(eq + 1).trim())) {
                    name = n;
                }
            }
            if (pattern.isEmpty() || name == null || !pattern.matches("[A-Za-z0-9_*-]+")) {
                throw ConfigException.invalid("transcode.ladder-rules", "entries like hd-*=seed (ladders none, seed, vod)", rule);
            }
            rules.add(new LadderRule(pattern, name, name.rungs()));
        }
        Transcode transcode = new Transcode(s.choice("transcode.ladder", LadderName.class).rungs(), List.copyOf(rules),
                s.integer("transcode.max-ladders", 0, 10_000), s.choice("transcode.when-full", WhenFull.class),
                maxPixelRate(s));
        Path dataDir = Path.of(s.string("data-dir"));
        ClusterSettings cluster = new ClusterSettings(s.bool("cluster.enabled"), s.string("cluster.host"),
                s.integer("cluster.port", 1, 65535), s.list("cluster.members"),
                s.duration("sessions.idle-timeout", Duration.ofSeconds(1), Duration.ofHours(1)).multipliedBy(2),
                kubernetesServiceDns(s));
        Sessions sessions = new Sessions(s.bool("sessions.enabled"),
                s.duration("sessions.idle-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                s.duration("sessions.flush-interval", Duration.ofMillis(100), Duration.ofMinutes(1)),
                s.integer("sessions.max-per-node", 1, 10_000_000));
        List<String> regions = s.list("qoe.regions");
        for (String r : regions) {
            if (!StreamKeys.valid(r) || r.length() > 32) {
                throw ConfigException.invalid("qoe.regions", "names of letters, digits, '-' and '_' (1-32)", r);
            }
        }
        String region = s.string("qoe.region");
        if (!StreamKeys.valid(region) || region.length() > 32) {
            throw ConfigException.invalid("qoe.region", "a name of letters, digits, '-' and '_' (1-32)", region);
        }
        Qoe qoe = new Qoe(region, List.copyOf(regions), s.decimal("qoe.beacon-rate", 0.1, 1_000_000),
                s.integer("qoe.beacon-burst", 1, 10_000_000));
        Object bootstrap = s.optional("kafka.bootstrap");
        Kafka kafka = new Kafka(bootstrap == null ? "" : String.valueOf(bootstrap).trim(), s.string("kafka.playback-topic"));
        Hotness hotness = new Hotness(s.duration("hotness.half-life", Duration.ofSeconds(1), Duration.ofHours(24)),
                s.duration("hotness.merge-interval", Duration.ofMillis(100), Duration.ofMinutes(10)),
                s.duration("hotness.s1-ttl", Duration.ofSeconds(1), Duration.ofDays(1)),
                s.duration("hotness.s2-ttl", Duration.ofSeconds(1), Duration.ofDays(1)),
                s.duration("hotness.s3-ttl", Duration.ofSeconds(1), Duration.ofDays(1)),
                s.integer("hotness.max-keys", 1, 10_000_000), s.integer("hotness.prewarm-renditions", 0, 1000));
        Topology topology = topology(s, http);
        s.rejectUnknown();
        s.rejectUnknownEnv(Set.of(CLUSTER_ALIAS));
        return new TributaryConfig(http, rtmp, hls, transcode, dataDir, cluster, sessions, qoe, kafka, topology, hotness);
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

    private static Topology topology(Settings s, Http http) {
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

    /** Encoded pixels/s a node may take on per core with {@code max-pixel-rate: auto}; see default.yaml. */
    public static final long AUTO_PIXEL_RATE_PER_CORE = 20_000_000;

    /** {@code auto} (per core, see {@link #AUTO_PIXEL_RATE_PER_CORE}), 0 (no limit) or pixels per second. */
    private static long maxPixelRate(Settings s) {
        String v = s.string("transcode.max-pixel-rate");
        if (v.equalsIgnoreCase("auto")) {
            return AUTO_PIXEL_RATE_PER_CORE * Runtime.getRuntime().availableProcessors();
        }
        if (!v.matches("[0-9]{1,10}")) {
            throw ConfigException.invalid("transcode.max-pixel-rate", "auto, 0 (no limit) or pixels per second", v);
        }
        return s.integer("transcode.max-pixel-rate", 0, Integer.MAX_VALUE);
    }

    /** Ports of 0 mean "any free port" (tests); the actual ports are known after deployment. */
    public TributaryConfig withPorts(int httpPort, int rtmpPort) {
        return new TributaryConfig(new Http(http.host, httpPort, http.instances),
                new Rtmp(rtmp.host, rtmpPort, rtmp.instances, rtmp.maxMessageBytes, rtmp.streamKeys, rtmp.duplicatePublish,
                        rtmp.reconnectGrace, rtmp.endedRetention), hls, transcode, dataDir, cluster, sessions, qoe, kafka, topology, hotness);
    }
}
