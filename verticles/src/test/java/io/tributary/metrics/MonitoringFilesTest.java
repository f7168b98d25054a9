package io.tributary.metrics;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import io.tributary.testing.Tools;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker/prometheus, docker/grafana and docker/k8s: Prometheus's own promtool accepts the scrape
 * config and the alert rules (and their unit tests pass), the files parse, and every metric a
 * dashboard or an alert queries is one a real node exposes after real traffic.
 */
class MonitoringFilesTest {

    private static final Path DOCKER = dockerDir();
    /** Series Prometheus makes itself for every target, not the node. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up");

    @Test
    void promtoolAcceptsTheScrapeConfigAndTheAlertRulesAndTheirUnitTestsPass() {
        promtool("check", "config", DOCKER.resolve("prometheus/prometheus.yml").toString());
        promtool("check", "rules", DOCKER.resolve("prometheus/alerts.yml").toString());
        promtool("test", "rules", DOCKER.resolve("prometheus/alerts.test.yml").toString());
    }

    @Test
    void grafanaProvisioningAndKubernetesManifestsSayWhatTheyShould() {
        Map<String, Object> datasources = yaml("grafana/datasources/prometheus.yaml");
        Map<?, ?> ds = (Map<?, ?>) ((List<?>) datasources.get("datasources")).get(0);
        assertEquals("prometheus", ds.get("type"));
        Map<String, Object> provider = yaml("grafana/dashboards/provider.yaml");
        assertEquals("file", ((Map<?, ?>) ((List<?>) provider.get("providers")).get(0)).get("type"));

        JsonObject dashboard = dashboard();
        assertEquals("tributary-qoe", dashboard.getString("uid"));
        List<JsonObject> panels = panels(dashboard);
        assertTrue(panels.size() >= 12, "panels: " + panels.size());
        for (JsonObject p : panels) {
            assertEquals(ds.get("uid"), p.getJsonObject("datasource").getString("uid"), "panel '" + p.getString("title") + "' uses the provisioned datasource");
            assertFalse(p.getJsonArray("targets", new JsonArray()).isEmpty(), "panel '" + p.getString("title") + "' queries something");
        }
        String queries = String.join("\n", dashboardQueries(dashboard));
        for (String needed : List.of("active_stream_sessions", "histogram_quantile(0.5, sum by (le) (rate(stream_startup_seconds_bucket",
                "histogram_quantile(0.95, sum by (le) (rate(stream_startup_seconds_bucket", "stream_rebuffer_events_total",
                "rate(tributary_stream_rebuffer_seconds_total", "rate(tributary_stream_play_seconds_total", "tributary_stream_bitrate_switches_total",
                "sum by (type) (rate(tributary_stream_playback_errors_total", "tributary_stream_buffer_length_seconds_bucket",
                "tributary_stream_measured_throughput_bytes_per_second_bucket", "tributary_stream_live_latency_seconds_bucket",
                "tributary_ingest_bytes_total", "tributary_transcode_realtime_factor", "tributary_transcode_dropped_frames_total")) {
            assertTrue(queries.contains(needed), "the dashboard shows " + needed);
        }

        Map<String, Object> hpa = yaml("k8s/hpa.yaml");
        Map<?, ?> spec = (Map<?, ?>) hpa.get("spec");
        assertEquals("autoscaling/v2", hpa.get("apiVersion"));
        assertEquals(3, spec.get("minReplicas"));
        assertEquals(50, spec.get("maxReplicas"));
        assertEquals("Deployment", ((Map<?, ?>) spec.get("scaleTargetRef")).get("kind"));
        Map<?, ?> metric = (Map<?, ?>) ((List<?>) spec.get("metrics")).get(0);
        assertEquals("Pods", metric.get("type"));
        Map<?, ?> pods = (Map<?, ?>) metric.get("pods");
        assertEquals("active_stream_sessions", ((Map<?, ?>) pods.get("metric")).get("name"));
        assertEquals(Map.of("type", "AverageValue", "averageValue", "200"), pods.get("target"));

        Map<?, ?> adapter = new Yaml().load((String) ((Map<?, ?>) yaml("k8s/prometheus-adapter.yaml").get("data")).get("config.yaml"));
        Map<?, ?> rule = (Map<?, ?>) ((List<?>) adapter.get("rules")).get(0);
        assertTrue(((String) rule.get("seriesQuery")).startsWith("active_stream_sessions{"));
        assertEquals("active_stream_sessions", ((Map<?, ?>) rule.get("name")).get("as"));
        assertTrue(((String) rule.get("metricsQuery")).startsWith("sum("), "one value per pod, whatever the streams");
    }

    @Test
    void everyMetricTheDashboardsAndAlertsQueryIsInALiveScrape() throws Exception {
        Set<String> used = new TreeSet<>();
        for (String q : dashboardQueries(dashboard())) {
            used.addAll(metricNames(q));
        }
        for (String q : alertExpressions()) {
            used.addAll(metricNames(q));
        }
        used.removeAll(PROMETHEUS_SERIES);
        assertTrue(used.size() >= 20, "found the queried metrics: " + used);

        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed"))) {
            Node node = live.node();
            // a 1080p burst makes the seed ladder transcode (and, on a small machine, fall behind and drop)
            TestPublication pub = live.publish("flood", new SyntheticAvSource(1920, 1080, 30, 30, 0, true)).send(20.2);
            live.awaitOk("/live/flood/index.m3u8", Duration.ofSeconds(30));
            // a publisher the node refuses (HEVC), counted by reason
            RtmpTestPublisher hevc = RtmpTestPublisher.publish(node.rtmpPort(), "hevc");
            hevc.sendVideoTag(0, new byte[]{(byte) 0x90, 'h', 'v', 'c', '1', 1, 2, 3, 4});
            hevc.closedByServer(5000);
            hevc.close();

            // a player: CMCD on playlist and segment requests, one malformed, then beacons for every event type
            String sid = UUID.randomUUID().toString();
            String cmcd = "cid=\"flood\",mtp=25400,ot=m,sf=h,sid=\"" + sid + "\",su,v=1";
            Playlist multivariant = new Playlist(TestNode.get(node, "/live/flood/index.m3u8?CMCD=" + enc(cmcd)).body());
            String variant = multivariant.lines.stream().filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
            String variantPath = "/live/flood/" + variant;
            AtomicReference<Playlist> media = new AtomicReference<>();
            TestNode.await("two segments of " + variant, Duration.ofSeconds(30), () -> {
                media.set(new Playlist(TestNode.get(node, variantPath + (variant.contains("?") ? "&" : "?") + "CMCD=" + enc(cmcd)).body()));
                return media.get().segments().size() >= 2;
            });
            String segment = media.get().segments().get(0).uri();
            String segmentPath = variantPath.substring(0, variantPath.lastIndexOf('/') + 1) + segment;
            String sep = segment.contains("?") ? "&" : "?";
            String segCmcd = "bl=2100,br=4000,d=2000,mtp=25400,ot=v,sf=h,sid=\"" + sid + "\",tb=4000";
            assertEquals(200, TestNode.getBytes(node, segmentPath + sep + "CMCD=" + enc(segCmcd)).statusCode());
            assertEquals(200, TestNode.getBytes(node, segmentPath + sep + "CMCD=" + enc("bl=abc,,=,sid=\"unterminated")).statusCode(),
                    "malformed CMCD is ignored, the segment still served");
            String beacon = new JsonObject().put("sid", sid).put("stream", "flood").put("events", new JsonArray()
                    .add(new JsonObject().put("type", "startup").put("seconds", 1.2).put("codec", "avc1.64001f"))
                    .add(new JsonObject().put("type", "rebuffer_start"))
                    .add(new JsonObject().put("type", "rebuffer_end").put("seconds", 0.4))
                    .add(new JsonObject().put("type", "switch").put("from", "1080p").put("to", "360p").put("bitrate", 600000))
                    .add(new JsonObject().put("type", "error").put("kind", "network").put("fatal", false))
                    .add(new JsonObject().put("type", "latency").put("seconds", 1.5))
                    .add(new JsonObject().put("type", "heartbeat").put("playhead", 12.3).put("buffer", 2.1).put("playing_seconds", 5.0)))
                    .encode();
            HttpResponse<String> posted = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/qoe")))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(beacon)).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(posted.statusCode() / 100 == 2, "POST /api/v1/qoe: " + posted.statusCode() + " " + posted.body());

            AtomicReference<Set<String>> missing = new AtomicReference<>();
            try {
                TestNode.await("every queried metric in /metrics", Duration.ofSeconds(40), () -> {
                    Set<String> m = new TreeSet<>(used);
                    m.removeAll(scrapedNames(TestNode.get(node, "/metrics").body()));
                    missing.set(m);
                    return m.isEmpty();
                });
            } catch (AssertionError e) {
                throw new AssertionError("queried by docker/grafana or docker/prometheus but not exposed by the node: " + missing.get(), e);
            }
            pub.close();
        }
    }

    // --- PromQL: the metric names an expression selects ---

    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan", "e");

    static Set<String> metricNames(String promql) {
        String s = STRINGS.matcher(promql).replaceAll("\"\"");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGES.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        s = s.replaceAll("\\$\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String id = m.group();
            boolean call = s.substring(m.end()).matches("(?s)\\s*\\(.*");
            boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
            if (!call && !number && !KEYWORDS.contains(id.toLowerCase())) {
                names.add(id);
            }
        }
        return names;
    }

    @Test
    void metricNamesAreReadFromPromQl() {
        assertEquals(Set.of("stream_startup_seconds_bucket"), metricNames(
                "histogram_quantile(0.95, sum by (stream_id, le) (rate(stream_startup_seconds_bucket{stream_id=~\"$stream\"}[$__rate_interval]))) > 2"));
        assertEquals(Set.of("a_total", "b_total", "up"), metricNames(
                "sum without (x) (rate(a_total[5m])) / on (y) group_left (z) b_total > 1e3 and up{job=\"t\"} == 0"));
    }

    private static Set<String> scrapedNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = IDENT.matcher(line);
                if (m.lookingAt()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    // --- the files ---

    private static JsonObject dashboard() {
        try {
            return new JsonObject(Files.readString(DOCKER.resolve("grafana/dashboards/tributary-qoe.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> out = new ArrayList<>();
        for (Object o : dashboard.getJsonArray("panels")) {
            JsonObject p = (JsonObject) o;
            if ("row".equals(p.getString("type"))) {
                p.getJsonArray("panels", new JsonArray()).forEach(c -> out.add((JsonObject) c));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static List<String> dashboardQueries(JsonObject dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonObject p : panels(dashboard)) {
            p.getJsonArray("targets", new JsonArray()).forEach(t -> out.add(((JsonObject) t).getString("expr")));
        }
        for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
            String def = ((JsonObject) v).getString("definition", "");
            Matcher m = Pattern.compile("label_values\\(([^,]+),").matcher(def);
            if (m.find()) {
                out.add(m.group(1).trim());
            }
        }
        return out;
    }

    private static List<String> alertExpressions() {
        List<String> out = new ArrayList<>();
        for (Object g : (List<?>) yaml("prometheus/alerts.yml").get("groups")) {
            for (Object r : (List<?>) ((Map<?, ?>) g).get("rules")) {
                out.add((String) ((Map<?, ?>) r).get("expr"));
            }
        }
        return out;
    }

    private static Map<String, Object> yaml(String relative) {
        try {
            return new Yaml().load(Files.readString(DOCKER.resolve(relative)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void promtool(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Tools.promtool().toString()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("promtool", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String printed = Files.readString(out);
            Files.delete(out);
            assertTrue(done, "promtool " + String.join(" ", args) + " did not finish in 60 s");
            assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + printed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The repository's docker/ directory, from the module directory Maven runs tests in (or the root). */
    private static Path dockerDir() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("docker/prometheus"))) {
                return d.resolve("docker");
            }
        }
        throw new IllegalStateException("no docker/prometheus above " + Path.of("").toAbsolutePath());
    }
}
