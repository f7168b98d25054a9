package io.tributary.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Kubernetes headless Service's name resolves to every member pod, this one among them. Here a
 * name resolves to 127.0.0.1 (this member, first) and 127.0.0.2 (the other), through a hosts file
 * given to a child JVM ({@code jdk.net.hosts.file} is read once, before any lookup, so this JVM
 * cannot take it), and two real members on one port try to meet through that name.
 */
class MultiAddressJoinTest {

    private static final String NAME = "tributary-hazelcast.multi-address.test";

    @TempDir
    Path dir;

    @Test
    void kubernetesDnsLookupJoinsTheOtherAddressOfTheName() throws Exception {
        int port = freePortOnBothAddresses();
        String result = probe("dns", port);
        assertEquals("RESULT resolved=127.0.0.1,127.0.0.2 members=127.0.0.1:" + port + ",127.0.0.2:" + port
                + " shared=true", result);
    }

    /** Why the Deployments use DNS lookup: TCP-IP connects to the name's first address only, here itself. */
    @Test
    void tcpIpThroughTheSameNameReachesOnlyItsFirstAddress() throws Exception {
        int port = freePortOnBothAddresses();
        String result = probe("tcpip", port);
        assertEquals("RESULT resolved=127.0.0.1,127.0.0.2 members=127.0.0.1:" + port + " shared=false", result);
    }

    private String probe(String mode, int port) throws IOException, InterruptedException {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1 " + NAME + "\n127.0.0.2 " + NAME + "\n");
        Path log = dir.resolve(mode + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx256m",
                "-Djdk.net.hosts.file=" + hosts,
                // DNS discovery's first join looks for members only this long; 0 would skip it
                "-Dhazelcast.wait.seconds.before.join=1",
                "-Dhazelcast.max.join.seconds=20",
                "-cp", System.getProperty("java.class.path"),
                MultiAddressJoinProbe.class.getName(), mode, NAME, String.valueOf(port)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "probe ended within 90 s");
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        String result = out.lines().filter(l -> l.startsWith("RESULT")).findFirst().orElse("no RESULT");
        assertEquals(0, p.exitValue(), result + "\n" + tail(out));
        return result;
    }

    /** A port free on 127.0.0.1 and 127.0.0.2 (each member binds only its own address). */
    private static int freePortOnBothAddresses() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket a = new ServerSocket()) {
                a.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                try (ServerSocket b = new ServerSocket()) {
                    b.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), a.getLocalPort()));
                    return a.getLocalPort();
                } catch (IOException taken) {
                    // next
                }
            }
        }
        throw new IOException("no port free on both 127.0.0.1 and 127.0.0.2");
    }

    private static String tail(String out) {
        List<String> lines = out.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
