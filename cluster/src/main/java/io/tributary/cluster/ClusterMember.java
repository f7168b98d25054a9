package io.tributary.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import java.util.UUID;

/**
 * This node's Hazelcast member: the configuration (loopback bind, TCP-IP join only, no
 * multicast, no auto-detection, no phone-home) and a blocking start. The instance can later
 * back Vert.x's own cluster manager too ({@code new HazelcastClusterManager(instance)}).
 */
public final class ClusterMember {

    public static final String CLUSTER_NAME = "tributary";

    private ClusterMember() {
    }

    public static Config config(ClusterSettings s) {
        Config c = new Config();
        // an embedded member must never meet another process's embedded member
        c.setClusterName(s.enabled() ? CLUSTER_NAME : CLUSTER_NAME + "-" + UUID.randomUUID());
        c.setInstanceName("tributary-" + UUID.randomUUID());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        if (!s.enabled()) {
            // nobody to wait for
            c.setProperty("hazelcast.wait.seconds.before.join", "0");
        }

        NetworkConfig net = c.getNetworkConfig();
        net.setPort(s.port()).setPortAutoIncrement(true).setPortCount(100);
        net.getInterfaces().setEnabled(true).addInterface(s.host());
        net.getRestApiConfig().setEnabled(false);
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getAwsConfig().setEnabled(false);
        join.getGcpConfig().setEnabled(false);
        join.getAzureConfig().setEnabled(false);
        join.getKubernetesConfig().setEnabled(false);
        join.getEurekaConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(s.enabled());
        if (s.enabled()) {
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
        // scores of content nobody asks for any more go idle and leave
        for (String hotness : new String[]{SharedMaps.HOTNESS, SharedMaps.HOTNESS_REGIONS}) {
            c.addMapConfig(new MapConfig(hotness).setBackupCount(1).setMaxIdleSeconds(3600));
        }
        return c;
    }

    /** Starts the member; blocks until it has joined (or formed) its cluster. */
    public static HazelcastInstance start(ClusterSettings s) {
        return Hazelcast.newHazelcastInstance(config(s));
    }
}
