package io.tributary.ops;

import io.tributary.config.Settings;
import io.tributary.config.TributaryConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator relies on when the node runs in a container, checked as data (no Docker,
 * kubectl server or helm here): the Kubernetes files and the Helm chart stop pods gracefully
 * within the node's shutdown grace, probe /health and /health/live, run non-root on a read-only
 * root with no capabilities, pin the image, and let a node drain (PDBs); the image has a health
 * check, OCI labels and a heap that leaves room for FFmpeg; the license fits the GPL FFmpeg build.
 */
class DeploymentFilesTest {

    private static final Path ROOT = repoRoot();
    private static final Path DOCKER = ROOT.resolve("docker");
    private static final Path CHART = DOCKER.resolve("helm/tributary");
    private static final Pattern PINNED = Pattern.compile("[a-z0-9./-]+:(?!latest$)[A-Za-z0-9][A-Za-z0-9._-]*");

    @Test
    void kubernetesPodsDrainWithinTheGraceAndRunLockedDown() throws IOException {
        int imageUid = imageUid();
        List<Map<?, ?>> deployments = documents(DOCKER.resolve("k8s/deployments.yaml"));
        assertEquals(3, deployments.size());
        for (Map<?, ?> d : deployments) {
            String name = (String) at(d, "metadata.name");
            Map<?, ?> pod = (Map<?, ?>) at(d, "spec.template.spec");
            Map<?, ?> c = (Map<?, ?>) ((List<?>) pod.get("containers")).get(0);
            assertTrue(PINNED.matcher((String) c.get("image")).matches(), name + ": a pinned image, not " + c.get("image"));

            assertEquals("/health", at(c, "readinessProbe.httpGet.path"), name);
            assertEquals("/health/live", at(c, "livenessProbe.httpGet.path"), name + ": liveness holds while drained");
            assertNull(at(c, "livenessProbe.tcpSocket"), name);
            assertEquals("/health/live", at(c, "startupProbe.httpGet.path"), name);
            for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                assertEquals("http", at(c, probe + ".httpGet.port"), name + " " + probe + " on the http port");
            }

            Map<String, String> env = env(c);
            Duration grace = TributaryConfig.load(null, env).shutdown().grace();
            assertEquals(Duration.ofSeconds(30), grace, name + ": the node's default grace");
            String preStop = String.join(" ", strings(at(c, "lifecycle.preStop.exec.command")));
            // the jar's probe drains as JSON (a bare POST is a 415 with accounts on) and over HTTPS with a certificate
            assertTrue(preStop.contains("-jar /opt/tributary/tributary.jar probe drain;"), name + ": preStop drains: " + preStop);
            assertTrue(env.containsKey("DRAIN_API_KEY"), name + ": with the admin API key");
            int preStopSleep = sleepSeconds(preStop);
            int termination = (Integer) pod.get("terminationGracePeriodSeconds");
            assertTrue(termination > preStopSleep + grace.toSeconds(),
                    name + ": terminationGracePeriodSeconds " + termination + " covers preStop " + preStopSleep + " s and the grace " + grace);

            assertEquals(Boolean.TRUE, at(pod, "securityContext.runAsNonRoot"), name);
            assertEquals(imageUid, at(pod, "securityContext.runAsUser"), name + ": the image's user");
            assertEquals(Boolean.FALSE, at(c, "securityContext.allowPrivilegeEscalation"), name);
            assertEquals(Boolean.TRUE, at(c, "securityContext.readOnlyRootFilesystem"), name);
            assertEquals(List.of("ALL"), at(c, "securityContext.capabilities.drop"), name);
            assertWritable(name, pod, c);
        }

