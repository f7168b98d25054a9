package io.tributary.grpc;

import io.tributary.Node;
import io.tributary.testing.PgServers;
import io.tributary.testing.TestCertificates;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tributary.grpc.GrpcControlClusterTest.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gRPC control plane on a node with a certificate (made by openssl) and accounts: {@code ctl --tls}
 * with {@code --ca} trusting it gets answers over HTTP/2 over TLS; a plaintext client and a client
 * trusting only the JVM's store get none; a certificate replaced on disk is served without restart.
 * And a user's calls take from the same rate-limit bucket as its REST requests.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcTlsTest {

    /** The user bucket of this node: small, and a period no test outlasts. */
    static final int USER_LIMIT = 12;

    @TempDir
    static Path dir;
    static TestCertificates.Pair first;
    static TestCertificates.Pair second;
    static Path liveCert;
    static Path liveKey;
    static Node node;
    static String pgUrl;
    static String admin;

    @BeforeAll
    static void start() throws IOException {
        pgUrl = PgServers.externalUrl(); // skips without the PostgreSQL at 127.0.0.1:5432
        first = TestCertificates.create(dir.resolve("a"), "first");
        second = TestCertificates.create(dir.resolve("b"), "second");
        liveCert = dir.resolve("tls.crt");
        liveKey = dir.resolve("tls.key");
        Files.copy(first.cert(), liveCert);
        Files.copy(first.key(), liveKey);
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_PG_URL", pgUrl);
        env.put("TRIBUTARY_TLS_CERT", liveCert.toString());
        env.put("TRIBUTARY_TLS_KEY", liveKey.toString());
        env.put("TRIBUTARY_TLS_RELOAD_INTERVAL", "200ms");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_RATELIMIT_USER", Integer.toString(USER_LIMIT));
        env.put("TRIBUTARY_RATELIMIT_PERIOD", "30m");
        node = TestNode.secured(env);
        admin = login("admin", TestNode.ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
        PgServers.drop(pgUrl);
    }

    /** Signs in over HTTPS (the node's HTTP listener serves TLS too). */
    static String login(String name, String password) {
        try {
            var r = java.net.http.HttpClient.newBuilder().sslContext(trustingBoth()).version(java.net.http.HttpClient.Version.HTTP_1_1)
                    .build().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + node.httpPort() + "/api/v1/auth/login"))
                            .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                    new JsonObject().put("name", name).put("password", password).encode())).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return new JsonObject(r.body()).getString("accessToken");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Run ctl(String token, String... words) {
        List<String> args = new ArrayList<>(List.of("--server", "127.0.0.1:" + node.grpcPort()));
        if (token != null) {
            args.addAll(List.of("--token", token));
        }
        args.addAll(List.of(words));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Ctl.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Order(1)
    void ctlWithTheCaGetsAnswersOverTls() {
        Run listed = ctl(admin, "--ca", first.cert().toString(), "nodes", "list");
        assertEquals(0, listed.status(), listed.err());
        assertTrue(listed.out().startsWith("NODE\tSELF\t"), listed.out());
        // what this node does not run is said so, in gRPC's terms
        Run noDvr = ctl(admin, "--ca", first.cert().toString(), "recordings", "list", "cam");
        assertTrue(noDvr.status() == 1 && noDvr.err().startsWith("ctl: UNIMPLEMENTED: this node records no streams"), noDvr.toString());
        Run noVod = ctl(admin, "--tls", "--ca", first.cert().toString(), "assets", "list");
        assertTrue(noVod.err().startsWith("ctl: UNIMPLEMENTED: "), noVod.toString());
    }

    @Test
    @Order(2)
    void plaintextAndUntrustedClientsGetNoAnswer() {
        Run plain = ctl(admin, "nodes", "list");
        assertEquals(2, plain.status(), plain.toString());
        assertTrue(plain.err().startsWith("ctl: no answer from "), plain.err());
        assertEquals("", plain.out());
        // the JVM's trust store knows no self-signed certificate
        Run untrusted = ctl(admin, "--tls", "nodes", "list");
        assertEquals(2, untrusted.status(), untrusted.toString());
        assertEquals("", untrusted.out());
        Run wrongCa = ctl(admin, "--ca", second.cert().toString(), "nodes", "list");
        assertEquals(2, wrongCa.status(), wrongCa.toString());
        Run missingCa = ctl(admin, "--ca", dir.resolve("nowhere.pem").toString(), "nodes", "list");
        assertTrue(missingCa.status() == 2 && missingCa.err().startsWith("ctl: --ca: cannot read "), missingCa.toString());
    }

    @Test
    @Order(3)
    void aCertificateReplacedOnDiskIsServedWithoutRestart() throws IOException {
        replace(second.cert(), liveCert);
        replace(second.key(), liveKey);
        TestNode.await("the new certificate on the gRPC listener", Duration.ofSeconds(10),
                () -> ctl(admin, "--ca", second.cert().toString(), "nodes", "list").status() == 0);
        assertEquals(2, ctl(admin, "--ca", first.cert().toString(), "nodes", "list").status(), "the old one is gone");
    }

    @Test
    @Order(4)
    void aUsersCallsTakeFromItsRestBucket() {
        var made = send("POST", "/api/v1/users", new JsonObject().put("name", "scripter").put("password", "scripter-password")
                .put("role", "viewer").encode(), admin);
        assertEquals(201, made.statusCode(), made.body());
        String user = login("scripter", "scripter-password");
        String ca = second.cert().toString(); // served since the test before
        // one REST request, then gRPC calls up to the limit
        assertEquals(200, send("GET", "/api/v1/auth/me", null, user).statusCode());
        for (int i = 1; i < USER_LIMIT; i++) {
            Run r = ctl(user, "--ca", ca, "streams", "list");
            assertEquals(0, r.status(), "call " + i + ": " + r.err());
        }
        Run over = ctl(user, "--ca", ca, "streams", "list");
        assertEquals(1, over.status(), over.toString());
        assertTrue(over.err().startsWith("ctl: RESOURCE_EXHAUSTED: too many calls for this user") && over.err().contains("retry in "),
                over.err());
        // the same bucket: REST refuses it too; another user is not held back
        var rest = send("GET", "/api/v1/auth/me", null, user);
        assertEquals(429, rest.statusCode(), rest.body());
        assertEquals(0, ctl(admin, "--ca", ca, "streams", "list").status());
    }

    static java.net.http.HttpResponse<String> send(String method, String path, String body, String token) {
        try {
            var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + node.httpPort() + path))
                    .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                            : java.net.http.HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + token);
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            return java.net.http.HttpClient.newBuilder().sslContext(trustingBoth()).version(java.net.http.HttpClient.Version.HTTP_1_1)
                    .build().send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** REST around the calls: whichever of the two certificates the node serves at the time. */
    static javax.net.ssl.SSLContext trustingBoth() throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("first", first.x509());
        ks.setCertificateEntry("second", second.x509());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static void replace(Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
