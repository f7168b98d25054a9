package io.tributary.http;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile requests, as an attacker would send them, over raw sockets (a well-behaved client
 * would refuse to send most of them) to every route of the origin, the edge and the router of
 * one node with a live stream: no answer is a 5xx, none carries a stack trace or echoes markup,
 * every text answer says nosniff, and a malformed escape is a 400 naming its parameter. Seeded,
 * so a failure replays.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpFuzzTest {

    private static final String KEY = "fuzzed";
    private static final long SEED = 20261207L;
    /** Every route template of the three listeners; {k} the live key, {r} a rendition. */
    private static final List<String> ROUTES = List.of(
            "/", "/health", "/metrics", "/ops", "/play/{k}", "/assets/hls.min.js",
            "/live/{k}/index.m3u8", "/live/{k}/{r}/index.m3u8", "/live/{k}/manifest.mpd",
            "/live/{k}/{r}/init-0.mp4", "/live/{k}/{r}/seg-1.m4s", "/live/{k}/{r}/part-1.0.m4s",
            "/api/v1/streams", "/api/v1/streams/{k}", "/api/v1/streams/{k}/cues", "/api/v1/cluster",
            "/api/v1/hotness", "/api/v1/sessions", "/api/v1/verticles", "/api/v1/verticles/delivery/scale",
            "/api/v1/nodes/{n}/verticles", "/api/v1/nodes/{n}/verticles/delivery/scale", "/api/v1/node/undrain",
            "/api/v1/qoe", "/api/v1/time", "/ws/qoe", "/ws/ops");
    private static final String[] METHODS = {"GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
    private static final String[] HOSTILE = {
            "%", "%%", "%%%garbage", "%zz", "%G1", "%u0041", "%00", "%C0%AF", "%E2%80", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "../../etc/passwd", "<script>alert(1)</script>", "\"><img src=x onerror=1>", "'", "-1",
            "99999999999999999999999", "NaN", "1e400", "\u00e9", "a".repeat(3000), "{}", "[", "null", ";", "\\"};

    private Node node;
    private SyntheticAvSource src;
    private RtmpTestPublisher publisher;
    private final List<Integer> ports = new ArrayList<>();

    @BeforeAll
    void start() {
        int edgePort = TestNode.freePort();
        int routerPort = TestNode.freePort();
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_EDGE_PORT", Integer.toString(edgePort), "TRIBUTARY_ROUTER_PORT", Integer.toString(routerPort)));
        ports.add(node.httpPort());
        ports.add(edgePort);
        ports.add(routerPort);
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

    @Test
    void malformedEscapesAreA400NamingTheParameter() throws IOException {
        for (int port : ports) {
            for (String target : List.of("/live/" + KEY + "/index.m3u8?CMCD=%%%garbage", "/play/" + KEY + "?x=%zz",
                    "/api/v1/hotness?a=%u0041", "/live/" + KEY + "/video/index.m3u8?_HLS_msn=%G1")) {
                Answer a = send(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                assertEquals(400, a.status, port + " " + target + ": " + a.text);
                String param = target.substring(target.indexOf('?') + 1, target.indexOf('='));
                assertTrue(a.text.contains("'" + param + "'"), "the answer names " + param + ": " + a.text);
            }
        }
    }

    @Test
    void noHostileRequestGetsA5xxOrLeaksOrReflects() throws IOException {
        Random rnd = new Random(SEED);
        int sent = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            int port = ports.get(i % ports.size());
            String method = METHODS[rnd.nextInt(METHODS.length)];
            String target = mutate(rnd, ROUTES.get(rnd.nextInt(ROUTES.size())));
            StringBuilder req = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            if (rnd.nextInt(10) > 0) {
                req.append("Host: 127.0.0.1\r\n");
            }
            if (rnd.nextInt(4) == 0) {
                req.append("Origin: ").append(pick(rnd)).append("\r\n");
            }
            if (rnd.nextInt(4) == 0) {
                req.append("CMCD-Request: ").append(pick(rnd)).append("\r\n");
            }
            byte[] body = new byte[0];
            if (method.equals("POST") || method.equals("PUT")) {
                body = (rnd.nextBoolean() ? "{\"instances\":" + pick(rnd) + "}" : pick(rnd)).getBytes(StandardCharsets.UTF_8);
                req.append("Content-Type: ").append(rnd.nextBoolean() ? "application/json" : "text/plain").append("\r\n");
                req.append("Content-Length: ").append(body.length).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n");
            Answer a = send(port, req + new String(body, StandardCharsets.UTF_8));
            sent++;
            String line = method + " " + abbreviate(target) + " on " + port + " -> " + a.status;
            if (a.status >= 500 || a.status == 0) {
                failures.add(line + ": " + abbreviate(a.text));
            } else if (a.text.contains("<script>alert") || a.text.contains("<img src")) {
                failures.add(line + " reflects markup");
            } else if (a.status >= 400 && a.text.matches("(?s).*(\\bat io\\.|\\bat java\\.|Exception|\\.java:\\d).*")) {
                failures.add(line + " leaks internals: " + abbreviate(a.text));
            } else if (a.status >= 400 && a.head.toLowerCase().contains("content-type: text/")
                    && !a.head.toLowerCase().contains("x-content-type-options: nosniff")) {
                failures.add(line + " text answer without nosniff");
            }
        }
        assertEquals(700, sent);
        assertTrue(failures.isEmpty(), failures.size() + " bad answers, first: " + failures.subList(0, Math.min(10, failures.size())));
        // and the node still serves its live stream after all of that
        assertEquals(200, TestNode.get(node, "/live/" + KEY + "/index.m3u8").statusCode());
    }

    @Test
    void aRequestWithoutHostIsA400() throws IOException {
        for (int port : ports) {
            Answer a = send(port, "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertEquals(400, a.status, port + ": " + a.text);
        }
    }

    private String mutate(Random rnd, String route) {
        String path = route.replace("{k}", rnd.nextInt(3) == 0 ? pick(rnd) : KEY)
                .replace("{r}", rnd.nextInt(3) == 0 ? pick(rnd) : "video")
                .replace("{n}", pick(rnd));
        StringBuilder b = new StringBuilder(encodeLoosely(path));
        int params = rnd.nextInt(4);
        for (int p = 0; p < params; p++) {
            b.append(p == 0 ? '?' : '&');
            String name = switch (rnd.nextInt(6)) {
                case 0 -> "_HLS_msn";
                case 1 -> "_HLS_part";
                case 2 -> "CMCD";
                case 3 -> "_HLS_skip";
                case 4 -> "top";
                default -> pick(rnd);
            };
            b.append(encodeLoosely(name)).append('=').append(encodeLoosely(pick(rnd)));
        }
        return b.toString();
    }

    private static String pick(Random rnd) {
        return HOSTILE[rnd.nextInt(HOSTILE.length)];
    }

    /** Keeps what an attacker typed, percent signs included; only what cannot go on a request line is escaped. */
    private static String encodeLoosely(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                b.append('%').append(String.format("%02X", c));
            } else {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    private record Answer(int status, String head, String text) {
    }

    /** Whole when its head and Content-Length bytes are in (a HEAD answer has no body); else at close. */
    private static boolean complete(String all, String request) {
        int end = all.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        if (request.startsWith("HEAD ")) {
            return true;
        }
        for (String h : all.substring(0, end).split("\r\n")) {
            if (h.toLowerCase().startsWith("content-length:")) {
                return all.length() - end - 4 >= Integer.parseInt(h.substring(15).trim());
            }
        }
        return false;
    }

    /** One request on its own connection; the whole answer read until the server closes (bounded). */
    private static Answer send(int port, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while (out.size() < 2_000_000 && !complete(out.toString(StandardCharsets.ISO_8859_1), request)
                    && (n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            String all = out.toString(StandardCharsets.ISO_8859_1);
            int end = all.indexOf("\r\n\r\n");
            String head = end < 0 ? all : all.substring(0, end);
            String body = end < 0 ? "" : all.substring(end + 4);
            int status = 0;
            if (head.startsWith("HTTP/1.") && head.length() >= 12) {
                status = Integer.parseInt(head.substring(9, 12));
            }
            assertFalse(head.isEmpty(), "no answer to " + request.lines().findFirst().orElse(""));
            return new Answer(status, head, body);
        } catch (java.net.SocketTimeoutException e) {
            return new Answer(0, "", "timed out");
        }
    }
}
