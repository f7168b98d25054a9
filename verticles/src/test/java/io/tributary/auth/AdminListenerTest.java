package io.tributary.auth;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With admin.port set, the operator API and /metrics are there (loopback), and gone from http.port;
 * with a certificate, the admin listener speaks HTTPS like the others.
 */
@Timeout(180)
class AdminListenerTest {

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void operatorRoutesAndMetricsMoveToTheAdminListener() throws Exception {
        int adminPort = TestNode.freePort();
        Node node = TestNode.secured(Map.of("TRIBUTARY_ADMIN_PORT", Integer.toString(adminPort)));
        try {
            String admin = TestNode.adminToken(node); // sign-in stays on http.port
            String base = "http://127.0.0.1:" + adminPort;
            assertEquals(200, get(base + "/api/v1/verticles", admin).statusCode());
            assertEquals(401, get(base + "/api/v1/verticles", null).statusCode(), "the same guard on the admin listener");
            assertTrue(get(base + "/metrics", null).body().contains("tributary_"), "Prometheus scrapes the admin listener");

            HttpResponse<String> moved = TestNode.send(node, "GET", "/api/v1/verticles", null, admin);
            assertEquals(404, moved.statusCode());
            assertTrue(moved.body().contains("admin listener"), moved.body());
            assertEquals(404, TestNode.send(node, "POST", "/api/v1/node/drain", "{}", admin).statusCode());
            assertEquals(404, TestNode.get(node, "/metrics").statusCode());
            // what players and editors use stays on http.port
            assertEquals(200, TestNode.get(node, "/api/v1/streams").statusCode());
            assertEquals(201, TestNode.send(node, "POST", "/api/v1/streams", "{\"name\":\"cam\"}", admin).statusCode());
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void withACertificateTheAdminListenerIsHttpsOnly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.tributary.testing.TestCertificates.Pair pair = io.tributary.testing.TestCertificates.create(dir, "admin");
        int adminPort = TestNode.freePort();
        Node node = TestNode.secured(Map.of("TRIBUTARY_ADMIN_PORT", Integer.toString(adminPort),
                "TRIBUTARY_TLS_CERT", pair.cert().toString(), "TRIBUTARY_TLS_KEY", pair.key().toString()));
        try {
            java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder().sslContext(pair.trustingOnly())
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + adminPort + "/metrics"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("tributary_"), "Prometheus scrapes it over HTTPS");
            assertTrue(metrics.headers().firstValue("Strict-Transport-Security").isPresent(), "HSTS as on the other listeners");
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> get("http://127.0.0.1:" + adminPort + "/metrics", null), "no plain HTTP on it");
        } finally {
            TestNode.stop(node);
        }
    }
}
