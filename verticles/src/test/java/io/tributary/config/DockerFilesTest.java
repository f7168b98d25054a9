package io.tributary.config;

import io.tributary.cluster.Role;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker/compose.yaml and docker/k8s/: no engine runs here, so the files are checked as data:
 * they parse, every TRIBUTARY_* key they set is a key of default.yaml and the values load
 * through {@link TributaryConfig}, and images, ports, addresses and selectors agree. Each node
 * holds the role its name says, and what it publishes is the listener of that role: {@code /live}
 * is on http.port for an origin, edge.port for an edge, router.port for a router.
 */
class DockerFilesTest {

    private static final Path DOCKER = dockerDir();
    private static final List<String> NODES = List.of("origin", "edge-1", "edge-2", "router");
    private static final Map<String, Set<Role>> COMPOSE_ROLES = Map.of("origin", Set.of(Role.ORIGIN),
            "edge-1", Set.of(Role.EDGE), "edge-2", Set.of(Role.EDGE), "router", Set.of(Role.ROUTER));
    private static final String SAMPLE_POD_IP = "10.1.2.3";

    @Test
    void composeRunsThreeRolesOfNodesWithTheirServicesOnValidConfig() throws IOException {
        Map<?, ?> compose = yaml(DOCKER.resolve("compose.yaml"));
        Map<?, ?> services = (Map<?, ?>) compose.get("services");
        for (String s : List.of("origin", "edge-1", "edge-2", "router", "prometheus", "grafana", "kafka", "postgres", "redis")) {
            assertTrue(services.containsKey(s), "compose has " + s);
        }
        Set<String> known = knownEnvKeys();
        Set<String> images = new HashSet<>();
        List<String> addresses = new ArrayList<>();
        Set<Integer> hostPorts = new HashSet<>();
        for (String name : NODES) {
            Map<?, ?> node = (Map<?, ?>) services.get(name);
            images.add((String) node.get("image"));
            Map<String, String> env = env((Map<?, ?>) node.get("environment"));
            for (String key : env.keySet()) {
                assertTrue(known.contains(key), name + ": " + key + " is not a key of default.yaml");
            }
            TributaryConfig config = TributaryConfig.load(null, env);
            assertTrue(config.cluster().enabled(), name);
            // compose refuses to start without the operator's join secret: no default is written here
            assertTrue(String.valueOf(env.get("TRIBUTARY_CLUSTER_SECRET")).startsWith("${TRIBUTARY_CLUSTER_SECRET:?"), name);
            String ip = (String) ((Map<?, ?>) ((Map<?, ?>) node.get("networks")).get("tributary")).get("ipv4_address");
            assertEquals(ip, config.cluster().host(), name + " binds the address compose gives it");
            addresses.add(ip + ":" + config.cluster().port());
            assertTrue(services.containsKey(config.kafka().bootstrap().split(":")[0]), "kafka bootstrap is a compose service");
            assertEquals(COMPOSE_ROLES.get(name), config.topology().roles(), name + " runs the role its name says");
            Set<Integer> published = new TreeSet<>();
            for (Object p : (List<?>) node.get("ports")) {
                String[] mapping = String.valueOf(p).split(":");
                assertEquals(2, mapping.length, name + ": host:container in " + p);
                assertTrue(hostPorts.add(Integer.parseInt(mapping[0])), name + ": host port " + mapping[0] + " is taken twice");
                published.add(Integer.parseInt(mapping[1]));
            }
            assertEquals(new TreeSet<>(roleListeners(config)), published,
                    name + " publishes exactly the listeners of its roles " + config.topology().roles());
        }
        TributaryConfig router = TributaryConfig.load(null, env((Map<?, ?>) ((Map<?, ?>) services.get("router")).get("environment")));
        // a redirect would send a browser on the host to an edge's compose-network address
        assertEquals(io.tributary.router.RouterSettings.Mode.PROXY, router.topology().router().mode(), "the compose router proxies");
        assertEquals(1, images.size(), "every node runs the same image: " + images);
        assertEquals("docker/Dockerfile", ((Map<?, ?>) ((Map<?, ?>) services.get("origin")).get("build")).get("dockerfile"));
        for (String name : NODES) {
            TributaryConfig config = TributaryConfig.load(null, env((Map<?, ?>) ((Map<?, ?>) services.get(name)).get("environment")));
            assertEquals(Set.copyOf(addresses), Set.copyOf(config.cluster().members()), name + " joins every node");
        }
        String subnet = (String) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) compose.get("networks"))
                .get("tributary")).get("ipam")).get("config")).get(0)).get("subnet");
        assertEquals("172.28.0.0/16", subnet);
        addresses.forEach(a -> assertTrue(a.startsWith("172.28."), a));

        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        TributaryConfig defaults = TributaryConfig.load(null, Map.of());
        assertEquals(EnumSet.of(Role.ORIGIN, Role.EDGE, Role.ROUTER), defaults.topology().roles());
        String expose = dockerfile.lines().filter(l -> l.startsWith("EXPOSE ")).findFirst().orElseThrow();
        assertEquals(new TreeSet<>(roleListeners(defaults)),
                new TreeSet<>(List.of(expose.substring(7).trim().split("\\s+")).stream().map(Integer::valueOf).toList()),
                "the image exposes the listeners of every role at their defaults");
        assertEquals(List.of(8080, 1935, 8081, 8082), List.of(defaults.http().port(), defaults.rtmp().port(),
                defaults.topology().edge().port(), defaults.topology().router().port()));

        // Prometheus scrapes exactly the nodes; Grafana mounts files that exist
        Map<?, ?> prom = yaml(DOCKER.resolve("prometheus/prometheus.yml"));
        Map<?, ?> job = (Map<?, ?>) ((List<?>) prom.get("scrape_configs")).get(0);
        List<?> targets = (List<?>) ((Map<?, ?>) ((List<?>) job.get("static_configs")).get(0)).get("targets");
        assertEquals(NODES.stream().map(n -> n + ":" + defaults.http().port()).toList(), targets);
        for (String svc : List.of("prometheus", "grafana")) {
            for (Object v : (List<?>) ((Map<?, ?>) services.get(svc)).get("volumes")) {
                String host = String.valueOf(v).split(":")[0];
                assertTrue(Files.exists(DOCKER.resolve(host)), svc + " mounts " + host);
            }
        }
    }

    @Test
    void kubernetesFilesAgreeWithEachOtherAndWithTheConfig() throws IOException {
        List<Map<?, ?>> deployments = documents("k8s/deployments.yaml");
        List<Map<?, ?>> services = documents("k8s/services.yaml");
        List<Map<?, ?>> pdbs = documents("k8s/pdb.yaml");
        Map<?, ?> hpa = yaml(DOCKER.resolve("k8s/hpa.yaml"));
        Set<String> known = knownEnvKeys();
        Map<String, Map<?, ?>> podLabels = new LinkedHashMap<>();
        Map<String, TributaryConfig> configs = new HashMap<>();
        Set<String> images = new HashSet<>();
        for (Map<?, ?> d : deployments) {
            assertEquals("Deployment", d.get("kind"));
            String name = (String) ((Map<?, ?>) d.get("metadata")).get("name");
            Map<?, ?> spec = (Map<?, ?>) d.get("spec");
            Map<?, ?> template = (Map<?, ?>) spec.get("template");
            Map<?, ?> labels = (Map<?, ?>) ((Map<?, ?>) template.get("metadata")).get("labels");
            Map<?, ?> match = (Map<?, ?>) ((Map<?, ?>) spec.get("selector")).get("matchLabels");
            assertTrue(subset(match, labels), name + ": selector matches its pods");
            podLabels.put(name, labels);
            Map<?, ?> container = (Map<?, ?>) ((List<?>) ((Map<?, ?>) template.get("spec")).get("containers")).get(0);
            images.add((String) container.get("image"));
            Map<String, String> env = new HashMap<>();
            for (Object o : (List<?>) container.get("env")) {
                Map<?, ?> e = (Map<?, ?>) o;
                String key = (String) e.get("name");
                if (key.equals("DRAIN_API_KEY")) {
                    continue; // read by preStop's drain, not by the node
                }
                assertTrue(known.contains(key), name + ": " + key + " is not a key of default.yaml");
                Object value = e.get("value");
                if (value == null && ((Map<?, ?>) e.get("valueFrom")).get("secretKeyRef") != null) {
                    // the join secret and the JWT key, from Secrets the operator made (never written in the file)
                    assertTrue(Set.of("TRIBUTARY_CLUSTER_SECRET", "TRIBUTARY_AUTH_JWT_SECRET").contains(key), name + ": " + key);
                    value = "0123456789abcdef0123456789abcdef";
                } else if (value == null) {
                    assertEquals("status.podIP", ((Map<?, ?>) ((Map<?, ?>) e.get("valueFrom")).get("fieldRef")).get("fieldPath"));
                    value = SAMPLE_POD_IP;
                }
                env.put(key, String.valueOf(value));
            }
            TributaryConfig config = TributaryConfig.load(null, env);
            configs.put(name, config);
            String component = (String) labels.get("app.kubernetes.io/component");
            assertEquals(Set.of(Role.valueOf(component.toUpperCase(Locale.ROOT))), config.topology().roles(),
                    name + " runs the role of its component label");
            assertTrue(config.cluster().enabled(), name);
            assertEquals(SAMPLE_POD_IP, config.cluster().host(), name + " binds its pod IP");
            // TCP-IP would reach only the first address of the Service's name (MultiAddressJoinTest)
            assertEquals("tributary-hazelcast.tributary.svc.cluster.local", config.cluster().kubernetesServiceDns(),
                    name + " joins every pod of the headless service by Kubernetes DNS lookup");
            assertTrue(config.cluster().kubernetesDns(), name);
            assertEquals(List.of(), config.cluster().members(), name + ": no TCP-IP list beside DNS lookup");
            Map<String, Integer> ports = new HashMap<>();
            for (Object o : (List<?>) container.get("ports")) {
                ports.put((String) ((Map<?, ?>) o).get("name"), (Integer) ((Map<?, ?>) o).get("containerPort"));
            }
            assertEquals(config.http().port(), ports.get("http"), name + ": API, metrics and health on every role");
            assertEquals(config.cluster().port(), ports.get("hazelcast"), name);
            Set<Integer> expected = new TreeSet<>(roleListeners(config));
            expected.add(config.http().port());
            expected.add(config.cluster().port());
            expected.add(config.cluster().eventBusPort());
            assertEquals(config.cluster().eventBusPort(), ports.get("eventbus"), name + ": the event bus on a fixed port");
            assertEquals(expected, new TreeSet<>(ports.values()), name + ": container ports are the listeners of " + config.topology().roles());
            if (config.topology().has(Role.EDGE)) {
                assertEquals(config.topology().edge().port(), ports.get("edge"), name);
            }
            if (config.topology().has(Role.ROUTER)) {
                assertEquals(config.topology().router().port(), ports.get("router"), name);
                assertEquals(io.tributary.router.RouterSettings.Mode.PROXY, config.topology().router().mode(), name + ": players outside the cluster cannot reach pod IPs");
            }
            if (config.topology().has(Role.ORIGIN)) {
                assertEquals(config.rtmp().port(), ports.get("rtmp"), name);
            }
            Map<?, ?> probe = (Map<?, ?>) ((Map<?, ?>) container.get("readinessProbe")).get("httpGet");
            assertEquals("/health", probe.get("path"), name + ": readiness follows drain");
            assertEquals(config.http().port(), ports.get((String) probe.get("port")), name + ": /health is on http.port");
        }
        assertEquals(Set.of("tributary-origin", "tributary-edge", "tributary-router"), podLabels.keySet());
        assertEquals(1, images.size(), "one image for every role: " + images);
        Map<?, ?> compose = yaml(DOCKER.resolve("compose.yaml"));
        assertEquals(images.iterator().next(), ((Map<?, ?>) ((Map<?, ?>) compose.get("services")).get("origin")).get("image"),
                "compose builds the image the Deployments run");

        Map<String, Integer> servicePorts = new HashMap<>();
        for (Map<?, ?> s : services) {
            String name = (String) ((Map<?, ?>) s.get("metadata")).get("name");
            Map<?, ?> selector = (Map<?, ?>) ((Map<?, ?>) s.get("spec")).get("selector");
            List<String> matched = podLabels.entrySet().stream().filter(e -> subset(selector, e.getValue())).map(Map.Entry::getKey).toList();
            assertFalse(matched.isEmpty(), "service " + name + " selects some pods");
            boolean headless = "None".equals(((Map<?, ?>) s.get("spec")).get("clusterIP"));
            for (Object p : (List<?>) ((Map<?, ?>) s.get("spec")).get("ports")) {
                Object target = ((Map<?, ?>) p).get("targetPort");
                for (String d : matched) {
                    Integer port = containerPorts(deployments, d).get(target);
                    assertNotNull(port, name + " -> " + d + ":" + target + " is a container port");
                    TributaryConfig config = configs.get(d);
                    if (headless) {
                        assertEquals(config.cluster().port(), port, name + " is for Hazelcast");
                    } else {
                        assertTrue(roleListeners(config).contains(port),
                                name + " -> " + d + ":" + port + " is a listener of " + config.topology().roles());
                    }
                    servicePorts.put(name, port);
                }
            }
        }
        assertEquals(Map.of("tributary-hazelcast", 5701, "tributary-ingest", 1935, "tributary-origin", 8080,
                "tributary-edge", 8081, "tributary-router", 8082), servicePorts, "each Service reaches its role's listener");
        Map<?, ?> headless = services.stream().filter(s -> "tributary-hazelcast".equals(((Map<?, ?>) s.get("metadata")).get("name")))
                .findFirst().orElseThrow();
        assertEquals("None", ((Map<?, ?>) headless.get("spec")).get("clusterIP"));
        assertEquals(Boolean.TRUE, ((Map<?, ?>) headless.get("spec")).get("publishNotReadyAddresses"),
                "starting pods are in the DNS answer, so members starting together find each other");
        configs.forEach((d, c) -> assertEquals("tributary-hazelcast", c.cluster().kubernetesServiceDns().split("\\.")[0],
                d + " looks up the headless Service's name"));
        assertEquals(3, podLabels.values().stream().filter(l -> subset((Map<?, ?>) ((Map<?, ?>) headless.get("spec")).get("selector"), l)).count(),
                "every role is a Hazelcast member");

        for (Map<?, ?> pdb : pdbs) {
            assertEquals("PodDisruptionBudget", pdb.get("kind"));
            Map<?, ?> match = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) pdb.get("spec")).get("selector")).get("matchLabels");
            assertEquals(1, podLabels.values().stream().filter(l -> subset(match, l)).count(), "a PDB covers one role");
        }
        Map<?, ?> target = (Map<?, ?>) ((Map<?, ?>) hpa.get("spec")).get("scaleTargetRef");
        assertEquals("Deployment", target.get("kind"));
        assertEquals("tributary-edge", target.get("name"), "the HPA scales the edges, which serve the players");
        assertEquals(Set.of(Role.EDGE), configs.get("tributary-edge").topology().roles());
        assertNotNull(Files.readString(DOCKER.resolve("k8s/README.md")));
    }

    @Test
    void workerPodsRunTheWorkerRoleAndKedaScalesThemOnTheQueueDepth() throws IOException {
        List<Map<?, ?>> docs = documents("k8s/workers.yaml");
        Map<String, Map<?, ?>> byKind = new HashMap<>();
        for (Map<?, ?> d : docs) {
            byKind.put((String) d.get("kind"), d);
        }
        assertEquals(Set.of("PersistentVolumeClaim", "Deployment", "ScaledObject"), byKind.keySet());
        Map<?, ?> pvc = byKind.get("PersistentVolumeClaim");
        String claim = (String) ((Map<?, ?>) pvc.get("metadata")).get("name");
        assertEquals(List.of("ReadWriteMany"), ((Map<?, ?>) pvc.get("spec")).get("accessModes"), "origins and workers mount it at once");

        Map<?, ?> d = byKind.get("Deployment");
        String name = (String) ((Map<?, ?>) d.get("metadata")).get("name");
        Map<?, ?> template = (Map<?, ?>) ((Map<?, ?>) d.get("spec")).get("template");
        Map<?, ?> labels = (Map<?, ?>) ((Map<?, ?>) template.get("metadata")).get("labels");
        assertTrue(subset((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) d.get("spec")).get("selector")).get("matchLabels"), labels));
        assertEquals("member", labels.get("tributary.io/hazelcast"), "workers are cluster members: their job events reach /ws/jobs everywhere");
        Map<?, ?> podSpec = (Map<?, ?>) template.get("spec");
        Map<?, ?> container = (Map<?, ?>) ((List<?>) podSpec.get("containers")).get(0);
        Set<String> known = knownEnvKeys();
        Map<String, String> env = new HashMap<>();
        for (Object o : (List<?>) container.get("env")) {
            Map<?, ?> e = (Map<?, ?>) o;
            String key = (String) e.get("name");
            assertTrue(known.contains(key), name + ": " + key + " is not a key of default.yaml");
            Object value = e.get("value");
            if (value == null && ((Map<?, ?>) e.get("valueFrom")).get("secretKeyRef") != null) {
                value = "0123456789abcdef0123456789abcdef";
            } else if (value == null) {
                value = SAMPLE_POD_IP;
            }
            env.put(key, String.valueOf(value));
        }
        // the image sets data-dir (the Deployments keep it)
        String imageDataDir = Files.readAllLines(DOCKER.resolve("Dockerfile")).stream().filter(l -> l.startsWith("ENV TRIBUTARY_DATA_DIR="))
                .map(l -> l.substring("ENV TRIBUTARY_DATA_DIR=".length()).trim()).findFirst().orElseThrow();
        env.putIfAbsent("TRIBUTARY_DATA_DIR", imageDataDir);
        TributaryConfig config = TributaryConfig.load(null, env);
        assertEquals(Set.of(Role.WORKER), config.topology().roles(), name + " is a worker-only node");
        assertTrue(config.vod().enabled() && config.vod().workers() >= 1, name + " runs transcode workers");
        assertFalse(config.pg().url().isEmpty(), name + ": the queue is a PostgreSQL the origins share");
        Map<String, Integer> ports = new HashMap<>();
        for (Object o : (List<?>) container.get("ports")) {
            ports.put((String) ((Map<?, ?>) o).get("name"), (Integer) ((Map<?, ?>) o).get("containerPort"));
        }
        assertEquals(Map.of("http", config.http().port(), "hazelcast", config.cluster().port(), "eventbus", config.cluster().eventBusPort()),
                ports, name + ": no ingest, no /live listener");
        assertEquals("/health", ((Map<?, ?>) ((Map<?, ?>) container.get("readinessProbe")).get("httpGet")).get("path"));
        // the shared VOD directory: the claim mounted at data-dir/vod, on the workers and on the origins
        String vodDir = config.dataDir().resolve("vod").toString();
        assertTrue(mounts(podSpec, container, claim).contains(vodDir), name + " mounts " + claim + " at " + vodDir);
        for (Map<?, ?> o : documents("k8s/deployments.yaml")) {
            if ("tributary-origin".equals(((Map<?, ?>) o.get("metadata")).get("name"))) {
                Map<?, ?> spec = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) o.get("spec")).get("template")).get("spec");
                Map<?, ?> c = (Map<?, ?>) ((List<?>) spec.get("containers")).get(0);
                assertTrue(mounts(spec, c, claim).contains(vodDir), "the origins mount " + claim + " at " + vodDir);
                boolean samePg = ((List<?>) c.get("env")).stream().map(x -> (Map<?, ?>) x)
                        .anyMatch(e -> "TRIBUTARY_PG_URL".equals(e.get("name")) && env.get("TRIBUTARY_PG_URL").equals(e.get("value")));
                assertTrue(samePg, "the origins queue jobs in the PostgreSQL the workers claim them from");
            }
        }

        Map<?, ?> scaled = (Map<?, ?>) byKind.get("ScaledObject").get("spec");
        Map<?, ?> target = (Map<?, ?>) scaled.get("scaleTargetRef");
        assertEquals(name, target.get("name"), "KEDA scales the worker Deployment");
        assertTrue((Integer) scaled.get("minReplicaCount") >= 1 && (Integer) scaled.get("maxReplicaCount") > (Integer) scaled.get("minReplicaCount"));
        Map<?, ?> trigger = (Map<?, ?>) ((List<?>) scaled.get("triggers")).get(0);
        assertEquals("prometheus", trigger.get("type"));
        Map<?, ?> meta = (Map<?, ?>) trigger.get("metadata");
        assertEquals("max(tributary_vod_queue_depth)", meta.get("query"), "the queue depth, counted once (every VOD node reports the same)");
        // the seed's rule: more than 100 queued jobs -> 10 more workers
        int perPod = Integer.parseInt((String) meta.get("threshold"));
        assertEquals(10, (int) Math.ceil(100.0 / perPod) * config.vod().workers(), "100 queued jobs ask for 10 workers");
    }

    /** Where {@code claim} is mounted in the container. */
    private static List<String> mounts(Map<?, ?> podSpec, Map<?, ?> container, String claim) {
        Set<String> volumes = new HashSet<>();
        for (Object o : (List<?>) podSpec.get("volumes")) {
            Map<?, ?> v = (Map<?, ?>) o;
            Map<?, ?> pvc = (Map<?, ?>) v.get("persistentVolumeClaim");
            if (pvc != null && claim.equals(pvc.get("claimName"))) {
                volumes.add((String) v.get("name"));
            }
        }
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) container.get("volumeMounts")) {
            Map<?, ?> m = (Map<?, ?>) o;
            if (volumes.contains((String) m.get("name"))) {
                out.add((String) m.get("mountPath"));
            }
        }
        return out;
    }

    /** The ports a node with these roles serves to the outside: /live (per role) and RTMP ingest. */
    private static Set<Integer> roleListeners(TributaryConfig config) {
        Set<Integer> out = new HashSet<>();
        TributaryConfig.Topology t = config.topology();
        if (t.has(Role.ORIGIN)) {
            out.add(config.http().port());
            out.add(config.rtmp().port());
        }
        if (t.has(Role.EDGE)) {
            out.add(t.edge().port());
        }
        if (t.has(Role.ROUTER)) {
            out.add(t.router().port());
        }
        return out;
    }

    /** A Deployment's container ports, each under its name and under its number (targetPort may be either). */
    private static Map<Object, Integer> containerPorts(List<Map<?, ?>> deployments, String name) {
        Map<Object, Integer> out = new HashMap<>();
        for (Map<?, ?> d : deployments) {
            if (name.equals(((Map<?, ?>) d.get("metadata")).get("name"))) {
                Map<?, ?> spec = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) d.get("spec")).get("template")).get("spec");
                Map<?, ?> c = (Map<?, ?>) ((List<?>) spec.get("containers")).get(0);
                for (Object o : (List<?>) c.get("ports")) {
                    Integer port = (Integer) ((Map<?, ?>) o).get("containerPort");
                    out.put(((Map<?, ?>) o).get("name"), port);
                    out.put(port, port);
                }
            }
        }
        return out;
    }

    private static boolean subset(Map<?, ?> small, Map<?, ?> big) {
        return small.entrySet().stream().allMatch(e -> e.getValue().equals(big.get(e.getKey())));
    }

    /** TRIBUTARY_* names of every key in the bundled default.yaml. */
    private static Set<String> knownEnvKeys() throws IOException {
        try (InputStream in = TributaryConfig.class.getResourceAsStream("/default.yaml")) {
            Set<String> out = new HashSet<>();
            flatten("", TributaryConfig.yaml(in, "default.yaml"), out);
            return out;
        }
    }

    private static void flatten(String prefix, Map<?, ?> tree, Set<String> out) {
        tree.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            if (v instanceof Map<?, ?> m) {
                flatten(key, m, out);
            } else {
                out.add(Settings.envName(key));
            }
        });
    }

    private static Map<String, String> env(Map<?, ?> raw) {
        Map<String, String> out = new HashMap<>();
        raw.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    private static Map<?, ?> yaml(Path file) throws IOException {
        return (Map<?, ?>) new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    }

    private static List<Map<?, ?>> documents(String relative) throws IOException {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(DOCKER.resolve(relative)))) {
            out.add((Map<?, ?>) d);
        }
        return out;
    }

    private static Path dockerDir() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("docker/k8s"))) {
                return d.resolve("docker");
            }
        }
        throw new IllegalStateException("no docker/k8s above " + Path.of("").toAbsolutePath());
    }
}
