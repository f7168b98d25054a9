package io.tributary.ssai;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testing.TestCertificates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An https ad URL (VAST, creative, beacon) is connected to the address the guard checked, and TLS still
 * names and verifies the URL's host: the server sees the host in SNI and Host, a certificate for that
 * name is accepted although it names no address, and one for another name is refused.
 */
class AdUrlGuardTlsTest {

    @TempDir
    Path dir;
    Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** An https server on 127.0.0.1 with {@code cert}, answering with the SNI name and Host it saw. */
    private int server(TestCertificates.Pair cert) throws Exception {
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true).setSni(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString())))
                .requestHandler(req -> req.response().end("<VAST version=\"4.0\"/><!-- sni=" + req.connection().indicatedServerName()
                        + " host=" + req.authority() + " -->"));
        return await(server.listen()).actualPort();
    }

    private AdUrlGuard guard() {
        return new AdUrlGuard(vertx, AdAddressPolicy.of(false, List.of("127.0.0.1/32")), new AdMetrics(new SimpleMeterRegistry()),
                "vast", 5_000);
    }

    private static HttpClient client(AdUrlGuard guard, TestCertificates.Pair trusted) {
        return guard.client(new HttpClientOptions().setVerifyHost(true).setTrustAll(false)
                .setTrustOptions(new PemTrustOptions().addCertPath(trusted.cert().toString())), new PoolOptions());
    }

    private static Future<String> fetch(HttpClient client, RequestOptions options) {
        return client.request(options).compose(r -> r.send()).compose(HttpClientResponse::body).map(b -> b.toString());
    }

    @Test
    void anHttpsUrlIsPinnedToItsCheckedAddressAndVerifiedByItsHostName() throws Exception {
        // a certificate naming localhost only: accepted only if TLS checks the URL's name, not the pinned address
        TestCertificates.Pair named = TestCertificates.create(dir, "ads-localhost", "DNS:localhost");
        int port = server(named);
        AdUrlGuard guard = guard();
        RequestOptions options = await(guard.get("https://localhost:" + port + "/vast?sid=1", false));
        assertEquals("127.0.0.1", ((io.vertx.core.net.SocketAddress) options.getServer()).host(), "connected to the address just checked");
        HttpClient client = client(guard, named); // held: an unreachable client is closed by Vert.x
        String body = await(fetch(client, options));
        assertTrue(body.contains("sni=localhost "), body);
        assertTrue(body.contains("host=localhost:" + port), body);
    }

    @Test
    void aCertificateForAnotherNameIsRefused() throws Exception {
        TestCertificates.Pair other = TestCertificates.create(dir, "ads-other", "DNS:ads.other.invalid");
        int port = server(other);
        AdUrlGuard guard = guard();
        RequestOptions options = await(guard.get("https://localhost:" + port + "/vast", false));
        HttpClient client = client(guard, other);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(fetch(client, options)));
        Throwable cause = e.getCause();
        while (cause.getCause() != null && !(cause instanceof SSLHandshakeException)) {
            cause = cause.getCause();
        }
        assertInstanceOf(SSLHandshakeException.class, cause, "refused in the handshake: " + e.getCause());
    }

    @Test
    void aLoopbackUrlWithoutAnAllowanceIsRefusedBeforeAnyConnection() throws Exception {
        AdUrlGuard strict = new AdUrlGuard(vertx, AdAddressPolicy.of(false, List.of()), new AdMetrics(new SimpleMeterRegistry()),
                "vast", 5_000);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(strict.get("https://localhost:9/vast", false)));
        assertTrue(e.getCause().getMessage().contains("loopback"), e.getCause().getMessage());
    }
}
