package io.tributary.config;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker/compose.yaml and docker/k8s/: no engine runs here, so the files are checked as data:
 * they parse, every TRIBUTARY_* key they set is a key of default.yaml and the values load
 * through {@link TributaryConfig}, and images, ports, addresses and selectors agree.
 */
class DockerFilesTest {

    private static final Path DOCKER = dockerDir();
    private static final List<String> NODES = List.of("origin", "edge-1", "edge-2", "router");
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
        for (String name : NODES) {
            Map<?, ?> node = (Map<?, ?>) services.get(name);
            images.add((String) node.get("image"));
            Map<String, String> env = env((Map<?, ?>) node.get("environment"));
            for (String key : env.keySet()) {
                assertTrue(known.contains(key), name + ": " + key + " is not a key of default.yaml");
            }
            TributaryConfig config = TributaryConfig.load(null, env);
            assertTrue(config.cluster().enabled(), name);
            String ip = (String) ((Map<?, ?>) ((Map<?, ?>) node.get("networks")).get("tributary")).get("ipv4_address");
            assertEquals(ip, config.cluster().host(), name + " binds the address compose gives it");
            addresses.add(ip + ":" + config.cluster().port());
            assertTrue(services.containsKey(config.kafka().bootstrap().split(":")[0]), "kafka bootstrap is a compose service");
            for (Object p : (List<?>) node.get("ports")) {
                int container = Integer.parseInt(String.valueOf(p).split(":")[1]);
                assertTrue(container == config.http().port() || container == config.rtmp().port(),
                        name + " publishes " + p + ", a port the node listens on");
            }
        }
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
        assertTrue(dockerfile.contains("EXPOSE 8080 1935"), "the image exposes the default HTTP and RTMP ports");
        TributaryConfig defaults = TributaryConfig.load(null, Map.of());
        assertEquals(8080, defaults.http().port());
        assertEquals(1935, defaults.rtmp().port());

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
                assertTrue(known.contains(key), name + ": " + key + " is not a key of default.yaml");
                Object value = e.get("value");
                if (value == null) {
                    assertEquals("status.podIP", ((Map<?, ?>) ((Map<?, ?>) e.get("valueFrom")).get("fieldRef")).get("fieldPath"));
                    value = SAMPLE_POD_IP;
                }
                env.put(key, String.valueOf(value));
            }
            TributaryConfig config = TributaryConfig.load(null, env);
            assertTrue(config.cluster().enabled(), name);
            assertEquals(SAMPLE_POD_IP, config.cluster().host(), name + " binds its pod IP");
            assertEquals(List.of("tributary-hazelcast.tributary.svc.cluster.local:" + config.cluster().port()),
                    config.cluster().members(), name + " joins through the headless service");
            Map<String, Integer> ports = new HashMap<>();
            for (Object o : (List<?>) container.get("ports")) {
                ports.put((String) ((Map<?, ?>) o).get("name"), (Integer) ((Map<?, ?>) o).get("containerPort"));
            }
            assertEquals(config.http().port(), ports.get("http"), name);
            assertEquals(config.cluster().port(), ports.get("hazelcast"), name);
            if (ports.containsKey("rtmp")) {
                assertEquals(config.rtmp().port(), ports.get("rtmp"), name);
            }
            Map<?, ?> probe = (Map<?, ?>) ((Map<?, ?>) container.get("readinessProbe")).get("httpGet");
            assertEquals("/health", probe.get("path"), name + ": readiness follows drain");
            assertTrue(ports.containsKey((String) probe.get("port")), name);
        }
        assertEquals(Set.of("tributary-origin", "tributary-edge", "tributary-router"), podLabels.keySet());
        assertEquals(1, images.size(), "one image for every role: " + images);
        Map<?, ?> compose = yaml(DOCKER.resolve("compose.yaml"));
        assertEquals(images.iterator().next(), ((Map<?, ?>) ((Map<?, ?>) compose.get("services")).get("origin")).get("image"),
                "compose builds the image the Deployments run");

        for (Map<?, ?> s : services) {
            String name = (String) ((Map<?, ?>) s.get("metadata")).get("name");
            Map<?, ?> selector = (Map<?, ?>) ((Map<?, ?>) s.get("spec")).get("selector");
            List<String> matched = podLabels.entrySet().stream().filter(e -> subset(selector, e.getValue())).map(Map.Entry::getKey).toList();
            assertFalse(matched.isEmpty(), "service " + name + " selects some pods");
            for (Object p : (List<?>) ((Map<?, ?>) s.get("spec")).get("ports")) {
                String target = (String) ((Map<?, ?>) p).get("targetPort");
                for (String d : matched) {
                    assertTrue(containerPortNames(deployments, d).contains(target), name + " -> " + d + ":" + target);
                }
            }
        }
        Map<?, ?> headless = services.stream().filter(s -> "tributary-hazelcast".equals(((Map<?, ?>) s.get("metadata")).get("name")))
                .findFirst().orElseThrow();
        assertEquals("None", ((Map<?, ?>) headless.get("spec")).get("clusterIP"));
        assertEquals(3, podLabels.values().stream().filter(l -> subset((Map<?, ?>) ((Map<?, ?>) headless.get("spec")).get("selector"), l)).count(),
                "every role is a Hazelcast member");

        for (Map<?, ?> pdb : pdbs) {
            assertEquals("PodDisruptionBudget", pdb.get("kind"));
            Map<?, ?> match = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) pdb.get("spec")).get("selector")).get("matchLabels");
            assertEquals(1, podLabels.values().stream().filter(l -> subset(match, l)).count(), "a PDB covers one role");
        }
        Map<?, ?> target = (Map<?, ?>) ((Map<?, ?>) hpa.get("spec")).get("scaleTargetRef");
        assertTrue(podLabels.containsKey((String) target.get("name")), "the HPA scales a Deployment that exists: " + target);
        assertNotNull(Files.readString(DOCKER.resolve("k8s/README.md")));
    }

    private static List<String> containerPortNames(List<Map<?, ?>> deployments, String name) {
        for (Map<?, ?> d : deployments) {
            if (name.equals(((Map<?, ?>) d.get("metadata")).get("name"))) {
                Map<?, ?> spec = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) d.get("spec")).get("template")).get("spec");
                Map<?, ?> c = (Map<?, ?>) ((List<?>) spec.get("containers")).get(0);
                return ((List<?>) c.get("ports")).stream().map(p -> (String) ((Map<?, ?>) p).get("name")).toList();
            }
        }
        return List.of();
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
