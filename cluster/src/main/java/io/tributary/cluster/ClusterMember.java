package io.tributary.cluster;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * This node's Hazelcast member: the configuration (loopback bind, TCP-IP join or Kubernetes
 * DNS lookup, no multicast, no auto-detection, no phone-home) and a blocking start. The instance can later
 * back Vert.x's own cluster manager too ({@code new HazelcastClusterManager(instance)}).
 *
 * <p>Closed to outsiders as far as the open-source edition allows: the member port speaks the member
 * protocol only (an advanced network with a MEMBER endpoint and no CLIENT one, so no Hazelcast client
 * connects), no REST or memcache endpoint, and the cluster name a member must present to join is
 * derived from the deployment's name and join secret, so a member without the secret forms a cluster
 * of its own. The member protocol itself is plaintext: the network policy covers it (README).
 */
public final class ClusterMember {

    public static final String CLUSTER_NAME = ClusterSettings.DEFAULT_NAME;
    /** The member attribute Vert.x's cluster manager reads its node id from when given a running instance. */
    static final String VERTX_NODE_ID = "__vertx.nodeId";

    private ClusterMember() {
    }

    public static Config config(ClusterSettings s) {
        Config c = new Config();
        // an embedded member must never meet another process's embedded member
        c.setClusterName(s.enabled() ? clusterName(s.name(), s.secret()) : CLUSTER_NAME + "-" + UUID.randomUUID());
        c.setInstanceName("tributary-" + UUID.randomUUID());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.logging.type", "slf4j"); // the node's Logback, like everything else
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        // a leaving member hands its partitions over, but not for Hazelcast's default ten minutes: every map
        // has a backup on another member, and a stopping node (SIGTERM, a test) must not hang on a peer
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        if (!s.enabled()) {
            // nobody to wait for
            c.setProperty("hazelcast.wait.seconds.before.join", "0");
        }

        // members only: with an advanced network, a protocol without an endpoint (client, REST, memcache) is refused
        AdvancedNetworkConfig net = c.getAdvancedNetworkConfig().setEnabled(true);
        ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
        // DNS discovery knows one port for every address: a member moved to the next port would never be found
        member.setPort(s.port()).setPortAutoIncrement(!s.kubernetesDns()).setPortCount(100);
        member.getInterfaces().setEnabled(true).addInterface(s.host());
        net.setMemberEndpointConfig(member);
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getAwsConfig().setEnabled(false);
        join.getGcpConfig().setEnabled(false);
        join.getAzureConfig().setEnabled(false);
        join.getEurekaConfig().setEnabled(false);
        // A TCP-IP member named by host name is one Address holding the name, connected through
        // InetAddress.getByName: only the first address of a headless Service, maybe this pod.
        // DNS lookup mode takes every address (InetAddress.getAllByName) as a member on the port.
        // Its first join only looks for wait.seconds.before.join: 0 there means no join at start.
        join.getKubernetesConfig().setEnabled(s.kubernetesDns());
        if (s.kubernetesDns()) {
            join.getKubernetesConfig()
                    .setProperty("service-dns", s.kubernetesServiceDns())
                    .setProperty("service-port", String.valueOf(s.port()));
        }
        join.getTcpIpConfig().setEnabled(s.enabled() && !s.kubernetesDns());
        if (join.getTcpIpConfig().isEnabled()) {
            for (String m : s.members()) {
                join.getTcpIpConfig().addMember(m);
            }
            if (s.members().isEmpty()) {
                join.getTcpIpConfig().addMember(s.host());
            }
        }

        c.addMapConfig(new MapConfig(SharedMaps.SESSIONS)
                .setBackupCount(1)
                .setTimeToLiveSeconds((int) Math.max(1, s.sessionTtl().toSeconds())));
        c.addMapConfig(new MapConfig(SharedMaps.STREAMS).setBackupCount(1));
        c.addMapConfig(new MapConfig(SharedMaps.NODES).setBackupCount(1));
        // what vertx-hazelcast's default-cluster.xml sets up, for a member that also carries the event bus
        c.getMemberAttributeConfig().setAttribute(VERTX_NODE_ID, UUID.randomUUID().toString());
        c.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
                .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
        c.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
        c.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
        // scores of content nobody asks for any more go idle and leave
        for (String hotness : new String[]{SharedMaps.HOTNESS, SharedMaps.HOTNESS_REGIONS}) {
            c.addMapConfig(new MapConfig(hotness).setBackupCount(1).setMaxIdleSeconds(3600));
        }
        // counted on every API request: no synchronous backup to wait for; a member lost forgets
        // at most one period of counts. Entries expire when their period ends (RateTake).
        c.addMapConfig(new MapConfig(SharedMaps.RATE_LIMITS).setBackupCount(0).setAsyncBackupCount(1));
        return c;
    }

    /**
     * The Hazelcast cluster name of deployment {@code name} with join secret {@code secret}: a member
     * joins only members presenting the same name, so one without the secret never meets them. The
     * secret itself never travels; its hash does, in the clear (the member protocol is plaintext).
     */
    public static String clusterName(String name, String secret) {
        if (secret.isEmpty()) {
            return name;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((name + "\n" + secret).getBytes(StandardCharsets.UTF_8));
            return name + "-" + HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the member; blocks until it has joined (or formed) its cluster. */
    public static HazelcastInstance start(ClusterSettings s) {
        return Hazelcast.newHazelcastInstance(config(s));
    }

    /**
     * Vert.x's cluster manager on this running member: the event bus and Vert.x shared data join
     * the same cluster. Leaving it leaves the member running; shut the member down after Vert.x.
     */
    public static ClusterManager vertxClusterManager(HazelcastInstance member) {
        return new HazelcastClusterManager(member);
    }
}
