package io.tributary.browser;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The player and operator pages in a real browser (Debian's headless Chromium) against a real
 * node with a live RTMP publisher: the video plays, hls.js sends CMCD with the page's session id,
 * and the node's /metrics then shows the session and its startup time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChromiumPlaybackTest {

    private static final String KEY = "browser";

    private Node node;
    private RtmpTestPublisher publisher;
    private Thread live;
    private final AtomicBoolean publishing = new AtomicBoolean(true);
    private HeadlessChromium chromium;
    /** The first variant's URI in the multivariant playlist, e.g. {@code video/index.m3u8}. */
    private String variant;

    @BeforeAll
    void start() throws Exception {
        // passthrough: the browser test is about the page, not the ladder (two cores, one of them for Chromium)
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        SyntheticAvSource source = new SyntheticAvSource(640, 360, 30, 30, 0, true);
        publisher = RtmpTestPublisher.publish(node.rtmpPort(), KEY);
        publisher.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
        publisher.send(source.next(2.0), 0);
        // live: one second of media a second, bounded at 3 minutes
        live = publisher.sendLive(source, 180, publishing, "browser-test-publisher");
        TestNode.await("a playable live stream", Duration.ofSeconds(15), () ->
                TestNode.get(node, "/live/" + KEY + "/index.m3u8").statusCode() == 200);
        variant = new Playlist(TestNode.get(node, "/live/" + KEY + "/index.m3u8").body()).lines.stream()
                .filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
        TestNode.await("two segments", Duration.ofSeconds(15), () ->
                new Playlist(TestNode.get(node, "/live/" + KEY + "/" + variant).body()).segments().size() >= 2);
        chromium = HeadlessChromium.launch();
    }

    @AfterAll
    void stop() throws InterruptedException {
        publishing.set(false);
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (live != null) {
                live.join(5000);
            }
            publisher.close();
            TestNode.stop(node);
        }
    }

    @Test
    void playsFiveSecondsSendsCmcdAndTheNodeCountsTheSession() {
        HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/play/" + KEY));
        try {
            double first = awaitPlaying(tab);
            TestNode.await("currentTime to advance 5 s from " + first, Duration.ofSeconds(30),
                    () -> tab.number("document.getElementById('video').currentTime") >= first + 5);
            String sid = (String) tab.eval("window.playerStats.sid");
            assertTrue(sid.matches("[0-9a-f-]{36}"), sid);
            assertTrue(tab.number("window.playerStats.firstPlayingMs") > 0, "the page measured its startup");
            assertTrue(((String) tab.eval("JSON.stringify(window.playerStats.events)")).contains("\"startup\""),
                    "the page queued a startup beacon");
            // switch beacons name rungs by their playlist's directory, whatever query the node appends
            assertEquals(variant.substring(0, variant.indexOf('/')), tab.eval("rungOf(hls.levels[0])"));

            // CMCD in query mode (the default): every playlist and media request names the page's session
            // (but the first multivariant request: hls.js 1.7 creates its CMCD reporter on MANIFEST_LOADING
            // after its playlist loader has already sent that request)
            List<JsonObject> media = tab.requests(r -> r.getString("url").contains("/live/" + KEY + "/")
                    && !multivariant(r));
            assertFalse(media.isEmpty(), "the page requested the stream");
            for (JsonObject r : media) {
                String url = URLDecoder.decode(r.getString("url"), StandardCharsets.UTF_8);
                assertTrue(url.contains("CMCD=") && url.contains("sid=\"" + sid + "\""), "CMCD with the page's sid: " + url);
                assertTrue(url.contains("cid=\"" + KEY + "\""), "CMCD content id is the stream key: " + url);
            }
            assertTrue(media.stream().anyMatch(r -> URLDecoder.decode(r.getString("url"), StandardCharsets.UTF_8)
                    .matches(".*\\.m4s\\?.*CMCD=.*bl=\\d+.*")), "media requests carry the buffer length");

            // QoE beacons of the agreed shape left the page: over /ws/qoe, or by POST when the socket is refused
            AtomicReference<List<JsonObject>> beacons = new AtomicReference<>(List.of());
            TestNode.await("a startup and a heartbeat beacon from the page", Duration.ofSeconds(15), () -> {
                beacons.set(beaconsSent(tab));
                List<String> types = beacons.get().stream().flatMap(b -> b.getJsonArray("events").stream())
                        .map(e -> ((JsonObject) e).getString("type")).toList();
                return types.contains("startup") && types.contains("heartbeat");
            });
            for (JsonObject b : beacons.get()) {
                assertEquals(sid, b.getString("sid"));
                assertEquals(KEY, b.getString("stream"));
                for (Object o : b.getJsonArray("events")) {
                    JsonObject e = (JsonObject) o;
                    switch (e.getString("type")) {
                        case "startup" -> {
                            assertTrue(e.getDouble("seconds") > 0 && e.getDouble("seconds") < 30, e.encode());
                            assertTrue(e.getString("codec").startsWith("avc1."), e.encode());
                        }
                        case "heartbeat" -> {
                            assertTrue(e.getDouble("playhead") >= 0 && e.getDouble("buffer") >= 0, e.encode());
                            assertTrue(e.getDouble("playing_seconds") >= 0 && e.getDouble("playing_seconds") <= 5.5, e.encode());
                        }
                        case "latency" -> assertTrue(e.getDouble("seconds") > 0 && e.getDouble("seconds") < 10, e.encode());
                        case "rebuffer_start", "rebuffer_end", "switch", "error" -> { }
                        default -> throw new AssertionError("unknown beacon event " + e.encode());
                    }
                }
            }

            // what the node made of it, while the page still plays (needs the sessions/QoE server side)
            TestNode.await("stream_startup_seconds_count and active_stream_sessions for '" + KEY + "' in /metrics",
                    Duration.ofSeconds(15), () -> {
                        String metrics = TestNode.get(node, "/metrics").body();
                        return sample(metrics, "stream_startup_seconds_count") >= 1 && sample(metrics, "active_stream_sessions") >= 1;
                    });
            // and the operator feed counts the session for the stream
            TestNode.await("a session for '" + KEY + "' on /ws/ops", Duration.ofSeconds(15), () ->
                    opsFrame().getJsonObject("sessions").getJsonArray("streams").stream().map(o -> (JsonObject) o)
                            .anyMatch(o -> KEY.equals(o.getString("stream")) && o.getInteger("sessions", 0) >= 1));
        } finally {
            tab.close();
        }
    }

    @Test
    void headerModeSendsCmcdAsRequestHeaders() {
        HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/play/" + KEY + "?cmcd=headers"));
        try {
            awaitPlaying(tab);
            String sid = (String) tab.eval("window.playerStats.sid");
            List<JsonObject> media = tab.requests(r -> r.getString("url").contains("/live/" + KEY + "/")
                    && !multivariant(r));
            assertFalse(media.isEmpty());
            for (JsonObject r : media) {
                assertFalse(r.getString("url").contains("CMCD="), "no CMCD query in header mode: " + r.getString("url"));
                String session = header(r.getJsonObject("headers"), "CMCD-Session");
                assertTrue(session != null && session.contains("sid=\"" + sid + "\""), "CMCD-Session names the sid: " + r.encode());
            }
        } finally {
            tab.close();
        }
    }

    @Test
    void theOperatorPageShowsTheLiveStreamAndKeepsUpdating() {
        HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/ops"));
        try {
            TestNode.await("the stream's row on /ops", Duration.ofSeconds(15), () -> Boolean.TRUE.equals(
                    tab.eval("!!document.querySelector('tr[data-stream=\"" + KEY + "\"]')")));
            double frames = tab.number("window.opsState.frames");
            TestNode.await("two more feed updates", Duration.ofSeconds(10), () -> tab.number("window.opsState.frames") >= frames + 2);
            assertEquals("live", tab.eval("document.getElementById('status').textContent"));
            assertEquals(KEY, tab.eval("window.opsState.last.streams[0].key"));
        } finally {
            tab.close();
        }
    }

    /** The first frame of the operator feed, read with the JDK's WebSocket client. */
    private JsonObject opsFrame() {
        CompletableFuture<String> first = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        java.net.http.WebSocket ws = TestNode.HTTP.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/ops"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            first.complete(text.toString());
                        }
                        w.request(1);
                        return null;
                    }
                }).orTimeout(5, TimeUnit.SECONDS).join();
        try {
            return new JsonObject(first.orTimeout(5, TimeUnit.SECONDS).join());
        } finally {
            ws.abort();
        }
    }

    /** The beacon envelopes the page sent, by WebSocket frame or by POST /api/v1/qoe. */
    private static List<JsonObject> beaconsSent(HeadlessChromium.Tab tab) {
        List<JsonObject> out = new ArrayList<>();
        tab.webSocketFramesSent().forEach(f -> out.add(new JsonObject(f)));
        tab.requests(r -> r.getString("url").endsWith("/api/v1/qoe") && r.containsKey("postData"))
                .forEach(r -> out.add(new JsonObject(r.getString("postData"))));
        return out;
    }

    /** Waits for the first frame and returns the currentTime playback starts from. */
    private static boolean multivariant(JsonObject request) {
        return URI.create(request.getString("url")).getPath().equals("/live/" + KEY + "/index.m3u8");
    }

    private static double awaitPlaying(HeadlessChromium.Tab tab) {
        TestNode.await("the video to start playing", Duration.ofSeconds(30), () -> {
            Object errors = tab.eval("window.playerStats ? JSON.stringify(window.playerStats.errors) : '[]'");
            if (errors instanceof String s && s.contains("fatal: ")) {
                throw new AssertionError("player error: " + s);
            }
            return tab.number("window.playerStats && window.playerStats.firstPlayingMs || 0") > 0
                    && tab.number("document.getElementById('video').currentTime") > 0;
        });
        return tab.number("document.getElementById('video').currentTime");
    }

    /** The value of {@code name{...stream_id="KEY"...}} in a Prometheus scrape, or -1 when absent. */
    private static double sample(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*stream_id=\"" + KEY + "\"[^}]*} ([0-9.eE+-]+)$").matcher(scrape);
        double max = -1;
        while (m.find()) {
            max = Math.max(max, Double.parseDouble(m.group(1)));
        }
        return max;
    }

    private static String header(JsonObject headers, String name) {
        for (String k : headers.fieldNames()) {
            if (k.equalsIgnoreCase(name)) {
                return headers.getString(k);
            }
        }
        return null;
    }
}
