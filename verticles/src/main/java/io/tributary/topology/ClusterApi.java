package io.tributary.topology;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.projection.Projections;
import io.tributary.cluster.SharedMaps;
import io.tributary.cluster.directory.NodeAdvert;
import io.tributary.control.NodeCommands;
import io.tributary.control.NodeControl;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/cluster}: the members (oldest first), their roles and HTTP URLs, the streams
 * each originates and the player sessions each serves, read from the shared maps on a worker;
 * and each member's verticle sets and instance counts, asked over its command address.
 */
public final class ClusterApi {

    /** A member slower than this to describe itself is listed without its sets. */
    static final long DESCRIBE_TIMEOUT_MS = 2000;

    private final HazelcastInstance hz;
    private final ClusterTopology roles;
    private final boolean clustered;
    private final NodeCommands commands;

    public ClusterApi(HazelcastInstance hz, ClusterTopology roles, boolean clustered, NodeCommands commands) {
        this.hz = hz;
        this.roles = roles;
        this.clustered = clustered;
        this.commands = commands;
    }

    public void mount(Router router) {
        router.get("/api/v1/cluster").handler(this::get);
    }

    private void get(RoutingContext ctx) {
        ctx.vertx().executeBlocking(this::describe, false).compose(this::withVerticles).onSuccess(ctx::json).onFailure(ctx::fail);
    }

    /**
     * Adds {@code "verticles": {"sets": [...], "retiring": n}} and {@code "draining"} to each member;
     * one that cannot answer gets {@code "verticles": null} and the reason, the rest still show.
     */
    private Future<JsonObject> withVerticles(JsonObject cluster) {
        List<Future<?>> asks = new ArrayList<>();
        for (Object o : cluster.getJsonArray("members")) {
            JsonObject m = (JsonObject) o;
            asks.add(commands.send(m.getString("member"), NodeControl.describe(), DESCRIBE_TIMEOUT_MS)
                    .onSuccess(d -> m.put("verticles", new JsonObject().put("sets", d.getJsonArray("sets"))
                            .put("retiring", d.getInteger("retiring"))).put("draining", d.getBoolean("draining")))
                    .onFailure(e -> m.putNull("verticles").put("verticlesError", e.getMessage())));
        }
        return Future.join(asks).transform(x -> Future.succeededFuture(cluster));
    }

    JsonObject describe() {
        Map<String, NodeAdvert> adverts = new HashMap<>();
        for (NodeAdvert a : roles.directory().nodes()) {
            adverts.put(a.member(), a);
        }
        Map<String, JsonArray> streamsOf = new HashMap<>();
        JsonObject streams = new JsonObject();
        roles.registry().entries().forEach((key, e) -> {
            streams.put(key, e.getString("origin"));
            streamsOf.computeIfAbsent(e.getString("member"), m -> new JsonArray()).add(key);
        });
        Map<String, Integer> sessionsOf = new HashMap<>();
        IMap<String, HazelcastJsonValue> sessions = hz.getMap(SharedMaps.SESSIONS);
        int total = 0;
        // only the node field travels, not the session records
        for (Object node : sessions.project(Projections.singleAttribute("node"))) {
            sessionsOf.merge(String.valueOf(node), 1, Integer::sum);
            total++;
        }
        JsonArray members = new JsonArray();
        for (Member m : hz.getCluster().getMembers()) {
            String id = m.getUuid().toString();
            NodeAdvert a = adverts.get(id);
            JsonObject o = a != null ? a.toJson() : new JsonObject().put("member", id).put("roles", new JsonArray());
            o.put("address", m.getAddress().getHost() + ":" + m.getAddress().getPort())
                    .put("self", id.equals(roles.self()))
                    .put("streams", streamsOf.getOrDefault(id, new JsonArray()))
                    .put("sessions", sessionsOf.getOrDefault(id, 0));
            members.add(o);
        }
        return new JsonObject().put("clustered", clustered).put("self", roles.self()).put("members", members)
                .put("streams", streams).put("sessions", total);
    }
}
