package io.tributary.config;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --help} lists every key the node loads, with its variable and default, read from the file the node loads. */
class LauncherHelpTest {

    @Test
    void helpListsEveryKeyOfTheBundledDefaultsWithItsVariable() throws Exception {
        String yaml;
        try (InputStream in = LauncherHelpTest.class.getResourceAsStream("/default.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<ConfigHelp.Key> keys = ConfigHelp.keys(yaml).stream().filter(k -> !k.env().isEmpty()).toList();
        // the same keys the loader flattens out of the YAML tree
        Settings s = new Settings(Map.of());
        Map<?, ?> tree = new org.yaml.snakeyaml.Yaml().load(yaml);
        s.merge("", tree);
        Set<String> loaded = new TreeSet<>(flatten("", tree));
        assertEquals(loaded, keys.stream().map(ConfigHelp.Key::key).collect(Collectors.toCollection(TreeSet::new)));
        ConfigHelp.Key port = keys.stream().filter(k -> k.key().equals("http.port")).findFirst().orElseThrow();
        assertEquals("TRIBUTARY_HTTP_PORT", port.env());
        assertEquals("8080", port.value());
        ConfigHelp.Key budget = keys.stream().filter(k -> k.key().equals("rtmp.memory-budget")).findFirst().orElseThrow();
        assertTrue(budget.comment().startsWith("MiB all RTMP connections") && !budget.comment().contains("publish rules"),
                "a key's comment, not the heading below it: " + budget.comment());
        String help = ConfigHelp.render(yaml);
        assertTrue(help.contains("TRIBUTARY_TRANSCODE_LADDER_RULES"), help);
    }

    private static Set<String> flatten(String prefix, Map<?, ?> tree) {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<?, ?> e : tree.entrySet()) {
            String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> child) {
                out.addAll(flatten(key, child));
            } else {
                out.add(key);
            }
        }
        return out;
    }
}
