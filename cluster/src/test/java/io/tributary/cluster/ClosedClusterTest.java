package io.tributary.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The cluster closed to outsiders, with real Hazelcast processes' code: an outside Hazelcast
 * client knowing the member's address and even its cluster name gets no connection, and a member
 * with the wrong join secret forms a cluster of its own that never sees the deployment's maps.
 */
class ClosedClusterTest {

    private static final String SECRET = "s3cret-of-this-deployment";

    @BeforeAll
    static void noJoinWait() {
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
    }

    @AfterAll
    static void clear() {
        System.clearProperty("hazelcast.wait.seconds.before.join");
    }

    @Test
    void anOutsideHazelcastClientCannotConnectToAMember() {
        int port = freePort();
        ClusterSettings s = settings(port, List.of("127.0.0.1:" + port), SECRET);
        HazelcastInstance member = ClusterMember.start(s);
        try {
            member.getMap(SharedMaps.STREAMS).set("demo", "http://127.0.0.1:8080");
            // the attacker of the issue: the right address and even the right cluster name
            ClientConfig outsider = client(ClusterMember.clusterName(s.name(), s.secret()), port);
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> HazelcastClient.newHazelcastClient(outsider));
            assertEquals(true, refused.getMessage().contains("Unable to connect"), refused.getMessage());
        } finally {
            member.shutdown();
        }
    }

    @Test
    void theSameClientConnectsToAMemberWithHazelcastsDefaultNetwork() {
        // the control for the test above: its client would connect if the member port spoke the client protocol
        int port = freePort();
        Config open = ClusterMember.config(settings(port, List.of("127.0.0.1:" + port), SECRET));
        open.getAdvancedNetworkConfig().setEnabled(false);
        open.getNetworkConfig().setPort(port).setPortAutoIncrement(false).getJoin().getMulticastConfig().setEnabled(false);
        open.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        open.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        HazelcastInstance member = Hazelcast.newHazelcastInstance(open);
        try {
            HazelcastInstance client = HazelcastClient.newHazelcastClient(client(open.getClusterName(), port));
            try {
                assertEquals(1, client.getCluster().getMembers().size());
            } finally {
                client.shutdown();
            }
        } finally {
            member.shutdown();
        }
    }

    @Test
    void aMemberWithTheWrongSecretNeverSeesTheMaps() {
        int a = freePort();
        int b = freePort();
        int c = freePort();
        List<String> all = List.of("127.0.0.1:" + a, "127.0.0.1:" + b, "127.0.0.1:" + c);
        HazelcastInstance one = ClusterMember.start(settings(a, all, SECRET));
        HazelcastInstance intruder = null;
        HazelcastInstance two = null;
        try {
            one.getMap(SharedMaps.STREAMS).set("demo", "http://127.0.0.1:8080");
            intruder = ClusterMember.start(settings(b, all, "guessed"));
            two = ClusterMember.start(settings(c, all, SECRET));
            // the member with the secret joins and reads the registry; the intruder stays alone and reads nothing
            assertEquals(2, one.getCluster().getMembers().size());
            assertEquals("http://127.0.0.1:8080", two.getMap(SharedMaps.STREAMS).get("demo"));
            assertEquals(1, intruder.getCluster().getMembers().size());
            assertNull(intruder.getMap(SharedMaps.STREAMS).get("demo"));
            // and what it writes reaches nobody
            intruder.getMap(SharedMaps.NODES).set("evil", "http://attacker.example");
            assertNull(one.getMap(SharedMaps.NODES).get("evil"));
            assertNotEquals(ClusterMember.clusterName("tributary", SECRET), ClusterMember.clusterName("tributary", "guessed"));
        } finally {
            for (HazelcastInstance h : new HazelcastInstance[]{two, intruder, one}) {
                if (h != null) {
                    h.shutdown();
                }
            }
        }
    }

    private static ClusterSettings settings(int port, List<String> members, String secret) {
        return new ClusterSettings(true, "127.0.0.1", port, members, Duration.ofSeconds(60), "", "tributary", secret, 0);
    }

    private static ClientConfig client(String clusterName, int port) {
        ClientConfig cc = new ClientConfig().setClusterName(clusterName);
        cc.setProperty("hazelcast.logging.type", "slf4j");
        cc.getNetworkConfig().addAddress("127.0.0.1:" + port).setConnectionTimeout(2000);
        cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(5000);
        return cc;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
