package io.tributary.http;

import io.tributary.Node;
import io.tributary.StatusException;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request flood from one address on one kept-alive connection, media and API alike: past the
 * per-address rate the gate answers 429 with {@code Retry-After: 1} before any route runs, the
 * bucket refills with time, and the cluster's own members (here the one member, on loopback) are
 * never limited.
 */
class RequestRateTest {

    private static final int RATE = 20;

    @Test
    void aFloodFromOneAddressGets429WhileClusterPeersAndOtherAddressesAreServed() throws Exception {
        Node node = TestNode.start(Map.of("TRIBUTARY_HTTP_MAX_REQUEST_RATE_PER_ADDRESS", Integer.toString(RATE)));
        try (KeptAlive flooder = new KeptAlive("127.0.0.2", node.httpPort());
             KeptAlive peer = new KeptAlive("127.0.0.1", node.httpPort())) {
            int served = 0;
            int refused = 0;
            long start = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                Answer r = flooder.get("/live/nobody/index.m3u8");
                if (r.status() == 429) {
                    refused++;
                    assertEquals("1", r.headers().get("retry-after"));
                    assertTrue(r.body().startsWith("too many requests from this address (limit 20 per second)"), r.body());
                } else {
                    assertEquals(404, r.status(), r.body()); // the route ran: the stream is not live
                    served++;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // a bucket of two seconds' worth, refilled at the rate while the flood lasted
            assertTrue(served >= 2 * RATE && served <= 2 * RATE + RATE * seconds + 1,
                    served + " served in " + seconds + " s");
            assertTrue(refused > 0, "nothing refused");

            // on the API the refusal is problem details
            Answer api = flooder.get("/api/v1/streams");
            for (int i = 0; i < 100 && api.status() != 429; i++) {
                api = flooder.get("/api/v1/streams");
            }
            assertEquals(429, api.status());
            assertEquals(StatusException.PROBLEM_JSON, api.headers().get("content-type"));
            assertTrue(api.body().contains("\"status\":429"), api.body());

            // a second later the address is served again
            Thread.sleep(1100);
            assertEquals(404, flooder.get("/live/nobody/index.m3u8").status());

            // the member's own address (loopback on the embedded default) is a peer: never limited
            for (int i = 0; i < 150; i++) {
                assertEquals(404, peer.get("/live/nobody/index.m3u8").status(), "peer request " + i);
            }
            assertTrue(Scrape.of(node).value("tributary_http_requests_refused_total", "listener=\"origin\"") >= refused);
        } finally {
            TestNode.stop(node);
        }
    }

    private record Answer(int status, Map<String, String> headers, String body) {
    }

    /** One kept-alive HTTP/1.1 connection from {@code localAddress}, one request at a time. */
    private static final class KeptAlive implements AutoCloseable {

        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        KeptAlive(String localAddress, int port) throws IOException {
            socket.bind(new InetSocketAddress(localAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        Answer get(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = line();
            Map<String, String> headers = new HashMap<>();
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            return new Answer(Integer.parseInt(status.substring(9, 12)), headers,
                    new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
