package io.tributary.control;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.tributary.StatusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Sends a command to any node's {@link NodeControl} address and gives back its JSON answer, or a
 * {@link StatusException} with the status the node failed it with. Nodes are named by their
 * Hazelcast member id, as {@code GET /api/v1/cluster} lists them; any other name is a 404.
 */
public final class NodeCommands {

    /** Long enough for a scale, which answers once the new set is deployed. */
    public static final long TIMEOUT_MS = 30_000;

    private final Vertx vertx;
    private final HazelcastInstance hz;

    public NodeCommands(Vertx vertx, HazelcastInstance hz) {
        this.vertx = vertx;
        this.hz = hz;
    }

    /** The members of the cluster now, oldest first (the local view: no cluster call). */
    public List<String> members() {
        List<String> out = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            out.add(m.getUuid().toString());
        }
        return out;
    }

    /** Throws 404 unless {@code node} is a member of the cluster now. */
    public void requireMember(String node) {
        List<String> members = members();
        if (!members.contains(node)) {
            throw StatusException.notFound("no node '" + node + "' in the cluster (members: " + String.join(", ", members) + ")");
        }
    }

    public Future<JsonObject> send(String node, JsonObject command) {
        return send(node, command, TIMEOUT_MS);
    }

    public Future<JsonObject> send(String node, JsonObject command, long timeoutMs) {
        try {
            requireMember(node);
        } catch (StatusException e) {
            return Future.failedFuture(e);
        }
        return vertx.eventBus().<JsonObject>request(NodeControl.address(node), command,
                        new DeliveryOptions().setSendTimeout(timeoutMs))
                .map(Message::body)
                .recover(e -> Future.failedFuture(ControlFailure.of(node, e, timeoutMs)));
    }
}
