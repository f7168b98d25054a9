package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.tributary.control.ControlPlane;
import io.tributary.control.NodeControl;
import io.tributary.grpc.api.ListNodesRequest;
import io.tributary.grpc.api.NodeInfo;
import io.tributary.grpc.api.NodeList;
import io.tributary.grpc.api.NodeRef;
import io.tributary.grpc.api.NodeState;
import io.tributary.grpc.api.NodesGrpcService;
import io.tributary.grpc.api.ScaleRequest;
import io.tributary.grpc.api.ScaleResult;
import io.tributary.grpc.api.VerticleSet;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code tributary.v1.Nodes}: the operator commands of {@code /api/v1/nodes/...}, sent to any node's
 * command address as the REST routes send them ({@link NodeControl}); admin only.
 */
final class NodeCalls {

    /** A member slower than this to describe itself is listed with the reason instead. */
    static final long DESCRIBE_TIMEOUT_MS = 2000;

    private final ControlPlane control;

    NodeCalls(ControlPlane control) {
        this.control = control;
    }

    void bind(GrpcCalls calls) {
        calls.unary(NodesGrpcService.List, Role.ADMIN, GrpcCalls.Kind.READ, this::list)
                .unary(NodesGrpcService.Scale, Role.ADMIN, GrpcCalls.Kind.WRITE, this::scale)
                .unary(NodesGrpcService.Drain, Role.ADMIN, GrpcCalls.Kind.WRITE,
                        (c, ref) -> send(ref.getNode(), NodeControl.drain()).map(NodeCalls::state))
                .unary(NodesGrpcService.Undrain, Role.ADMIN, GrpcCalls.Kind.WRITE,
                        (c, ref) -> send(ref.getNode(), NodeControl.undrain()).map(NodeCalls::state));
    }

    private Future<NodeList> list(Caller caller, ListNodesRequest req) {
        List<String> members = control.commands().members();
        List<Future<NodeInfo>> asks = new ArrayList<>();
        for (String m : members) {
            NodeInfo.Builder b = NodeInfo.newBuilder().setNode(m).setSelf(m.equals(control.self()));
            asks.add(control.commands().send(m, NodeControl.describe(), DESCRIBE_TIMEOUT_MS).map(d -> {
                b.setDraining(d.getBoolean("draining", false)).setStreams(d.getInteger("streams", 0))
                        .setPublishers(d.getLong("publishers", 0L));
                for (Object o : d.getJsonArray("sets")) {
                    JsonObject s = (JsonObject) o;
                    b.addSets(VerticleSet.newBuilder().setName(s.getString("name")).setInstances(s.getInteger("instances")));
                }
                return b.build();
            }).otherwise(e -> b.setError(e.getMessage() == null ? "no answer" : e.getMessage()).build()));
        }
        return Future.all(asks).map(x -> {
            NodeList.Builder out = NodeList.newBuilder();
            asks.forEach(f -> out.addNodes(f.result()));
            return out.build();
        });
    }

    private Future<ScaleResult> scale(Caller caller, ScaleRequest req) {
        if (req.getSet().isEmpty()) {
            return Future.failedFuture(StatusException.badRequest("scale needs set: the name of a verticle set"));
        }
        return send(req.getNode(), NodeControl.scale(req.getSet(), req.getInstances())).map(r -> ScaleResult.newBuilder()
                .setNode(r.getString("node", "")).setSet(r.getString("name", req.getSet()))
                .setInstances(r.getInteger("instances", req.getInstances())).setPrevious(r.getInteger("previous", 0)).build());
    }

    /** To {@code node}, a member id; "" or "self": the node that took the call. */
    private Future<JsonObject> send(String node, JsonObject command) {
        String target = node.isEmpty() || node.equals("self") ? control.self() : node;
        return control.commands().send(target, command);
    }

    private static NodeState state(JsonObject r) {
        return NodeState.newBuilder().setNode(r.getString("node", "")).setStatus(r.getString("status", ""))
                .setStreams(r.getInteger("streams", 0)).setPublishers(r.getLong("publishers", 0L)).build();
    }
}
