package io.tributary.ops;

import io.tributary.StatusException;
import io.tributary.live.LiveStreams;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Operator endpoints of a node: {@code POST /api/v1/node/drain}, {@code GET /api/v1/verticles}
 * and {@code POST /api/v1/verticles/{name}/scale} with {@code {"instances": N}}.
 */
public final class NodeApi implements NodeRoutes {

    /** Bound on a scaled-away set's graceful stop: above the longest hold (three target durations of 10 s segments). */
    static final long SCALED_AWAY_GRACE_MS = 40_000;
    /** A scaled-away ingest set keeps its live publishers this long at most. */
    static final long INGEST_GRACE_MS = 24L * 3600 * 1000;
    private volatile boolean closing;
    private final java.util.List<java.util.function.Consumer<Router>> more = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final LiveStreams streams;
    private final VerticleScaler scaler;

    public NodeApi(LiveStreams streams, VerticleScaler scaler) {
        this.streams = streams;
        this.scaler = scaler;
    }

    /** Routes of other node services (hotness...) mounted with these. */
    public NodeApi with(java.util.function.Consumer<Router> routes) {
        more.add(routes);
        return this;
    }

    /** The node is closing: stopping verticles need not wait long. */
    public void closing() {
        closing = true;
    }

    @Override
    public long stopGraceMillis() {
        return closing ? 1000 : SCALED_AWAY_GRACE_MS;
    }

    /** For a scaled-away ingest set: its publishers may stream for hours; the node closing cuts them. */
    public long ingestStopGraceMillis() {
        return closing ? 1000 : INGEST_GRACE_MS;
    }

    @Override
    public void mount(Router router) {
        for (java.util.function.Consumer<Router> r : more) {
            r.accept(router);
        }
        router.post("/api/v1/node/drain").handler(ctx -> {
            streams.drain();
            ctx.json(new JsonObject().put("status", "DRAINING").put("streams", streams.all().size())
                    .put("publishers", streams.publishing()));
        });
        router.get("/api/v1/verticles").handler(ctx -> ctx.json(scaler.describe()));
        router.post("/api/v1/verticles/:name/scale").handler(BodyHandler.create().setBodyLimit(4096)).handler(this::scale);
    }

    private void scale(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw StatusException.badRequest("body must be a JSON object like {\"instances\": 4}");
        }
        Object n = body == null ? null : body.getValue("instances");
        if (!(n instanceof Integer) && !(n instanceof Long)) {
            throw StatusException.badRequest("body must be a JSON object like {\"instances\": 4} (instances: an integer)");
        }
        long instances = ((Number) n).longValue();
        scaler.scale(ctx.pathParam("name"), (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, instances)))
                .onSuccess(ctx::json)
                .onFailure(ctx::fail);
    }
}
