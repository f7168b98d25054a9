package io.tributary.tls;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.cluster.ClusterSettings;
import io.tributary.config.ConfigException;
import io.tributary.testing.TestCertificates;
import io.tributary.testing.TestNode;
import io.tributary.topology.ClusterJoin;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clustered event bus over mutual TLS, between real clustered Vert.x instances on their
 * Hazelcast members: a member with the certificate is answered; a member that knows the join secret
 * but has no certificate, and a TLS client presenting none, are refused.
 */
class EventBusTlsTest {

    private static final String SECRET = "event-bus-test-join-secret";

    @TempDir
    static Path dir;
    private static TestCertificates.Pair cert;
    private final List<ClusterJoin.Joined> members = new ArrayList<>();

    @BeforeAll
    static void certificate() {
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
        cert = TestCertificates.create(dir, "member");
    }

    @AfterAll
    static void clear() {
        System.clearProperty("hazelcast.wait.seconds.before.join");
    }

    @AfterEach
    void leave() throws Exception {
        for (ClusterJoin.Joined j : members) {
            ClusterJoin.leave(j.vertx(), j.hazelcast()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void onlyAPeerWithTheCertificateIsAnswered() throws Exception {
        int[] ports = TestNode.freePorts(4);
        List<String> all = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]);
        NodeTls tls = NodeTls.load(new TlsSettings(cert.cert(), cert.key(), cert.cert(), Set.of("TLSv1.3"), Duration.ZERO,
                Duration.ofSeconds(10), true, -1));
        ClusterJoin.Joined a = join(settings(ports[0], all).withEventBusPort(ports[3]), tls);
        a.vertx().eventBus().<String>consumer("tls.echo", m -> m.reply("echo " + m.body()));
        ClusterJoin.Joined withCert = join(settings(ports[1], all), tls);
        ClusterJoin.Joined withoutCert = join(settings(ports[2], all), NodeTls.OFF);
        // all three are Hazelcast members (the secret is known to each): only TLS tells them apart
        assertEquals(3, a.hazelcast().getCluster().getMembers().size());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String reply = null;
        while (reply == null && System.nanoTime() < deadline) {
            reply = await(withCert.vertx().eventBus().<String>request("tls.echo", "hi", new DeliveryOptions().setSendTimeout(2000))
                    .map(m -> m.body()).otherwise((String) null));
        }
        assertEquals("echo hi", reply, "a member with the certificate is answered");
        assertThrows(Exception.class, () -> await(withoutCert.vertx().eventBus()
                .<String>request("tls.echo", "hi", new DeliveryOptions().setSendTimeout(3000))), "a member without the certificate is not");

        // a TLS client that trusts the node but presents no certificate: the server ends the exchange
        try (SSLSocket s = (SSLSocket) cert.trustingOnly().getSocketFactory().createSocket("127.0.0.1", ports[3])) {
            s.setSoTimeout(5000);
            s.setEnabledProtocols(new String[]{"TLSv1.3"});
            boolean refused;
            try {
                s.startHandshake(); // TLS 1.3: the client's side ends before the server checks its certificate
                // the server's alert arrives on the first read; a server not asking for one would stay silent (a timeout)
                InputStream in = s.getInputStream();
                refused = in.read() < 0;
            } catch (SSLException | SocketException e) {
                refused = true;
            }
            assertTrue(refused, "a peer without a certificate is refused");
        }
    }

    @Test
    void aClusteredNodeWithoutAJoinSecretRefusesToStartAndPrintsOne() {
        Exception e = assertThrows(Exception.class, () -> await(ClusterJoin.join(
                new ClusterSettings(true, "127.0.0.1", TestNode.freePort(), List.of(), Duration.ofSeconds(60)), new SimpleMeterRegistry())));
        Throwable cause = e instanceof ConfigException ? e : e.getCause();
        assertTrue(cause instanceof ConfigException && cause.getMessage().startsWith("cluster.secret is empty")
                && cause.getMessage().matches(".*a fresh one: [0-9a-f]{64}$"), String.valueOf(cause));
    }

    private static ClusterSettings settings(int port, List<String> members) {
        return new ClusterSettings(true, "127.0.0.1", port, members, Duration.ofSeconds(60)).withSecret("tributary", SECRET);
    }

    private ClusterJoin.Joined join(ClusterSettings s, NodeTls tls) throws Exception {
        ClusterJoin.Joined j = await(ClusterJoin.join(s, tls, new SimpleMeterRegistry()));
        members.add(j);
        return j;
    }

    private static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }
}
