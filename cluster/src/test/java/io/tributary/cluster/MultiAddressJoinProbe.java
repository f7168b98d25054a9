package io.tributary.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Run by {@link MultiAddressJoinTest} in its own JVM, whose {@code jdk.net.hosts.file} makes
 * {@code name} resolve to 127.0.0.1 then 127.0.0.2 (the resolver reads it once, at start).
 * Member "other" is bound on 127.0.0.2 only, as another pod; member "self" is bound on 127.0.0.1,
 * the first address of the name, and starts from {@link ClusterMember#start} untouched.
 * Prints one {@code RESULT} line: the resolved addresses, self's members, and whether a map
 * entry written on "other" is read on "self".
 *
 * <p>Arguments: {@code dns|tcpip name port}.
 */
public final class MultiAddressJoinProbe {

    private MultiAddressJoinProbe() {
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            sleep(60_000);
            System.out.println("RESULT timeout");
            System.exit(3);
        }, "probe-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        boolean dns = args[0].equals("dns");
        String name = args[1];
        int port = Integer.parseInt(args[2]);
        String resolved = Arrays.stream(InetAddress.getAllByName(name)).map(InetAddress::getHostAddress)
                .collect(Collectors.joining(","));

        Config otherConfig = ClusterMember.config(settings(dns, "127.0.0.2", name, port));
        // 127.0.0.2 is loopback but no interface lists it, so interface matching cannot pick it:
        // point the address picker at it (it checks this property before the interfaces)
        otherConfig.setProperty("hazelcast.local.localAddress", "127.0.0.2");
        HazelcastInstance other = Hazelcast.newHazelcastInstance(otherConfig);
        HazelcastInstance self = null;
        try {
            self = ClusterMember.start(settings(dns, "127.0.0.1", name, port));
            long deadline = System.nanoTime() + Duration.ofSeconds(dns ? 15 : 3).toNanos();
            while (self.getCluster().getMembers().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String members = self.getCluster().getMembers().stream()
                    .map(m -> m.getAddress().getHost() + ":" + m.getAddress().getPort()).sorted()
                    .collect(Collectors.joining(","));
            other.getMap(SharedMaps.SESSIONS).set("s1", "from-127.0.0.2");
            boolean shared = "from-127.0.0.2".equals(self.getMap(SharedMaps.SESSIONS).get("s1"));
            System.out.println("RESULT resolved=" + resolved + " members=" + members + " shared=" + shared);
        } finally {
            if (self != null) {
                self.shutdown();
            }
            other.shutdown();
        }
        System.exit(0);
    }

    private static ClusterSettings settings(boolean dns, String host, String name, int port) {
        return dns
                ? new ClusterSettings(true, host, port, List.of(), Duration.ofSeconds(60), name)
                : new ClusterSettings(true, host, port, List.of(name + ":" + port), Duration.ofSeconds(60));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
