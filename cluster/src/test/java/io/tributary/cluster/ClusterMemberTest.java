package io.tributary.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterMemberTest {

    private static ServerSocketEndpointConfig memberEndpoint(Config c) {
        return (ServerSocketEndpointConfig) c.getAdvancedNetworkConfig().getEndpointConfigs().get(EndpointQualifier.MEMBER);
    }

    @Test
    void configFollowsTheHouseRules() {
        Config c = ClusterMember.config(new ClusterSettings(true, "127.0.0.1", 5901, List.of("127.0.0.1:5902"), Duration.ofSeconds(90)));
        assertEquals("false", c.getProperty("hazelcast.phone.home.enabled"));
        assertEquals("false", c.getProperty("hazelcast.socket.bind.any"));
        var join = c.getAdvancedNetworkConfig().getJoin();
        assertFalse(join.getMulticastConfig().isEnabled());
        assertFalse(join.getAutoDetectionConfig().isEnabled());
        assertTrue(join.getTcpIpConfig().isEnabled());
        assertFalse(join.getKubernetesConfig().isEnabled());
        assertEquals(List.of("127.0.0.1:5902"), join.getTcpIpConfig().getMembers());
        assertEquals(List.of("127.0.0.1"), List.copyOf(memberEndpoint(c).getInterfaces().getInterfaces()));
        assertEquals(1, c.getMapConfig(SharedMaps.SESSIONS).getBackupCount());
        assertEquals(90, c.getMapConfig(SharedMaps.SESSIONS).getTimeToLiveSeconds());
    }

    @Test
    void kubernetesServiceDnsReplacesTcpIpWithDnsLookupOnTheMemberPort() {
        Config c = ClusterMember.config(new ClusterSettings(true, "10.1.2.3", 5701, List.of(), Duration.ofSeconds(90),
                "tributary-hazelcast.tributary.svc.cluster.local"));
        var join = c.getAdvancedNetworkConfig().getJoin();
        assertFalse(join.getTcpIpConfig().isEnabled());
        assertFalse(join.getMulticastConfig().isEnabled());
        assertFalse(join.getAutoDetectionConfig().isEnabled());
        assertTrue(join.getKubernetesConfig().isEnabled());
        assertEquals("tributary-hazelcast.tributary.svc.cluster.local", join.getKubernetesConfig().getProperty("service-dns"));
        assertEquals("5701", join.getKubernetesConfig().getProperty("service-port"));
        assertFalse(memberEndpoint(c).isPortAutoIncrement(), "discovery looks on service-port only");
        assertEquals(List.of("10.1.2.3"), List.copyOf(memberEndpoint(c).getInterfaces().getInterfaces()));
        assertEquals("false", c.getProperty("hazelcast.socket.bind.any"));
        // a disabled cluster joins nobody, whatever the name
        Config alone = ClusterMember.config(new ClusterSettings(false, "127.0.0.1", 5701, List.of(), Duration.ofSeconds(90), "hz.local"));
        assertFalse(alone.getAdvancedNetworkConfig().getJoin().getKubernetesConfig().isEnabled());
        assertFalse(alone.getAdvancedNetworkConfig().getJoin().getTcpIpConfig().isEnabled());
    }

    @Test
    void embeddedMemberIsAloneAndServesTheSessionsMap() {
        HazelcastInstance hz = ClusterMember.start(ClusterSettings.embedded());
        try {
            assertEquals(1, hz.getCluster().getMembers().size());
            assertEquals("127.0.0.1", hz.getCluster().getLocalMember().getAddress().getHost());
            IMap<String, String> sessions = hz.getMap(SharedMaps.SESSIONS);
            sessions.set("s1", "{}");
            assertEquals("{}", sessions.get("s1"));
        } finally {
            hz.shutdown();
        }
    }

    @Test
    void twoEnabledMembersJoinOverTcpIpAndShareSessions() {
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
        int a = freePort();
        int b = freePort();
        List<String> members = List.of("127.0.0.1:" + a, "127.0.0.1:" + b);
        HazelcastInstance one = ClusterMember.start(new ClusterSettings(true, "127.0.0.1", a, members, Duration.ofSeconds(60)));
        HazelcastInstance two = null;
        try {
            two = ClusterMember.start(new ClusterSettings(true, "127.0.0.1", b, members, Duration.ofSeconds(60)));
            assertEquals(2, one.getCluster().getMembers().size());
            one.<String, String>getMap(SharedMaps.SESSIONS).set("s1", "{\"stream\":\"demo\"}");
            assertEquals("{\"stream\":\"demo\"}", two.<String, String>getMap(SharedMaps.SESSIONS).get("s1"));
        } finally {
            if (two != null) {
                two.shutdown();
            }
            one.shutdown();
            System.clearProperty("hazelcast.wait.seconds.before.join");
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
