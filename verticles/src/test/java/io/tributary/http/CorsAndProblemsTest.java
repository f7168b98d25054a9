package io.tributary.http;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One node with its origin, edge and router: a player on another origin may read /live, the
 * clock and the beacons on each of them; no other origin may read an operator route; API errors
 * are problem details, media errors one line of text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsAndProblemsTest {

    private static final String PLAYER_ORIGIN = "https://player.example";
    private static final String KEY = "corsy";
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private Node node;
    private SyntheticAvSource src;
    private RtmpTestPublisher publisher;
    private String origin;
    private String edge;
    private String router;

    @BeforeAll
    void start() {
        int edgePort = TestNode.freePort();
        int routerPort = TestNode.freePort();
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_EDGE_PORT", Integer.toString(edgePort), "TRIBUTARY_ROUTER_PORT", Integer.toString(routerPort)));
        origin = node.httpUrl("");
        edge = "http://127.0.0.1:" + edgePort;
        router = "http://127.0.0.1:" + routerPort;
        src = new SyntheticAvSource(320, 240, 30, 30, 0, true);
        publisher = RtmpTestPublisher.publish(node.rtmpPort(), KEY);
        assertTrue(publisher.publishing(), "publish refused: " + publisher.failure());
        publisher.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
        publisher.send(src.next(4.2), 0);
        TestNode.await("the stream's playlist", Duration.ofSeconds(10),
                () -> TestNode.get(node, "/live/" + KEY + "/index.m3u8").statusCode() == 200);
    }

    @AfterAll
    void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (src != null) {
            src.close();
        }
        TestNode.stop(node);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return client.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> crossOriginGet(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Origin", PLAYER_ORIGIN));
    }

    private HttpResponse<String> preflight(String url, String method, String headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", PLAYER_ORIGIN).header("Access-Control-Request-Method", method);
        if (headers != null) {
            b.header("Access-Control-Request-Headers", headers);
        }
        return send(b);
    }

    private HttpResponse<String> post(String url, String body) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Origin", PLAYER_ORIGIN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    @Test
    void playersOnAnotherOriginMayReadLiveOnOriginEdgeAndRouter() {
        for (String base : List.of(origin, edge, router)) {
            String playlist = base + "/live/" + KEY + "/index.m3u8";
            HttpResponse<String> pre = preflight(playlist, "GET", "cmcd-request,cmcd-object,cmcd-status,cmcd-session");
            assertEquals(204, pre.statusCode(), base);
            assertEquals("*", header(pre, "access-control-allow-origin"), base);
            for (String h : List.of("cmcd-request", "cmcd-object", "cmcd-status", "cmcd-session", "range")) {
                assertTrue(lower(header(pre, "access-control-allow-headers")).contains(h), base + ": " + header(pre, "access-control-allow-headers"));
            }
            assertTrue(lower(header(pre, "access-control-allow-methods")).contains("get"), base);
            assertEquals("86400", header(pre, "access-control-max-age"), base);

            HttpResponse<String> get = crossOriginGet(playlist);
            // the router redirects to the edge (default mode): the 302 itself must be readable
            assertEquals(base.equals(router) ? 302 : 200, get.statusCode(), base);
            assertEquals("*", header(get, "access-control-allow-origin"), base);
            assertTrue(lower(header(get, "access-control-expose-headers")).contains("age"), base);

            HttpResponse<String> time = crossOriginGet(base + "/api/v1/time");
            assertEquals(200, time.statusCode(), base);
            assertEquals("*", header(time, "access-control-allow-origin"), base);
        }
        // a shared cache in front may store a response asked without Origin: it says * too
        HttpResponse<String> plain = send(HttpRequest.newBuilder(URI.create(origin + "/live/" + KEY + "/index.m3u8")));
        assertEquals("*", header(plain, "access-control-allow-origin"));
        // media errors are readable too, so a player can tell a 404 from a network failure
        assertEquals("*", header(crossOriginGet(edge + "/live/nobody/index.m3u8"), "access-control-allow-origin"));
    }

    @Test
    void beaconsMayBePostedFromAnotherOrigin() {
        for (String base : List.of(origin, edge)) {
            HttpResponse<String> pre = preflight(base + "/api/v1/qoe", "POST", "content-type");
            assertEquals(204, pre.statusCode(), base);
            assertEquals("*", header(pre, "access-control-allow-origin"), base);
            assertTrue(lower(header(pre, "access-control-allow-methods")).contains("post"), base);
            assertTrue(lower(header(pre, "access-control-allow-headers")).contains("content-type"), base);
        }
        // the player's session: opened by its media request (CMCD sid), then it beacons for it
        assertEquals(200, crossOriginGet(origin + "/live/" + KEY + "/index.m3u8?CMCD=sid%3D%22cors-player%22").statusCode());
        HttpResponse<String> ok = post(origin + "/api/v1/qoe", "{\"sid\":\"cors-player\",\"stream\":\"" + KEY
                + "\",\"events\":[{\"type\":\"rebuffer_start\"}]}");
        assertEquals(202, ok.statusCode(), ok.body());
        assertEquals("*", header(ok, "access-control-allow-origin"));
        // a refused beacon: the player may read why, as problem details (it is an API route)
        HttpResponse<String> bad = post(origin + "/api/v1/qoe", "[1,2]");
        assertEquals(400, bad.statusCode());
        assertEquals("*", header(bad, "access-control-allow-origin"));
        assertProblem(bad, 400, "beacon is not a JSON object");
    }

    @Test
    void operatorRoutesAnswerNoOtherOrigin() {
        List<String> gets = List.of(origin + "/api/v1/streams", origin + "/api/v1/streams/" + KEY, origin + "/api/v1/sessions",
                origin + "/api/v1/hotness", origin + "/api/v1/cluster", origin + "/api/v1/verticles", origin + "/metrics",
                origin + "/ops", origin + "/ws/ops", origin + "/", origin + "/play/" + KEY, origin + "/health",
                origin + "/api/v1/nothing", edge + "/health", edge + "/api/v1/sessions", router + "/health");
        for (String url : gets) {
            HttpResponse<String> get = crossOriginGet(url);
            assertNotEquals(0, get.statusCode());
            assertFalse(get.headers().firstValue("access-control-allow-origin").isPresent(), "GET " + url + " allowed another origin");
            HttpResponse<String> pre = preflight(url, "GET", "cmcd-request");
            assertNotEquals(204, pre.statusCode(), "OPTIONS " + url);
            assertFalse(pre.headers().map().keySet().stream().anyMatch(h -> lower(h).startsWith("access-control-")),
                    "OPTIONS " + url + " answered with CORS headers: " + pre.headers().map());
        }
        // the state-changing ones: a page on another origin may not even be told it could POST
        for (String url : List.of(origin + "/api/v1/node/drain", origin + "/api/v1/verticles/delivery/scale")) {
            HttpResponse<String> pre = preflight(url, "POST", "content-type");
            assertNotEquals(204, pre.statusCode(), "OPTIONS " + url);
            assertFalse(pre.headers().map().keySet().stream().anyMatch(h -> lower(h).startsWith("access-control-")),
                    "OPTIONS " + url + " answered with CORS headers: " + pre.headers().map());
        }
        HttpResponse<String> refused = post(origin + "/api/v1/verticles/delivery/scale", "{\"instances\": 0}");
        assertFalse(refused.headers().firstValue("access-control-allow-origin").isPresent());
        assertEquals("UP", new JsonObject(TestNode.get(node, "/health").body()).getString("status"), "nothing drained the node");
    }

    @Test
    void apiErrorsAreProblemDetails() {
        assertProblem(post(origin + "/api/v1/verticles/delivery/scale", "{\"instances\": 0}"), 400,
                "instances must be an integer from 1 to 64, was 0");
        assertProblem(post(origin + "/api/v1/verticles/delivery/scale", "not json"), 400, "body must be a JSON object");
        assertProblem(post(origin + "/api/v1/verticles/transcoder/scale", "{\"instances\": 2}"), 400,
                "no verticle set named 'transcoder'");
        assertProblem(crossOriginGet(origin + "/api/v1/streams/nope"), 404, "stream 'nope' is not live on this node");
        assertProblem(crossOriginGet(origin + "/api/v1/nothing"), 404, "no such resource: /api/v1/nothing");
        assertProblem(crossOriginGet(edge + "/api/v1/nothing"), 404, "no such resource: /api/v1/nothing");
        assertProblem(crossOriginGet(router + "/api/v1/nothing"), 404, "no such resource: /api/v1/nothing");
        // a GET on a POST-only route is no route either
        assertProblem(crossOriginGet(origin + "/api/v1/node/drain"), 404, "no such resource");
        // over the body limit: vertx-web's 413 keeps its status and says it in words
        HttpResponse<String> big = post(origin + "/api/v1/verticles/delivery/scale", "{\"instances\": " + " ".repeat(5000) + "2}");
        assertProblem(big, 413, "Request Entity Too Large");
    }

    @Test
    void mediaErrorsStayOneLineOfText() {
        for (String url : List.of(origin + "/live/nope/index.m3u8", edge + "/live/nope/index.m3u8", origin + "/nothing/here",
                edge + "/nothing/here", router + "/nothing/here")) {
            HttpResponse<String> r = crossOriginGet(url);
            assertEquals(404, r.statusCode(), url);
            assertTrue(lower(header(r, "content-type")).startsWith("text/plain"), url + ": " + header(r, "content-type"));
            assertTrue(r.body().endsWith("\n") && r.body().indexOf('\n') == r.body().length() - 1, url + ": " + r.body());
            assertFalse(r.body().contains("{"), url + ": " + r.body());
        }
        HttpResponse<String> badSid = crossOriginGet(edge + "/live/" + KEY + "/index.m3u8?sid=" + "x".repeat(80));
        assertEquals(400, badSid.statusCode());
        assertTrue(badSid.body().startsWith("sid must be"), badSid.body());
        assertEquals("*", header(badSid, "access-control-allow-origin"));
    }

    @Test
    void operatorFeedRefusesPagesOfOtherOrigins() throws Exception {
        int port = URI.create(origin).getPort();
        assertEquals(403, upgrade(port, "127.0.0.1:" + port, "https://evil.example", null));
        assertEquals(403, upgrade(port, "127.0.0.1:" + port, "http://127.0.0.1:" + (port + 1), null));
        assertEquals(403, upgrade(port, "127.0.0.1:" + port, "null", null));
        assertEquals(101, upgrade(port, "127.0.0.1:" + port, "http://127.0.0.1:" + port, null));
        // behind a front proxy, the page's origin is the proxy's host
        assertEquals(101, upgrade(port, "127.0.0.1:" + port, "https://ops.example", "ops.example"));
        assertEquals(101, upgrade(port, "127.0.0.1:" + port, null, null), "a tool without Origin");
        // beacons are for players anywhere
        assertEquals(101, upgradeTo("/ws/qoe", port, "127.0.0.1:" + port, PLAYER_ORIGIN, null));
    }

    private static int upgrade(int port, String host, String origin, String forwardedHost) throws Exception {
        return upgradeTo("/ws/ops", port, host, origin, forwardedHost);
    }

    /** The status of a WebSocket upgrade, sent as a browser would (the JDK client sends no Origin). */
    private static int upgradeTo(String path, int port, String host, String origin, String forwardedHost) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n");
            if (origin != null) {
                req.append("Origin: ").append(origin).append("\r\n");
            }
            if (forwardedHost != null) {
                req.append("X-Forwarded-Host: ").append(forwardedHost).append("\r\n");
            }
            s.getOutputStream().write(req.append("\r\n").toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    private static void assertProblem(HttpResponse<String> r, int status, String detail) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", header(r, "content-type"));
        JsonObject p = new JsonObject(r.body());
        assertEquals(status, p.getInteger("status"));
        assertEquals("about:blank", p.getString("type"));
        assertEquals(io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase(), p.getString("title"));
        assertTrue(p.getString("detail", "").contains(detail), r.body());
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains("io.vertx"), r.body());
    }
}
