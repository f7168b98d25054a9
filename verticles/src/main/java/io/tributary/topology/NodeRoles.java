package io.tributary.topology;

import io.tributary.cluster.Role;
import io.tributary.cluster.directory.NodeAdvert;
import io.tributary.cluster.directory.NodeDirectory;
import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.tributary.router.EdgeRouting;

import java.util.Set;

/**
 * What a started node does in the cluster: its roles, the URLs it advertises for them and the
 * cluster view it follows. Built once start-up is done; the modules behind it own their lifecycle.
 *
 * @param originUrl  the node's own HTTP server ({@code http.port})
 * @param edgePort   the edge's port, -1 without the edge role
 * @param routerPort the router's port, -1 without the router role
 * @param routing    the router's ring, null without the router role
 */
public record NodeRoles(Set<Role> roles, String advertiseHost, ClusterTopology topology, String originUrl, int edgePort,
                        int routerPort, EdgeRouting routing) {

    /** This node's entry for the node directory. */
    public NodeAdvert advert() {
        // every listener of a node speaks the origin's scheme (https with tls.cert)
        String scheme = originUrl.substring(0, originUrl.indexOf("://") + 3);
        return new NodeAdvert(topology.self(), roles, originUrl, edgePort < 0 ? null : scheme + advertiseHost + ":" + edgePort,
                routerPort < 0 ? null : scheme + advertiseHost + ":" + routerPort, System.currentTimeMillis());
    }

    public NodeDirectory directory() {
        return topology.directory();
    }

    public HazelcastStreamRegistry registry() {
        return topology.registry();
    }

    /** The member UUID this node advertises under. */
    public String self() {
        return topology.self();
    }
}
