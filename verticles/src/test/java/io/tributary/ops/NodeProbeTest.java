package io.tributary.ops;

import io.tributary.Node;
import io.tributary.testing.PgServers;
import io.tributary.testing.TestCertificates;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar tributary.jar probe}, what the image's HEALTHCHECK and the pods' preStop run, against
 * a node serving HTTPS with accounts, as the container would call it: the node's own configuration
 * (here its variables), liveness and readiness over TLS, and a drain with an admin API key.
 */
@Timeout(120)
class NodeProbeTest {

    @TempDir
    static Path dir;
    static TestCertificates.Pair cert;
    static Node node;
    static String pgUrl;

    /** What one probe printed, and its exit status. */
    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void start() {
        pgUrl = PgServers.externalUrl(); // skips without the PostgreSQL at 127.0.0.1:5432
        cert = TestCertificates.create(dir.resolve("tls"), "node");
        node = TestNode.secured(Map.of("TRIBUTARY_PG_URL", pgUrl, "TRIBUTARY_TLS_CERT", cert.cert().toString(),
                "TRIBUTARY_TLS_KEY", cert.key().toString(), "TRIBUTARY_TRANSCODE_LADDER", "none"));
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
        PgServers.drop(pgUrl);
    }

    /** The container's environment: the variables the node was configured with, and the preStop's key. */
    static Run probe(String drainKey, String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_HTTP_HOST", "0.0.0.0"); // as in a container; the probe dials loopback
        env.put("TRIBUTARY_HTTP_PORT", Integer.toString(node.httpPort()));
        env.put("TRIBUTARY_TLS_CERT", cert.cert().toString());
        env.put("TRIBUTARY_TLS_KEY", cert.key().toString());
        if (drainKey != null) {
            env.put("DRAIN_API_KEY", drainKey);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = NodeProbe.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> https(String method, String path, String body, String token) throws Exception {
        SSLContext trust = cert.trustingOnly();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.httpPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newBuilder().sslContext(trust).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void probesOverHttpsAndDrainsWithTheAdminKey() throws Exception {
        Run live = probe(null, "live");
        assertEquals(0, live.status(), live.toString());
        assertTrue(live.out().startsWith("200 https://127.0.0.1:" + node.httpPort() + "/health/live"), live.out());
        assertEquals(0, probe(null, "ready").status(), "a node up and not draining is ready");

        // preStop without the key: refused, and the node keeps serving
        Run anonymous = probe(null, "drain");
        assertEquals(1, anonymous.status(), anonymous.toString());
        assertTrue(anonymous.out().startsWith("401 "), anonymous.out());
        assertEquals(0, probe(null, "ready").status());

        HttpResponse<String> login = https("POST", "/api/v1/auth/login",
                new JsonObject().put("name", TestNode.ADMIN).put("password", TestNode.ADMIN_PASSWORD).encode(), null);
        String admin = new JsonObject(login.body()).getString("accessToken");
        HttpResponse<String> made = https("POST", "/api/v1/api-keys", new JsonObject().put("name", "prestop").put("role", "admin").encode(), admin);
        assertEquals(201, made.statusCode(), made.body());
        String key = new JsonObject(made.body()).getString("key");

        Run drained = probe(key, "drain");
        assertEquals(0, drained.status(), drained.toString());
        assertTrue(drained.out().startsWith("200 ") && drained.out().contains("DRAINING"), drained.out());
        Run notReady = probe(null, "ready");
        assertEquals(1, notReady.status(), "a draining node leaves the Services: " + notReady);
        assertTrue(notReady.out().startsWith("503 "), notReady.out());
        assertEquals(0, probe(null, "live").status(), "and stays alive");
    }

    @Test
    void noNodeOrABadArgumentIsStatusTwo() {
        Map<String, String> env = Map.of("TRIBUTARY_HTTP_PORT", Integer.toString(TestNode.freePort()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, NodeProbe.run(new String[]{"live"}, System.out, e, env));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("probe: no answer from http://127.0.0.1:"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, NodeProbe.run(new String[]{"sideways"}, System.out, e, env));
    }
}
