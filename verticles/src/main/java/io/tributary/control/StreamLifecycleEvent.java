package io.tributary.control;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;

/**
 * A stream started or ended on its origin, as it travels on {@link StreamLifecycleFeed#ADDRESS}:
 * {@code {"event": "started", "key", "origin", "renditions": [...], "at"}} or
 * {@code {"event": "ended", "key", "origin", "at"}}.
 *
 * @param origin     the origin node's member id
 * @param renditions the renditions players can ask for (empty on an end)
 * @param at         epoch milliseconds on the origin
 */
public record StreamLifecycleEvent(Type type, String key, String origin, List<String> renditions, long at) {

    public enum Type { STARTED, ENDED }

    public StreamLifecycleEvent {
        renditions = List.copyOf(renditions);
    }

    public static StreamLifecycleEvent started(String key, String origin, List<String> renditions) {
        return new StreamLifecycleEvent(Type.STARTED, key, origin, renditions, System.currentTimeMillis());
    }

    public static StreamLifecycleEvent ended(String key, String origin) {
        return new StreamLifecycleEvent(Type.ENDED, key, origin, List.of(), System.currentTimeMillis());
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject().put("event", type.name().toLowerCase(Locale.ROOT)).put("key", key).put("origin", origin);
        if (type == Type.STARTED) {
            o.put("renditions", new JsonArray(renditions));
        }
        return o.put("at", at);
    }

    /** Reads an event; IllegalArgumentException names what is missing or wrong. */
    public static StreamLifecycleEvent from(JsonObject o) {
        String event = o.getValue("event") instanceof String s ? s : null;
        if (!"started".equals(event) && !"ended".equals(event)) {
            throw new IllegalArgumentException("lifecycle event needs \"event\": started or ended, was " + o.getValue("event"));
        }
        if (!(o.getValue("key") instanceof String key) || !(o.getValue("origin") instanceof String origin)) {
            throw new IllegalArgumentException("lifecycle event needs \"key\" and \"origin\" strings: " + o.encode());
        }
        List<String> renditions = o.getJsonArray("renditions", new JsonArray()).stream().map(String::valueOf).toList();
        return new StreamLifecycleEvent(Type.valueOf(event.toUpperCase(Locale.ROOT)), key, origin, renditions,
                o.getLong("at", 0L));
    }
}
