package io.tributary.config;

import io.tributary.cluster.health.HealthPolicy;
import io.tributary.edge.EdgeSettings;
import io.tributary.router.RouterSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge and router models are read from the settings alone: every key of theirs in
 * default.yaml reaches them from a file and from the environment, and a misspelt
 * TRIBUTARY_* variable stops start-up instead of leaving a default in place.
 */
class ComponentSettingsTest {

    /** Every edge key, with a value other than its default. */
    private static final Map<String, String> EDGE = ordered(
            "host", "127.0.0.2", "port", "9181", "cache-mb", "64", "max-object-mb", "8", "connect-timeout", "750ms",
            "origin-timeout", "7s", "hold-timeout", "25s", "media-ttl", "45s", "negative-ttl", "3s",
            "registry-ttl", "4s", "origin-connections", "17");
    private static final EdgeSettings EDGE_EXPECTED = new EdgeSettings("127.0.0.2", 9181, 64L << 20, 8L << 20,
            Duration.ofMillis(750), Duration.ofSeconds(7), Duration.ofSeconds(25), Duration.ofSeconds(45),
            Duration.ofSeconds(3), Duration.ofSeconds(4), 17);

    /** Every router key, with a value other than its default. */
    private static final Map<String, String> ROUTER = ordered(
            "host", "127.0.0.3", "port", "9182", "mode", "proxy", "check-interval", "500ms", "check-timeout", "300ms",
            "fall", "4", "rise", "3", "max-fails", "5", "fail-timeout", "12s", "bounded-load", "1.25",
            "proxy-timeout", "40s");
    private static final RouterSettings ROUTER_EXPECTED = new RouterSettings("127.0.0.3", 9182, RouterSettings.Mode.PROXY,
            Duration.ofMillis(500), Duration.ofMillis(300), new HealthPolicy(5, Duration.ofSeconds(12), 4, 3), 1.25,
            Duration.ofSeconds(40));

    @Test
    void theTestsCoverEveryEdgeAndRouterKeyOfDefaultYaml() throws IOException {
        Map<?, ?> defaults;
        try (InputStream in = TributaryConfig.class.getResourceAsStream("/default.yaml")) {
            defaults = TributaryConfig.yaml(in, "default.yaml");
        }
        assertEquals(new TreeSet<>(EDGE.keySet()), new TreeSet<>(((Map<?, ?>) defaults.get("edge")).keySet().stream().map(String::valueOf).toList()));
        assertEquals(new TreeSet<>(ROUTER.keySet()), new TreeSet<>(((Map<?, ?>) defaults.get("router")).keySet().stream().map(String::valueOf).toList()));
        // the node's defaults are the ones tests get when they build an edge or router by hand
        TributaryConfig c = TributaryConfig.load(null, Map.of());
        assertEquals(EdgeSettings.defaults("0.0.0.0", 8081), c.topology().edge());
        assertEquals(RouterSettings.defaults("0.0.0.0", 8082, RouterSettings.Mode.REDIRECT), c.topology().router());
    }

    @Test
    void everyEdgeAndRouterSettingFromYaml(@TempDir Path dir) throws IOException {
        StringBuilder yaml = new StringBuilder("edge:\n");
        EDGE.forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(v).append('\n'));
        yaml.append("router:\n");
        ROUTER.forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(v).append('\n'));
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, yaml);
        TributaryConfig c = TributaryConfig.load(file, Map.of());
        assertEquals(EDGE_EXPECTED, c.topology().edge());
        assertEquals(ROUTER_EXPECTED, c.topology().router());
    }

    @Test
    void everyEdgeAndRouterSettingFromTheEnvironment() {
        Map<String, String> env = new HashMap<>();
        EDGE.forEach((k, v) -> env.put("TRIBUTARY_EDGE_" + k.toUpperCase().replace('-', '_'), v));
        ROUTER.forEach((k, v) -> env.put("TRIBUTARY_ROUTER_" + k.toUpperCase().replace('-', '_'), v));
        TributaryConfig c = TributaryConfig.load(null, env);
        assertEquals(EDGE_EXPECTED, c.topology().edge());
        assertEquals(ROUTER_EXPECTED, c.topology().router());
    }

    @Test
    void aBadValueNamesItsKey() {
        for (String key : EDGE.keySet()) {
            if (!key.equals("host")) {
                assertTrue(error("TRIBUTARY_EDGE_" + key.toUpperCase().replace('-', '_'), "-1")
                        .startsWith("config key 'edge." + key + "'"), key);
            }
        }
        for (String key : ROUTER.keySet()) {
            if (!key.equals("host")) {
                assertTrue(error("TRIBUTARY_ROUTER_" + key.toUpperCase().replace('-', '_'), "-1")
                        .startsWith("config key 'router." + key + "'"), key);
            }
        }
        assertEquals("config key 'router.bounded-load': expected 0 (off) or a factor of at least 1, got '0.5'",
                error("TRIBUTARY_ROUTER_BOUNDED_LOAD", "0.5"));
        assertEquals("config key 'edge.hold-timeout': expected a duration like 10s or 500ms, got 'long'",
                error("TRIBUTARY_EDGE_HOLD_TIMEOUT", "long"));
        // a larger object than the cache could never be kept
        assertEquals(1L << 20, TributaryConfig.load(null, Map.of("TRIBUTARY_EDGE_CACHE_MB", "1")).topology().edge().maxObjectBytes());
    }

    @Test
    void anUnknownTributaryVariableStopsStartUpNamingIt() {
        assertEquals("environment variable 'TRIBUTARY_EDGE_CACHE_MEGABYTES' is not a config key (TRIBUTARY_ + a key of "
                        + "conf/default.yaml, upper case, '.' and '-' as '_')",
                error("TRIBUTARY_EDGE_CACHE_MEGABYTES", "64"));
        assertTrue(error("TRIBUTARY_HTTP_PROT", "80").contains("'TRIBUTARY_HTTP_PROT'"));
        assertTrue(error("TRIBUTARY_", "x").contains("'TRIBUTARY_'"));
        // the cluster switch is the one shorthand; variables of other programs are not ours to judge
        assertTrue(TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER", "true", "PATH", "/bin", "TRIBUTARYX", "1"))
                .cluster().enabled());
        // a config key the file leaves at its default is still a known variable
        assertEquals(17, TributaryConfig.load(null, Map.of("TRIBUTARY_EDGE_ORIGIN_CONNECTIONS", "17")).topology().edge()
                .originConnections());
    }

    @Test
    void everyKeyOfDefaultYamlIsAVariableThatLoadsFromItsText() throws IOException {
        Map<String, Object> keys = new LinkedHashMap<>();
        try (InputStream in = TributaryConfig.class.getResourceAsStream("/default.yaml")) {
            flatten("", TributaryConfig.yaml(in, "default.yaml"), keys);
        }
        TributaryConfig defaults = TributaryConfig.load(null, Map.of());
        keys.forEach((key, value) -> {
            String text = value instanceof java.util.List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                    : value == null ? "" : String.valueOf(value);
            // the default, given as a variable's text, is accepted and changes nothing
            assertEquals(defaults, TributaryConfig.load(null, Map.of(Settings.envName(key), text)), key);
        });
    }

    private static void flatten(String prefix, Map<?, ?> tree, Map<String, Object> out) {
        tree.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            if (v instanceof Map<?, ?> m) {
                flatten(key, m, out);
            } else {
                out.put(key, v);
            }
        });
    }

    private static String error(String name, String value) {
        return assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of(name, value))).getMessage();
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put(kv[i], kv[i + 1]);
        }
        return out;
    }
}
