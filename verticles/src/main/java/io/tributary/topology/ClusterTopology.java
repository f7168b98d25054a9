package io.tributary.topology;

import com.hazelcast.core.HazelcastInstance;
import io.tributary.cluster.directory.NodeAdvert;
import io.tributary.cluster.directory.NodeDirectory;
import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * This node's view of the cluster: the node directory (who runs which role where) and the
 * stream registry (which origin holds which stream), both followed from start-up, and this
 * node's own advert in the directory.
 */
public final class ClusterTopology {

    private final Vertx vertx;
    private final String self;
    private final NodeDirectory directory;
    private final HazelcastStreamRegistry registry;

    private ClusterTopology(Vertx vertx, HazelcastInstance hz) {
        this.vertx = vertx;
        this.self = hz.getCluster().getLocalMember().getUuid().toString();
        this.directory = new NodeDirectory(hz);
        this.registry = new HazelcastStreamRegistry(vertx, hz);
    }

    /** Follows the directory and the registry (blocking Hazelcast calls, on a worker). */
    public static Future<ClusterTopology> start(Vertx vertx, HazelcastInstance hz) {
        ClusterTopology t = new ClusterTopology(vertx, hz);
        return vertx.executeBlocking(() -> {
            t.directory.start();
            t.registry.start();
            return t;
        });
    }

    /** The member UUID this node advertises under. */
    public String self() {
        return self;
    }

    public NodeDirectory directory() {
        return directory;
    }

    public HazelcastStreamRegistry registry() {
        return registry;
    }

    /** Puts this node's roles and URLs in the directory. */
    public Future<Void> advertise(NodeAdvert advert) {
        return vertx.executeBlocking(() -> {
            directory.advertise(advert);
            return null;
        });
    }

    /** Stops following, and takes this node's advert out of the directory. */
    public Future<Void> close() {
        return vertx.<Void>executeBlocking(() -> {
            registry.close();
            directory.close(self);
            return null;
        }).otherwiseEmpty();
    }
}