        List<Map<?, ?>> pdbs = documents(DOCKER.resolve("k8s/pdb.yaml"));
        assertEquals(3, pdbs.size());
        for (Map<?, ?> pdb : pdbs) {
            assertEquals(1, at(pdb, "spec.maxUnavailable"), at(pdb, "metadata.name") + ": one pod at a time may go");
            assertNull(at(pdb, "spec.minAvailable"), "minAvailable on a one-replica role blocks kubectl drain");
        }
        Map<?, ?> compose = documents(DOCKER.resolve("compose.yaml")).get(0);
        Object stop = at(compose, "x-node.stop_grace_period");
        assertNotNull(stop, "compose gives the nodes time to drain");
        assertTrue(Settings.parseDuration(String.valueOf(stop)).compareTo(Duration.ofSeconds(30)) > 0, "stop_grace_period " + stop);
    }

    @Test
    void networkPolicyKeepsTheClusterPortsToMemberPods() throws IOException {
        List<Map<?, ?>> policies = documents(DOCKER.resolve("k8s/networkpolicy.yaml"));
        List<Map<?, ?>> deployments = documents(DOCKER.resolve("k8s/deployments.yaml"));
        Map<String, String> member = Map.of("tributary.io/hazelcast", "member");
        Set<Integer> clusterPorts = new java.util.HashSet<>();
        for (Map<?, ?> d : deployments) {
            String name = (String) at(d, "metadata.name");
            assertEquals("member", ((Map<?, ?>) at(d, "spec.template.metadata.labels")).get("tributary.io/hazelcast"), name);
            Map<?, ?> c = (Map<?, ?>) ((List<?>) at(d, "spec.template.spec.containers")).get(0);
            TributaryConfig config = TributaryConfig.load(null, env(c));
            clusterPorts.add(config.cluster().port());
            clusterPorts.add(config.cluster().eventBusPort());
            assertTrue(config.cluster().eventBusPort() > 0, name + ": a fixed event-bus port a policy can name");
            Map<?, ?> secret = ((List<?>) c.get("env")).stream().map(e -> (Map<?, ?>) e)
                    .filter(e -> "TRIBUTARY_CLUSTER_SECRET".equals(e.get("name"))).findFirst().orElse(null);
            assertNotNull(secret, name + ": the join secret is set");
            assertNull(secret.get("value"), name + ": from a Secret, never written in the file");
            assertNotNull(at(secret, "valueFrom.secretKeyRef.name"), name);
        }
        assertEquals(Set.of(5701, 5702), clusterPorts);
        boolean membersAllowed = false;
        for (Map<?, ?> policy : policies) {
            assertEquals("NetworkPolicy", policy.get("kind"));
            for (Object r : (List<?>) at(policy, "spec.ingress")) {
                Map<?, ?> rule = (Map<?, ?>) r;
                Set<Integer> ports = new java.util.HashSet<>();
                for (Object p : (List<?>) rule.get("ports")) {
                    ports.add((Integer) ((Map<?, ?>) p).get("port"));
                }
                if (ports.stream().noneMatch(clusterPorts::contains)) {
                    continue;
                }
                // a rule opening a cluster port lets member pods in, and nobody else
                List<?> from = (List<?>) rule.get("from");
                String where = at(policy, "metadata.name") + " " + ports;
                assertNotNull(from, where + ": a cluster port open to everyone");
                for (Object f : from) {
                    Map<?, ?> peer = (Map<?, ?>) f;
                    assertEquals(Set.of("podSelector"), peer.keySet(), where + ": only pods of this namespace");
                    assertEquals(member, at(peer, "podSelector.matchLabels"), where + ": only member pods");
                }
                membersAllowed |= ports.containsAll(clusterPorts);
            }
        }
        assertTrue(membersAllowed, "members reach each other's Hazelcast and event-bus ports");
    }

    @Test
    void imageHasHealthCheckLabelsAndRoomForNativeMemory() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile")).replace("\\\n", " ");
        String health = line(dockerfile, "HEALTHCHECK ");
        // the jar's probe: GET /health/live, over HTTPS when tls.cert is set
        assertTrue(health.contains("\"-jar\", \"/opt/tributary/tributary.jar\", \"probe\", \"live\"]"), health);
        assertTrue(dockerfile.contains("COPY --from=build /src/verticles/target/tributary.jar /opt/tributary/tributary.jar"), "the jar it runs");
        for (String label : List.of("title", "description", "version", "revision", "licenses")) {
            assertTrue(dockerfile.contains("org.opencontainers.image." + label + "="), "OCI label " + label);
        }
        assertTrue(dockerfile.contains("org.opencontainers.image.licenses=\"GPL-3.0-or-later\""));
        String javaOptions = line(dockerfile, "ENV JDK_JAVA_OPTIONS=");
        Matcher heap = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(javaOptions);
        assertTrue(heap.find(), javaOptions);
        assertTrue(Integer.parseInt(heap.group(1)) <= 60, "the heap leaves FFmpeg's native memory room: " + heap.group());
        assertTrue(javaOptions.contains("-XX:MaxDirectMemorySize="), "Netty's direct memory is bounded: " + javaOptions);
        assertTrue(line(dockerfile, "USER ").matches("USER \\d+(:\\d+)?"), "a numeric user for runAsNonRoot");
        assertTrue(line(dockerfile, "ENTRYPOINT ").contains("\"java\""), "java is PID 1 and gets SIGTERM itself");
    }

    @Test
    void licenseIsGpl3OrLaterLikeTheBundledFfmpeg() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        assertTrue(pom.contains("-gpl</classifier>"), "the FFmpeg natives bundled are the GPL build");
        String license = Files.readString(ROOT.resolve("LICENSE"));
        assertTrue(license.strip().startsWith("GNU GENERAL PUBLIC LICENSE") && license.contains("Version 3, 29 June 2007"));
        assertTrue(license.contains("TERMS AND CONDITIONS") && license.contains("END OF TERMS AND CONDITIONS"), "the whole text");
        String notice = Files.readString(ROOT.resolve("NOTICE"));
        assertTrue(notice.contains("either version 3 of the\nLicense, or (at your option) any later version"), notice);
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(readme.contains("GPL-3.0-or-later"), "README states the license");
    }

    @Test
    void helmChartRendersTheSameLockedDownDrainingPods() throws IOException {
        Map<?, ?> chart = documents(CHART.resolve("Chart.yaml")).get(0);
        Map<?, ?> values = documents(CHART.resolve("values.yaml")).get(0);
        assertEquals("v2", chart.get("apiVersion"));
        assertEquals("tributary", chart.get("name"));
        assertTrue(String.valueOf(chart.get("version")).matches("\\d+\\.\\d+\\.\\d+"), "semver chart version");
        String tag = String.valueOf(at(values, "image.tag"));
        assertEquals(chart.get("appVersion"), tag, "the chart runs its appVersion");
        assertTrue(PINNED.matcher(at(values, "image.repository") + ":" + tag).matches(), "pinned: " + tag);
        Map<?, ?> k8sPod = (Map<?, ?>) at(documents(DOCKER.resolve("k8s/deployments.yaml")).get(0), "spec.template.spec");
        Map<?, ?> k8sContainer = (Map<?, ?>) ((List<?>) k8sPod.get("containers")).get(0);
        assertTrue(((String) k8sContainer.get("image")).endsWith(":" + tag), "the chart and the k8s files run one version");

        // the same hardening and probes as the plain files
        assertEquals(k8sPod.get("securityContext"), values.get("podSecurityContext"));
        assertEquals(k8sContainer.get("securityContext"), values.get("securityContext"));
        assertEquals("/health", at(values, "probes.readiness.path"));
        assertEquals("/health/live", at(values, "probes.liveness.path"));
        assertEquals("/health/live", at(values, "probes.startup.path"));
        int grace = (Integer) at(values, "shutdown.graceSeconds");
        assertEquals(TributaryConfig.load(null, Map.of()).shutdown().grace().toSeconds(), grace, "the node's default grace");
        assertTrue((Integer) at(values, "shutdown.preStopSeconds") > 0 && (Integer) at(values, "shutdown.marginSeconds") > 0,
                "terminationGracePeriodSeconds = preStop + grace + margin exceeds the grace");

        Map<?, ?> roles = (Map<?, ?>) values.get("roles");
        assertEquals(Set.of("origin", "edge", "router"), roles.keySet());
        for (Map.Entry<?, ?> e : roles.entrySet()) {
            Map<?, ?> role = (Map<?, ?>) e.getValue();
            assertEquals(1, at(role, "pdb.maxUnavailable"), e.getKey() + ": a PDB that lets a node drain");
            Map<String, String> env = new HashMap<>();
            ((Map<?, ?>) role.get("env")).forEach((k, v) -> env.put(String.valueOf(k), String.valueOf(v)));
            env.put("TRIBUTARY_ROLES", String.valueOf(e.getKey()));
            env.put("TRIBUTARY_SHUTDOWN_GRACE", grace + "s");
            env.put("TRIBUTARY_CLUSTER_ENABLED", "true");
            env.put("TRIBUTARY_CLUSTER_KUBERNETES_SERVICE_DNS", "tributary-hazelcast.default.svc.cluster.local");
            if (role.get("port") != null) {
                env.put("TRIBUTARY_" + e.getKey().toString().toUpperCase() + "_PORT", String.valueOf(role.get("port")));
            }
            TributaryConfig config = TributaryConfig.load(null, env); // every variable the chart sets is a valid key
            assertEquals(Set.of(io.tributary.cluster.Role.valueOf(e.getKey().toString().toUpperCase())), config.topology().roles());
            assertEquals(grace, config.shutdown().grace().toSeconds());
        }
        assertEquals("active_stream_sessions", at(roles, "edge.autoscaling.metric"), "edges scale on player sessions");
        assertEquals(Boolean.TRUE, at(roles, "edge.autoscaling.enabled"));

        Map<String, String> templates = new HashMap<>();
        try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
            for (Path f : files.toList()) {
                templates.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        templates.forEach((file, text) -> {
            assertBalanced(file, text);
            for (String path : valuesPaths(text)) {
                assertNotNull(at(values, path), file + " uses .Values." + path + ", which values.yaml lacks");
            }
            for (String path : rolePaths(text)) {
                assertTrue(roles.values().stream().anyMatch(r -> at((Map<?, ?>) r, path) != null),
                        file + " uses $r." + path + ", which no role in values.yaml has");
            }
        });
        String deployments = templates.get("deployments.yaml");
        for (String piece : List.of("kind: Deployment", "startupProbe:", "readinessProbe:", "livenessProbe:", "preStop:",
                "{{ include \"tributary.probeCommand\" $ }} drain;", "terminationGracePeriodSeconds: {{ add $.Values.shutdown.preStopSeconds $.Values.shutdown.graceSeconds $.Values.shutdown.marginSeconds }}",
                "TRIBUTARY_SHUTDOWN_GRACE, value: \"{{ $.Values.shutdown.graceSeconds }}s\"",
                "toYaml $.Values.podSecurityContext", "toYaml $.Values.securityContext", "include \"tributary.image\"",
                "mountPath: /var/lib/tributary}", "mountPath: /tmp}")) {
            assertTrue(deployments.contains(piece), "deployments.yaml: " + piece);
        }
        assertTrue(templates.get("_helpers.tpl").contains("(eq $tag \"latest\")"), "the chart refuses latest");
        // with tls.secretName, every probe of every pod is HTTPS and the certificate is the node's
        assertEquals("", at(values, "tls.secretName"), "plain HTTP unless a certificate is given");
        assertTrue(templates.get("_helpers.tpl").contains("{{- if .Values.tls.secretName -}}HTTPS{{- else -}}HTTP{{- end -}}"));
        assertTrue(templates.get("_helpers.tpl").contains("-jar /opt/tributary/tributary.jar probe"));
        for (String file : List.of("deployments.yaml", "workers.yaml")) {
            String t = templates.get(file);
            assertEquals(3, count(t, "httpGet: {path:"), file);
            assertEquals(3, count(t, "port: http, scheme: {{ include \"tributary.probeScheme\""), file + ": every probe takes the scheme");
            assertTrue(t.contains("name: TRIBUTARY_TLS_CERT, value: \"{{ ") && t.contains("tls.mountPath }}/tls.crt\"}")
                    && t.contains("secret: {secretName: {{ "), file + ": the Secret's certificate and key, mounted");
        }
        assertTrue(templates.get("pdb.yaml").contains("kind: PodDisruptionBudget") && templates.get("pdb.yaml").contains("maxUnavailable:")
                && !templates.get("pdb.yaml").contains("minAvailable:"));
        assertTrue(templates.get("hpa.yaml").contains("kind: HorizontalPodAutoscaler") && templates.get("hpa.yaml").contains("$r.autoscaling.metric"));
        assertTrue(templates.get("services.yaml").contains("publishNotReadyAddresses: true"), "starting members find each other");
    }

    @Test
    void theTlsPatchTurnsEveryPodToHttpsProbes() throws Exception {
        Map<?, ?> patch = documents(DOCKER.resolve("k8s/tls/pods-patch.yaml")).get(0);
        Map<?, ?> container = (Map<?, ?>) ((List<?>) at(patch, "spec.template.spec.containers")).get(0);
        Map<String, String> env = env(container);
        String mount = (String) ((Map<?, ?>) ((List<?>) container.get("volumeMounts")).get(0)).get("mountPath");
        assertEquals(mount + "/tls.crt", env.get("TRIBUTARY_TLS_CERT"), "kubernetes.io/tls Secret keys");
        assertEquals(mount + "/tls.key", env.get("TRIBUTARY_TLS_KEY"));
        List<Map<?, ?>> deployments = new ArrayList<>(documents(DOCKER.resolve("k8s/deployments.yaml")));
        documents(DOCKER.resolve("k8s/workers.yaml")).stream().filter(d -> "Deployment".equals(d.get("kind"))).forEach(deployments::add);
        assertEquals(4, deployments.size());
        for (Map<?, ?> d : deployments) {
            Map<?, ?> c = (Map<?, ?>) ((List<?>) at(d, "spec.template.spec.containers")).get(0);
            assertEquals(container.get("name"), c.get("name"), at(d, "metadata.name") + ": the patch merges into its container by name");
        }
        // rendered by kubectl itself (offline) where it is installed: the merge a cluster would apply
        Path kubectl = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, "kubectl")).filter(Files::isExecutable).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(kubectl != null, "no kubectl on PATH: the patch is checked as data only");
        Path tmp = Files.createTempDirectory("tributary-k8s-");
        for (Map<?, ?> d : deployments) {
            String name = (String) at(d, "metadata.name");
            Path one = tmp.resolve(name + ".yaml");
            Files.writeString(one, new Yaml().dump(d));
            Process p = new ProcessBuilder(kubectl.toString(), "patch", "--local", "-f", one.toString(), "--type", "strategic",
                    "--patch-file", DOCKER.resolve("k8s/tls/pods-patch.yaml").toString(), "-o", "yaml")
                    .redirectErrorStream(true).start();
            String rendered = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, name + ": " + rendered);
            Map<?, ?> patched = (Map<?, ?>) new Yaml(new SafeConstructor(new LoaderOptions())).load(rendered);
            Map<?, ?> before = (Map<?, ?>) ((List<?>) at(d, "spec.template.spec.containers")).get(0);
            Map<?, ?> after = (Map<?, ?>) ((List<?>) at(patched, "spec.template.spec.containers")).get(0);
            for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                assertEquals("HTTPS", at(after, probe + ".httpGet.scheme"), name + " " + probe);
                assertEquals(at(before, probe + ".httpGet.path"), at(after, probe + ".httpGet.path"), name + " " + probe + " keeps its path");
                assertEquals("http", at(after, probe + ".httpGet.port"), name + " " + probe);
            }
            Map<String, String> envAfter = env(after);
            assertTrue(envAfter.keySet().containsAll(env(before).keySet()), name + ": every variable kept");
            assertEquals(mount + "/tls.crt", envAfter.get("TRIBUTARY_TLS_CERT"), name);
            assertEquals(((List<?>) before.get("volumeMounts")).size() + 1, ((List<?>) after.get("volumeMounts")).size(), name);
            assertTrue(((List<?>) at(patched, "spec.template.spec.volumes")).stream()
                    .anyMatch(v -> "tributary-tls".equals(at((Map<?, ?>) v, "secret.secretName"))), name + ": the Secret as a volume");
            assertWritable(name, (Map<?, ?>) at(patched, "spec.template.spec"), after);
        }
    }

    // ---- helpers ----

    /** The node writes data-dir and /tmp: each must be under a mounted volume the pod defines. */
    private static void assertWritable(String name, Map<?, ?> pod, Map<?, ?> container) {
        List<String> mounts = new ArrayList<>();
        Set<Object> volumes = new java.util.HashSet<>();
        for (Object v : (List<?>) pod.get("volumes")) {
            volumes.add(((Map<?, ?>) v).get("name"));
        }
        for (Object m : (List<?>) container.get("volumeMounts")) {
            assertTrue(volumes.contains(((Map<?, ?>) m).get("name")), name + ": mount of a defined volume");
            mounts.add((String) ((Map<?, ?>) m).get("mountPath"));
        }
        for (String path : List.of("/var/lib/tributary/data", "/var/lib/tributary/.javacpp", "/tmp")) {
            assertTrue(mounts.stream().anyMatch(m -> path.equals(m) || path.startsWith(m + "/")), name + ": " + path + " is writable");
        }
    }

    private static int imageUid() throws IOException {
        String user = line(Files.readString(DOCKER.resolve("Dockerfile")), "USER ");
        return Integer.parseInt(user.substring(5).split(":")[0].trim());
    }

    /** {{ }} pairs balance, and every if/range/with/define has its end. */
    private static void assertBalanced(String file, String text) {
        Matcher actions = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}", Pattern.DOTALL).matcher(text);
        int opened = 0;
        int actionsSeen = 0;
        while (actions.find()) {
            actionsSeen++;
            String a = actions.group(1);
            if (a.matches("(if|range|with|define)\\b.*")) {
                opened++;
            } else if (a.equals("end")) {
                opened--;
                assertTrue(opened >= 0, file + ": an end without a block");
            }
        }
        assertEquals(0, opened, file + ": every block ends");
        assertEquals(count(text, "{{"), actionsSeen, file + ": every {{ is closed"); // (YAML's flow maps end in }} too)
    }

    private static int count(String text, String s) {
        int n = 0;
        for (int i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + s.length())) {
            n++;
        }
        return n;
    }

    private static Set<String> valuesPaths(String text) {
        Set<String> out = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("\\.Values\\.([A-Za-z0-9_.]+)").matcher(text);
        while (m.find()) {
            out.add(m.group(1).replaceAll("\\.$", ""));
        }
        return out;
    }

    private static Set<String> rolePaths(String text) {
        Set<String> out = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("\\$r\\.([A-Za-z0-9_.]+)").matcher(text);
        while (m.find()) {
            out.add(m.group(1).replaceAll("\\.$", ""));
        }
        return out;
    }

    private static int sleepSeconds(String command) {
        Matcher m = Pattern.compile("sleep (\\d+)").matcher(command);
        assertTrue(m.find(), "preStop waits for the Services to drop the pod: " + command);
        return Integer.parseInt(m.group(1));
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with " + prefix));
    }

    private static List<String> strings(Object list) {
        assertNotNull(list);
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static Map<String, String> env(Map<?, ?> container) {
        Map<String, String> env = new HashMap<>();
        for (Object o : (List<?>) container.get("env")) {
            Map<?, ?> e = (Map<?, ?>) o;
            // from the pod (its IP) or from a Secret (the join secret): a stand-in of the right shape
            String from = at(e, "valueFrom.secretKeyRef") != null ? "0123456789abcdef0123456789abcdef" : "10.1.2.3";
            env.put((String) e.get("name"), e.get("value") == null ? from : String.valueOf(e.get("value")));
        }
        return env;
    }

    /** The value at a dotted path of nested maps, or null. */
    private static Object at(Map<?, ?> tree, String path) {
        Object node = tree;
        for (String part : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(part);
        }
        return node;
    }

    private static List<Map<?, ?>> documents(Path file) throws IOException {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
            if (d != null) {
                out.add((Map<?, ?>) d);
            }
        }
        return out;
    }

    private static Path repoRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("docker/k8s")) && Files.exists(d.resolve("pom.xml"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
}
