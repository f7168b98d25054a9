package io.tributary.http;

import io.tributary.Node;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An attacker holding connections open, as in the reported attack (idle sockets from one
 * address, slowloris heads, WebSockets): past the per-address limit new connections are closed as
 * they open while a viewer from another address keeps playing; heads that do not complete in
 * time are cut; WebSockets are capped per address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionLimitsTest {

    private static final int PER_ADDRESS = 40;
    private LiveNode live;
    private Node node;

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_HTTP_MAX_CONNECTIONS_PER_ADDRESS", Integer.toString(PER_ADDRESS),
                "TRIBUTARY_HTTP_HEADER_TIMEOUT", "1500ms",
                "TRIBUTARY_HTTP_MAX_WEBSOCKETS_PER_ADDRESS", "3"));
        node = live.node();
        live.publish("held").sendPacedInBackground(30);
        live.awaitOk("/live/held/video/index.m3u8", Duration.ofSeconds(10));
    }

    @AfterAll
    void stop() {
        live.close();
    }

    @Test
    void pastThePerAddressLimitNewConnectionsAreRefusedAndOtherViewersPlayOn() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            // the attacker: sockets from 127.0.0.1 that each keep a request in flight (a blocking
            // playlist reload far ahead), so no timeout frees them
            for (int i = 0; i < PER_ADDRESS; i++) {
                Socket s = connect("127.0.0.1");
                s.getOutputStream().write(("GET /live/held/video/index.m3u8?_HLS_msn=" + (1000 + i)
                        + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                held.add(s);
            }
            Socket extra = connect("127.0.0.1");
            held.add(extra);
            assertTrue(closedWithin(extra, 3000), "the connection past the limit is closed at once");
            // a viewer from another address polls the live playlist as usual
            for (int i = 0; i < 5; i++) {
                String answer = request("127.0.0.2", "GET /live/held/video/index.m3u8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                Thread.sleep(200);
            }
            assertTrue(scrape().matches("(?s).*tributary_http_connections_refused_total\\{listener=\"origin\"} [1-9].*"));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // with the attacker gone, its address may connect again
        TestNode.await("the address admitted again", Duration.ofSeconds(5), () -> {
            try {
                return request("127.0.0.1", "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 200");
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void slowlorisHeadsAndSilentConnectionsAreCut() throws Exception {
        try (Socket silent = connect("127.0.0.3"); Socket trickle = connect("127.0.0.3"); Socket keptAlive = connect("127.0.0.3")) {
            long t0 = System.nanoTime();
            trickle.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            keptAlive.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            boolean trickleCut = false;
            for (int i = 0; i < 20 && !trickleCut; i++) { // a header line every 300 ms: never idle, never complete
                Thread.sleep(300);
                try {
                    trickle.getOutputStream().write(("X-Slow-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    trickle.getOutputStream().flush();
                } catch (IOException e) {
                    trickleCut = true;
                }
            }
            assertTrue(trickleCut || closedWithin(trickle, 1000), "the trickled head is cut");
            assertTrue(closedWithin(silent, 1000), "a connection that never sends a head is cut");
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            assertTrue(seconds < 5, "cut after the 1.5 s header timeout, not the idle timeout: " + seconds + " s");
            // the kept-alive connection got its answer, then nothing: closed after the timeout too
            assertTrue(closedWithin(keptAlive, 3000), "an idle kept-alive connection is cut");
        }
        assertTrue(scrape().matches("(?s).*tributary_http_header_timeouts_total\\{listener=\"origin\"} [1-9].*"));
    }

    /** A viewer's request goes through routes that take the response's end handler over (sessions): still cut after. */
    @Test
    void aKeptAliveConnectionIsCutAfterAViewersRequestToo() throws Exception {
        try (Socket viewer = connect("127.0.0.4")) {
            viewer.getOutputStream().write("GET /live/held/video/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            viewer.getOutputStream().flush();
            long t0 = System.nanoTime();
            assertTrue(closedWithin(viewer, 5000), "the kept-alive viewer connection is cut once idle");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 1000, "not before the 1.5 s header timeout: " + ms + " ms");
        }
    }

    @Test
    void webSocketsAreCappedPerAddress() {
        HttpClient client = HttpClient.newHttpClient();
        List<WebSocket> open = new ArrayList<>();
        // requests to /ws/* that never become WebSockets (no Upgrade) take no place for good
        for (int i = 0; i < 10; i++) {
            assertEquals(400, TestNode.get(node, "/ws/qoe").statusCode());
        }
        try {
            for (int i = 0; i < 3; i++) {
                open.add(client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/qoe"),
                        new WebSocket.Listener() { }).join());
            }
            CompletionException refused = null;
            try {
                open.add(client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/qoe"),
                        new WebSocket.Listener() { }).join());
            } catch (CompletionException e) {
                refused = e;
            }
            assertTrue(refused != null && refused.getCause() instanceof java.net.http.WebSocketHandshakeException h
                    && h.getResponse().statusCode() == 429, "the fourth is refused with 429: " + refused);
        } finally {
            open.forEach(ws -> ws.abort());
        }
        // closed sockets give their places back
        TestNode.await("a WebSocket place again", Duration.ofSeconds(5), () -> {
            try {
                WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/qoe"),
                        new WebSocket.Listener() { }).join();
                ws.abort();
                return true;
            } catch (CompletionException e) {
                return false;
            }
        });
        // and an upgraded connection that closed is no longer counted open (it reports no close of its own)
        TestNode.await("the WebSocket connections counted closed", Duration.ofSeconds(5), () ->
                gauge("tributary_http_connections{listener=\"origin\"}") < 3);
    }

    private double gauge(String series) {
        return scrape().lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(series + " not in /metrics"));
    }

    /** From an address of its own: 127.0.0.1 may be the attacker's, at its limit (HTTP/1.0: no chunked body). */
    private String scrape() {
        try {
            String answer = request("127.0.0.5", "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n");
            return answer.substring(answer.indexOf("\r\n\r\n") + 4);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", node.httpPort()), 3000);
        return s;
    }

    private String request(String from, String request) throws IOException {
        try (Socket s = connect(from)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Whether the server closes {@code s} within {@code millis} (whatever it sent before). */
    private static boolean closedWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        long end = System.currentTimeMillis() + millis;
        try {
            while (System.currentTimeMillis() < end) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
