package io.tributary.control;

import io.tributary.StatusException;
import io.tributary.live.LiveStreams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * This node's command address, {@code tributary.node.<member id>.control}: JSON commands
 * ({@code {"command": "scale", "set": "delivery", "instances": 4}}, {@code drain}, {@code undrain},
 * {@code describe}) answered with JSON, or failed with an HTTP status ({@link ControlFailure}).
 * The node's own shorthand routes run the same {@link #execute} without the event bus.
 */
public final class NodeControl {

    public static final String SCALE = "scale";
    public static final String DRAIN = "drain";
    public static final String UNDRAIN = "undrain";
    public static final String DESCRIBE = "describe";
    public static final String KICK = "kick";

    private final Vertx vertx;
    private final String self;
    private final LiveStreams streams;
    private final VerticleSets sets;
    private MessageConsumer<Object> consumer;
    /** Disconnects a stream's publisher, giving how many were; set once the node publishes (origins). */
    private volatile java.util.function.Function<String, Future<Integer>> kicker;

    public NodeControl(Vertx vertx, String self, LiveStreams streams, VerticleSets sets) {
        this.vertx = vertx;
        this.self = self;
        this.streams = streams;
        this.sets = sets;
    }

    /** The cluster-wide command address of node {@code node} (its Hazelcast member id). */
    public static String address(String node) {
        return "tributary.node." + node + ".control";
    }

    public static JsonObject scale(String set, int instances) {
        return new JsonObject().put("command", SCALE).put("set", set).put("instances", instances);
    }

    public static JsonObject drain() {
        return new JsonObject().put("command", DRAIN);
    }

    public static JsonObject undrain() {
        return new JsonObject().put("command", UNDRAIN);
    }

    public static JsonObject describe() {
        return new JsonObject().put("command", DESCRIBE);
    }

    /** {@code {"command": "kick", "key": K}}: disconnects the publisher of stream K on this node. */
    public static JsonObject kick(String key) {
        return new JsonObject().put("command", KICK).put("key", key);
    }

    /** How this node kicks publishers (its publications); without, a kick is a 409. */
    public void kicksWith(java.util.function.Function<String, Future<Integer>> kicker) {
        this.kicker = kicker;
    }

    /** Takes commands from the cluster; done once the address is registered cluster-wide. */
    Future<Void> start() {
        consumer = vertx.eventBus().consumer(address(self), this::handle);
        return consumer.completion();
    }

    Future<Void> close() {
        return consumer == null ? Future.succeededFuture() : consumer.unregister();
    }

    private void handle(Message<Object> m) {
        Future<JsonObject> result;
        try {
            if (!(m.body() instanceof JsonObject command)) {
                throw StatusException.badRequest("a command is a JSON object like {\"command\": \"drain\"}");
            }
            result = execute(command);
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onSuccess(m::reply).onFailure(e -> ControlFailure.reply(m, e));
    }

    /** Runs {@code command} on this node; a bad command fails with 400, an unknown verticle set too. */
    public Future<JsonObject> execute(JsonObject command) {
        Object name = command.getValue("command");
        switch (name instanceof String ? (String) name : "") {
            case SCALE:
                return scale(command);
            case DRAIN:
                streams.drain();
                return Future.succeededFuture(state("DRAINING"));
            case UNDRAIN:
                streams.undrain(); // a node that is shutting down stays drained, and says so
                return Future.succeededFuture(state(streams.draining() ? "DRAINING" : "UP"));
            case DESCRIBE:
                return Future.succeededFuture(describeSelf());
            case KICK:
                return kickPublisher(command);
            default:
                String known = SCALE + ", " + DRAIN + ", " + UNDRAIN + ", " + DESCRIBE + ", " + KICK;
                return Future.failedFuture(StatusException.badRequest(name instanceof String
                        ? "unknown command '" + name + "' (known: " + known + ")"
                        : "a command needs \"command\": one of " + known));
        }
    }

    private Future<JsonObject> scale(JsonObject command) {
        Object set = command.getValue("set");
        Object n = command.getValue("instances");
        if (!(set instanceof String) || ((String) set).isEmpty()) {
            return Future.failedFuture(StatusException.badRequest("scale needs \"set\": the name of a verticle set"));
        }
        if (!(n instanceof Integer) && !(n instanceof Long)) {
            return Future.failedFuture(StatusException.badRequest("scale needs \"instances\": an integer"));
        }
        long instances = ((Number) n).longValue();
        return sets.scale((String) set, (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, instances)))
                .map(r -> r.copy().put("node", self));
    }

    private Future<JsonObject> kickPublisher(JsonObject command) {
        if (!(command.getValue("key") instanceof String key) || key.isEmpty()) {
            return Future.failedFuture(StatusException.badRequest("kick needs \"key\": the stream's key"));
        }
        var k = kicker;
        if (k == null) {
            return Future.failedFuture(StatusException.conflict("node " + self + " takes no publishers (not an origin)"));
        }
        return k.apply(key).map(n -> new JsonObject().put("node", self).put("key", key).put("kicked", n));
    }

    private JsonObject state(String status) {
        return new JsonObject().put("node", self).put("status", status).put("streams", streams.all().size())
                .put("publishers", streams.publishing());
    }

    /** The node's verticle sets and instance counts, whether it drains, its streams and publishers. */
    private JsonObject describeSelf() {
        return sets.describe().copy().put("node", self).put("draining", streams.draining())
                .put("streams", streams.all().size()).put("publishers", streams.publishing());
    }
}
