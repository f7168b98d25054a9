package io.tributary.session;

import com.hazelcast.core.HazelcastJsonValue;
import io.tributary.Node;
import io.tributary.cluster.SharedMaps;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.testing.Tools;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions ending on idle, beacon floods, the WebSocket beacon channel and the metrics format, on a node with short timings. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionLifecycleTest {

    private LiveNode live;
    private Node node;
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_SESSIONS_IDLE_TIMEOUT", "1s",
                "TRIBUTARY_SESSIONS_FLUSH_INTERVAL", "200ms", "TRIBUTARY_QOE_BEACON_RATE", "2", "TRIBUTARY_QOE_BEACON_BURST", "5"));
        node = live.node();
        node.vertx().eventBus().<JsonObject>localConsumer(PlaybackEvents.ADDRESS, m -> events.add(m.body()));
        live.publish("cam2").send(4.2);
        live.awaitOk("/live/cam2/index.m3u8", Duration.ofSeconds(10));
    }

    @AfterAll
    void stop() {
        live.close();
    }

    @Test
    void anIdleSessionEndsAndTheGaugeGoesBackDown() {
        TestNode.await("no sessions left from start-up", Duration.ofSeconds(5),
                () -> !(Scrape.of(node).value("active_stream_sessions", "stream_id=\"cam2\"") > 0));
        String body = TestNode.get(node, "/live/cam2/index.m3u8").body();
        Matcher m = Pattern.compile("\\?sid=([0-9a-f-]{36})").matcher(body);
        assertTrue(m.find(), body);
        String sid = m.group(1);
        assertEquals(1.0, Scrape.of(node).value("active_stream_sessions", "stream_id=\"cam2\""));
        // requests keep it alive past the idle timeout
        for (int i = 0; i < 6; i++) {
            assertEquals(200, TestNode.get(node, "/live/cam2/video/index.m3u8?sid=" + sid).statusCode());
            sleep(300);
        }
        assertEquals(1.0, Scrape.of(node).value("active_stream_sessions", "stream_id=\"cam2\""));
        TestNode.await("the cluster map entry", Duration.ofSeconds(3), () -> map().get(sid) != null);
        // then silence: ended, counted down, gone from the map, announced
        TestNode.await("the session to end", Duration.ofSeconds(5),
                () -> Scrape.of(node).value("active_stream_sessions", "stream_id=\"cam2\"") == 0.0);
        TestNode.await("the map entry to go", Duration.ofSeconds(3), () -> map().get(sid) == null);
        // the event travels the event bus: it may arrive after the map entry went
        java.util.function.Supplier<java.util.Optional<JsonObject>> ended = () -> events.stream()
                .filter(e -> e.getString("type").equals("session_end") && e.getString("sid").equals(sid)).findFirst();
        TestNode.await("the session_end event", Duration.ofSeconds(3), () -> ended.get().isPresent());
        JsonObject end = ended.get().orElseThrow();
        assertEquals("cam2", end.getString("stream"));
        assertEquals("idle", end.getString("reason"));
        assertTrue(end.getLong("bytes") > 0);
        assertTrue(end.getDouble("duration_seconds") >= 1.5);
    }

    @Test
    void beaconsOverWebSocketAndFloodsGet429() throws Exception {
        List<String> replies = new CopyOnWriteArrayList<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = TestNode.HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/qoe"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        replies.add(data.toString());
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                        closed.complete(status + " " + reason);
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
        // the player's media request opened session w1 (CMCD sid): its beacons are accepted
        assertEquals(200, TestNode.get(node, "/live/cam2/index.m3u8?CMCD=" + java.net.URLEncoder.encode("sid=\"w1\"",
                StandardCharsets.UTF_8)).statusCode());
        Scrape before = Scrape.of(node);
        ws.sendText("{\"sid\":\"w1\",\"stream\":\"cam2\",\"events\":[{\"type\":\"startup\",\"seconds\":0.7,\"codec\":\"avc1.42c01e\"}]}", true).get();
        ws.sendText("{\"stream\":\"cam2\",\"events\":[{\"type\":\"switch\",\"bitrate\":\"fast\"}]}", true).get();
        TestNode.await("the startup sample and the error reply", Duration.ofSeconds(5), () -> replies.size() == 1
                && Scrape.of(node).value("stream_startup_seconds_count", "stream_id=\"cam2\"", "codec=\"avc1\"") == 1.0);
        JsonObject error = new JsonObject(replies.get(0));
        assertEquals(400, error.getInteger("status"));
        assertTrue(error.getString("error").contains("events[0].bitrate must be a number"), error.encode());
        assertEquals(1.0, Scrape.of(node).value("stream_startup_seconds_bucket", "stream_id=\"cam2\"", "le=\"1.0\""));

        // a flood from one address: beyond the bucket (5) every beacon is refused with 429
        for (int i = 0; i < 20; i++) {
            ws.sendText("{\"stream\":\"cam2\",\"events\":[{\"type\":\"latency\",\"seconds\":1.0}]}", true).get();
        }
        TestNode.await("429 replies", Duration.ofSeconds(5), () -> replies.stream().anyMatch(r -> r.contains("\"status\":429")));
        HttpResponse<String> post = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/qoe")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":\"cam2\",\"events\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(429, post.statusCode());
        assertEquals("1", post.headers().firstValue("Retry-After").orElse(""));
        Scrape after = Scrape.of(node);
        double limited = after.value("tributary_qoe_beacons_total", "source=\"ws\"", "result=\"rate_limited\"");
        assertTrue(limited >= 14, "rate limited: " + limited);
        assertTrue(after.value("tributary_stream_live_latency_seconds_count", "stream_id=\"cam2\"") <= 5);

        // oversized: the connection is closed with 1009
        sleep(2600); // refill a few tokens
        ws.sendText("{\"stream\":\"cam2\",\"events\":[],\"pad\":\"" + "x".repeat(20_000) + "\"}", true).get();
        String close = closed.get(5, TimeUnit.SECONDS);
        assertTrue(close.startsWith("1009 beacon larger than 16384 bytes"), close);
    }

    @Test
    void metricsPassPromtool() throws Exception {
        // some of every family first
        TestNode.get(node, "/live/cam2/index.m3u8?CMCD=bl%3D1000%2Cmtp%3D5000%2Cbs");
        TestNode.get(node, "/live/cam2/video/seg-99999.m4s");
        String text = Scrape.of(node).text;
        Path promtool = Tools.promtool();
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
        for (String family : List.of("active_stream_sessions", "stream_rebuffer_events_total", "tributary_stream_buffer_length_seconds_bucket",
                "tributary_stream_measured_throughput_bytes_per_second_bucket", "tributary_cmcd_malformed_total", "tributary_qoe_beacons_total",
                "tributary_stream_playback_errors_total")) {
            assertTrue(text.contains("\n" + family), family);
        }
    }

    private com.hazelcast.map.IMap<String, HazelcastJsonValue> map() {
        return node.hazelcast().getMap(SharedMaps.SESSIONS);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
