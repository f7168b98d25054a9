package io.tributary.cluster.directory;

import com.hazelcast.core.HazelcastJsonValue;
import io.tributary.cluster.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a node tells the cluster about itself: its roles and where each role answers over HTTP.
 *
 * @param member    the Hazelcast member UUID
 * @param roles     what the node does
 * @param httpUrl   base URL of the node's own server (API, metrics; live delivery when an origin)
 * @param edgeUrl   base URL viewers reach the edge at, or null without the edge role
 * @param routerUrl base URL of the router, or null without the router role
 * @param startedAt epoch milliseconds
 */
public record NodeAdvert(String member, Set<Role> roles, String httpUrl, String edgeUrl, String routerUrl, long startedAt) {

    public NodeAdvert {
        roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    }

    public boolean has(Role r) {
        return roles.contains(r);
    }

    public JsonObject toJson() {
        JsonArray r = new JsonArray();
        for (Role role : Role.values()) {
            if (roles.contains(role)) {
                r.add(role.id());
            }
        }
        return new JsonObject().put("member", member).put("roles", r).put("http", httpUrl).put("edge", edgeUrl)
                .put("router", routerUrl).put("startedAt", startedAt);
    }

    HazelcastJsonValue toValue() {
        return new HazelcastJsonValue(toJson().encode());
    }

    static NodeAdvert from(HazelcastJsonValue v) {
        JsonObject o = new JsonObject(v.getValue());
        Set<Role> roles = Role.parse(o.getJsonArray("roles", new JsonArray()).stream().map(String::valueOf).toList());
        return new NodeAdvert(o.getString("member"), roles == null ? Set.of() : roles, o.getString("http"),
                o.getString("edge"), o.getString("router"), o.getLong("startedAt", 0L));
    }
}
