package io.tributary.config;

import io.tributary.cluster.Role;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Roles, edge and router keys, and the TRIBUTARY_CLUSTER switch. */
class TopologyConfigTest {

    @Test
    void defaultsAreAllRolesOnTheirOwnPorts() {
        TributaryConfig c = TributaryConfig.load(null, Map.of());
        assertEquals(EnumSet.of(Role.ORIGIN, Role.EDGE, Role.ROUTER), c.topology().roles());
        assertEquals(8080, c.http().port());
        assertEquals(8081, c.topology().edge().port());
        assertEquals(8082, c.topology().router().port());
        assertEquals(io.tributary.router.RouterSettings.Mode.REDIRECT, c.topology().router().mode());
        assertEquals(Duration.ofSeconds(30), c.topology().router().health().failTimeout());
        assertEquals("127.0.0.1", c.topology().advertiseHost(), "cluster.host when advertise-host is empty");
    }

    @Test
    void theIssuesSwitchRolesAndAdvertisedHostFromTheEnvironment() {
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER", "true", "TRIBUTARY_ROLES", "edge, router",
                "TRIBUTARY_CLUSTER_ADVERTISE_HOST", "edge-1.example", "TRIBUTARY_ROUTER_MODE", "proxy"));
        assertTrue(c.cluster().enabled());
        assertEquals(Set.of(Role.EDGE, Role.ROUTER), c.topology().roles());
        assertFalse(c.topology().has(Role.ORIGIN));
        assertEquals("edge-1.example", c.topology().advertiseHost());
        assertEquals(io.tributary.router.RouterSettings.Mode.PROXY, c.topology().router().mode());
        // the explicit key wins over the alias
        assertFalse(TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER", "true", "TRIBUTARY_CLUSTER_ENABLED", "false"))
                .cluster().enabled());
    }

    @Test
    void badValuesAreNamed() {
        assertEquals("config key 'roles': expected a list of origin, edge, router (or worker alone), got 'origin,cache'",
                assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_ROLES", "origin,cache")))
                        .getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_EDGE_PORT", "8080")))
                .getMessage().startsWith("config key 'edge.port': expected a port other than http.port"));
        assertTrue(assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_ROUTER_PORT", "8081")))
                .getMessage().startsWith("config key 'router.port'"));
        assertTrue(assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_ROUTER_MODE", "teleport")))
                .getMessage().startsWith("config key 'router.mode'"));
        assertTrue(assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER", "maybe")))
                .getMessage().startsWith("config key 'cluster.enabled'"));
        // an edge-only node may reuse the router's default port number for its edge: nothing else listens there
        assertEquals(8082, TributaryConfig.load(null, Map.of("TRIBUTARY_ROLES", "edge", "TRIBUTARY_EDGE_PORT", "8082"))
                .topology().edge().port());
    }

    @Test
    void kubernetesServiceDnsReplacesTheTcpIpList() {
        assertEquals("", TributaryConfig.load(null, Map.of()).cluster().kubernetesServiceDns(), "TCP-IP by default");
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER_ENABLED", "true",
                "TRIBUTARY_CLUSTER_KUBERNETES_SERVICE_DNS", " tributary-hazelcast.tributary.svc.cluster.local "));
        assertEquals("tributary-hazelcast.tributary.svc.cluster.local", c.cluster().kubernetesServiceDns());
        assertTrue(c.cluster().kubernetesDns());
        assertFalse(TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER_KUBERNETES_SERVICE_DNS", "hz.local"))
                .cluster().kubernetesDns(), "a disabled cluster joins nobody");
        assertEquals("config key 'cluster.kubernetes-service-dns': expected a DNS name without port, e.g. "
                        + "tributary-hazelcast.tributary.svc.cluster.local (the port is cluster.port), got 'hz.local:5701'",
                assertThrows(ConfigException.class, () -> TributaryConfig.load(null,
                        Map.of("TRIBUTARY_CLUSTER_KUBERNETES_SERVICE_DNS", "hz.local:5701"))).getMessage());
        assertEquals("config key 'cluster.members': expected an empty list when cluster.kubernetes-service-dns is set, "
                        + "got '10.0.0.1:5701'",
                assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER_MEMBERS",
                        "10.0.0.1:5701", "TRIBUTARY_CLUSTER_KUBERNETES_SERVICE_DNS", "hz.local"))).getMessage());
    }
}
