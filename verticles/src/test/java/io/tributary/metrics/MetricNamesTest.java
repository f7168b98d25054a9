package io.tributary.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tributary.Node;
import io.tributary.log.LogbackSetup;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The names in a live scrape with a transcoded stream and a player: the node's own meters all
 * start with tributary_, the seed's QoE and scaling names stay as the seed wrote them, the rest is
 * the JVM's, the process's, Netty's and Vert.x's. And metrics.per-stream-labels: false takes every
 * stream_id label out while the figures stay. Nothing warns of a gauge registered twice.
 */
class MetricNamesTest {

    /** The names the seed documents specify (shared/reference): kept unprefixed for its HPA and dashboards. */
    private static final Set<String> SEED = Set.of("active_stream_sessions", "stream_rebuffer_events_total",
            "stream_startup_seconds");
    /** Libraries' own families: Micrometer's JVM/process/system binders, Netty's allocator, Vert.x. */
    private static final List<String> LIBRARIES = List.of("jvm_", "process_", "system_", "netty_", "vertx_");

    @Test
    void everyNodeMetricIsPrefixedExceptTheSeedNames() {
        // Micrometer's double-registration notes, at any level (it warns once per JVM, then debugs)
        LogbackSetup.install();
        Logger registryLog = (Logger) LoggerFactory.getLogger("io.micrometer.core.instrument.MeterRegistry");
        Level before = registryLog.getLevel();
        registryLog.setLevel(Level.DEBUG);
        ListAppender<ILoggingEvent> notes = new ListAppender<>();
        notes.setContext(registryLog.getLoggerContext());
        notes.start();
        registryLog.addAppender(notes);
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed"))) {
            traffic(live, "names");
            TestNode.await("a rung's gauges", Duration.ofSeconds(20),
                    () -> names(TestNode.get(live.node(), "/metrics").body()).contains("tributary_transcode_encode_fps"));
            String scrape = TestNode.get(live.node(), "/metrics").body();
            Set<String> stray = new TreeSet<>();
            for (String name : names(scrape)) {
                if (!name.startsWith("tributary_") && !SEED.contains(base(name)) && LIBRARIES.stream().noneMatch(name::startsWith)) {
                    stray.add(name);
                }
            }
            assertTrue(stray.isEmpty(), "metrics neither tributary_-prefixed, nor the seed's, nor a library's: " + stray);
            // what the assertion walked over: the node's families were really there, the seed's too
            for (String expected : List.of("tributary_ingest_bytes_total", "tributary_transcode_encode_fps",
                    "tributary_qoe_beacons_total", "tributary_stream_play_seconds_total", "active_stream_sessions",
                    "stream_startup_seconds_count", "stream_rebuffer_events_total", "jvm_memory_used_bytes", "vertx_http_server_requests_total")) {
                assertTrue(names(scrape).contains(expected), expected + " in the scrape");
            }
            assertTrue(new Scrape(scrape).streamIds().contains("names"), "per-stream labels by default");
            List<String> doubles = notes.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("already registered")).toList();
            assertTrue(doubles.isEmpty(), "gauges registered twice: " + doubles);
        } finally {
            registryLog.detachAppender(notes);
            registryLog.setLevel(before);
        }
    }

    @Test
    void perStreamLabelsOffDropsTheStreamIdButKeepsTheFigures() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed",
                "TRIBUTARY_METRICS_PER_STREAM_LABELS", "false"))) {
            String scrape = traffic(live, "many");
            assertFalse(scrape.contains("stream_id="), "no stream_id label anywhere:\n" + grep(scrape, "stream_id="));
            Scrape s = new Scrape(scrape);
            assertTrue(s.value("tributary_ingest_bytes_total") > 10_000, "ingest bytes still counted, per node");
            // every playlist poll without a session id opened a session too: the total is the node's session count
            assertTrue(s.value("active_stream_sessions") >= 1, "the seed's scaling metric, as the node's total");
            assertEquals(s.value("tributary_playback_sessions"), s.value("active_stream_sessions"), "the node's sessions");
            assertEquals(1.0, s.value("stream_startup_seconds_count"), "the startup histogram, summed over streams");
            assertTrue(s.value("tributary_stream_play_seconds_total", "region=") > 0, "play time, by region only");
            // per-stream gauges are left out rather than shown for one arbitrary stream
            assertFalse(names(scrape).contains("tributary_transcode_encode_fps"), "no per-rung gauge without its stream");
            assertTrue(s.value("tributary_transcode_admissions_total", "result=\"admitted\"") >= 1, "the ladder ran");
            assertTrue(names(scrape).contains("tributary_transcode_pixel_rate_pixels_per_second"), "the node's capacity gauge stays");
        }
    }

    /** A 960x540 source (the seed ladder encodes 360p from it), a player's CMCD requests and beacons; the scrape after. */
    private static String traffic(LiveNode live, String key) {
        Node node = live.node();
        live.publish(key, new SyntheticAvSource(960, 540, 30, 30, 0, true)).send(6.2);
        live.awaitOk("/live/" + key + "/index.m3u8", Duration.ofSeconds(90)); // a first transcode on a loaded machine
        String sid = UUID.randomUUID().toString();
        String cmcd = URLEncoder.encode("cid=\"" + key + "\",ot=m,sf=h,sid=\"" + sid + "\",v=1", StandardCharsets.UTF_8);
        assertEquals(200, TestNode.get(node, "/live/" + key + "/index.m3u8?CMCD=" + cmcd).statusCode());
        String beacon = new JsonObject().put("sid", sid).put("stream", key).put("events", new JsonArray()
                .add(new JsonObject().put("type", "startup").put("seconds", 0.8).put("codec", "avc1.64001f"))
                .add(new JsonObject().put("type", "rebuffer_start"))
                .add(new JsonObject().put("type", "rebuffer_end").put("seconds", 0.2))
                .add(new JsonObject().put("type", "heartbeat").put("playhead", 3.0).put("buffer", 2.0).put("playing_seconds", 3.0)))
                .encode();
        try {
            HttpResponse<String> posted = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/qoe")))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(beacon)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(2, posted.statusCode() / 100, "POST /api/v1/qoe: " + posted.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        // the ladder is admitted when the video config arrives; its rungs' gauges are registered with it
        try {
            TestNode.await("the 960x540 source's ladder admitted", Duration.ofSeconds(30), () -> new Scrape(TestNode.get(node, "/metrics").body())
                    .value("tributary_transcode_admissions_total", "result=\"admitted\"") >= 1);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + grep(TestNode.get(node, "/metrics").body(), "transcode"), e);
        }
        return TestNode.get(node, "/metrics").body();
    }

    static Set<String> names(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{');
            names.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
        }
        return names;
    }

    private static String base(String name) {
        return name.replaceAll("_(bucket|count|sum|max)$", "");
    }

    private static String grep(String text, String needle) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.contains(needle) && b.length() < 2000) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }
}
