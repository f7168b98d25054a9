package io.tributary.http;

import io.tributary.Node;
import io.tributary.config.ConfigException;
import io.tributary.playback.PlaybackToken;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * X-Forwarded-For names the client only when the connection comes from a trusted proxy
 * ({@code http.trusted-proxies}): for the API's per-address rate limit and for signed URLs bound to
 * an address, seen through a real node on loopback (the test client is the "proxy" at 127.0.0.1).
 */
class TrustedProxiesTest {

    private static final String SECRET = "cms-shared-secret-0123456789";

    @Test
    void entriesAreAddressesOrCidrsAndNothingIsResolved() {
        TrustedProxies p = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));
        assertTrue(p.trusted(TrustedProxies.literal("10.200.3.4")));
        assertTrue(p.trusted(TrustedProxies.literal("192.168.1.7")));
        assertTrue(!p.trusted(TrustedProxies.literal("192.168.1.8")));
        assertTrue(p.trusted(TrustedProxies.literal("fd12::1")));
        assertTrue(!p.trusted(TrustedProxies.literal("2001:db8::1")));
        assertArrayEquals(new byte[]{(byte) 203, 0, 113, 7}, TrustedProxies.literal("[::ffff:203.0.113.7]"));
        assertNull(TrustedProxies.literal("localhost"), "a name is never looked up");
        assertNull(TrustedProxies.literal("1.2.3"));
        assertNull(TrustedProxies.literal("256.1.1.1"));
        assertNull(TrustedProxies.literal("fe80::1%eth0"));
        assertThrows(ConfigException.class, () -> TrustedProxies.parse(List.of("proxy.example")));
        assertThrows(ConfigException.class, () -> TrustedProxies.parse(List.of("10.0.0.0/33")));
        assertThrows(ConfigException.class, () -> TestNode.start(Map.of("TRIBUTARY_HTTP_TRUSTED_PROXIES", "10.0.0.0/x")));
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBucket() {
        Node node = TestNode.start(Map.of("TRIBUTARY_RATELIMIT_ANONYMOUS", "3",
                "TRIBUTARY_HTTP_TRUSTED_PROXIES", "127.0.0.1/32, ::1"));
        try {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get(node, "/api/v1/streams", "203.0.113.7").statusCode());
            }
            assertEquals(429, get(node, "/api/v1/streams", "203.0.113.7").statusCode(), "the client's fourth");
            assertEquals(200, get(node, "/api/v1/streams", "203.0.113.8").statusCode(), "another client behind the proxy");
            // a client's own header is read right to left: what it wrote before the proxy's entry is not its address
            assertEquals(429, get(node, "/api/v1/streams", "198.51.100.1, 203.0.113.7").statusCode());
            // the proxy's own requests (no header) are its own bucket
            assertEquals(200, get(node, "/api/v1/streams", null).statusCode());
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void fromAnUntrustedPeerTheHeaderChangesNothing() {
        Node node = TestNode.start(Map.of("TRIBUTARY_RATELIMIT_ANONYMOUS", "3"));
        try {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get(node, "/api/v1/streams", "203.0.113." + i).statusCode());
            }
            assertEquals(429, get(node, "/api/v1/streams", "203.0.113.99").statusCode(),
                    "a new X-Forwarded-For is no new bucket when the sender is not a trusted proxy");
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void aSignedUrlBoundToTheViewersAddressWorksThroughTheTrustedProxyOnly() {
        PlaybackToken cms = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8));
        long exp = System.currentTimeMillis() / 1000 + 300;
        String bound = cms.mint(new PlaybackToken.Claims(PlaybackToken.Kind.STREAM, "sig-x", exp, "203.0.113.7"));
        String path = "/live/sig-x/index.m3u8?token=" + bound;
        Map<String, String> signed = Map.of("TRIBUTARY_PLAYBACK_SECRET", SECRET, "TRIBUTARY_PLAYBACK_ACCESS_RULES", "sig-*=signed");

        Node trusting = TestNode.start(merge(signed, Map.of("TRIBUTARY_HTTP_TRUSTED_PROXIES", "127.0.0.0/8")));
        try {
            // past the token check: the stream is not live, so 404 rather than 403
            assertEquals(404, get(trusting, path, "203.0.113.7").statusCode(), "the viewer's address, forwarded");
            assertEquals(403, get(trusting, path, "203.0.113.9").statusCode(), "another viewer's");
            assertEquals(403, get(trusting, path, null).statusCode(), "the proxy's own address");
        } finally {
            TestNode.stop(trusting);
        }
        Node plain = TestNode.start(signed);
        try {
            assertEquals(403, get(plain, path, "203.0.113.7").statusCode(), "a header from an untrusted peer is ignored");
        } finally {
            TestNode.stop(plain);
        }
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new java.util.HashMap<>(a);
        m.putAll(b);
        return m;
    }

    private static HttpResponse<String> get(Node node, String path, String forwardedFor) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20)).GET();
        if (forwardedFor != null) {
            b.header("X-Forwarded-For", forwardedFor);
        }
        try {
            HttpResponse<String> r = TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertNotEquals(500, r.statusCode(), r.body());
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
