package io.tributary.ops;

import io.tributary.StatusException;
import io.tributary.control.ControlPlane;
import io.tributary.control.NodeControl;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Operator endpoints. For any node of the cluster, named by its member id, through its command
 * address: {@code POST /api/v1/nodes/{node}/drain}, {@code .../undrain},
 * {@code POST /api/v1/nodes/{node}/verticles/{name}/scale} with {@code {"instances": N}} and
 * {@code GET /api/v1/nodes/{node}/verticles}. For this node, the same commands run here:
 * {@code POST /api/v1/node/drain}, {@code /api/v1/node/undrain}, {@code GET /api/v1/verticles}
 * and {@code POST /api/v1/verticles/{name}/scale}.
 */
public final class NodeApi implements NodeRoutes {

    /** Bound on a scaled-away set's graceful stop: above the longest hold (three target durations of 10 s segments). */
    static final long SCALED_AWAY_GRACE_MS = 40_000;
    /** Players poll every part (well under a second): within this, every kept-alive client has been told to reconnect. */
    static final long RETIRE_DRAIN_MS = 1500;
    /** A scaled-away ingest set keeps its live publishers this long at most. */
    static final long INGEST_GRACE_MS = 24L * 3600 * 1000;
    private volatile boolean closing;
    /** A graceful shutdown's deadline (System.nanoTime), or 0: stopping HTTP verticles may finish requests until then. */
    private volatile long graceUntil;
    private final java.util.List<java.util.function.Consumer<Router>> more = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final ControlPlane control;
    private volatile java.util.function.Consumer<Router> guard = r -> { };

    public NodeApi(ControlPlane control) {
        this.control = control;
    }

    /** Routes of other node services (hotness...) mounted with these. */
    public NodeApi with(java.util.function.Consumer<Router> routes) {
        more.add(routes);
        return this;
    }

    /** What {@link #guard} mounts: authentication and the role table. */
    public NodeApi guardedBy(java.util.function.Consumer<Router> guard) {
        this.guard = guard;
        return this;
    }

    private volatile boolean operatorElsewhere;

    /** The operator routes and /metrics are the admin listener's: on the other routers they answer 404. */
    public NodeApi operatorElsewhere() {
        operatorElsewhere = true;
        return this;
    }

    @Override
    public void guard(Router router) {
        if (operatorElsewhere) {
            io.tributary.auth.ApiPolicy.operatorRoutesElsewhere(router);
        }
        guard.accept(router);
    }

    /** The admin listener's guard: the same credentials and roles, the operator routes kept. */
    public void guardHere(Router router) {
        guard.accept(router);
    }

    private final java.util.List<java.util.function.IntSupplier> inFlight = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Requests a role serves that the graceful stop waits for (the edge's, the router's), besides the held ones. */
    public NodeApi countsInFlight(java.util.function.IntSupplier requests) {
        inFlight.add(requests);
        return this;
    }

    /** What the roles counted in {@link #countsInFlight} are answering now. */
    public int inFlight() {
        int n = 0;
        for (java.util.function.IntSupplier s : inFlight) {
            n += s.getAsInt();
        }
        return n;
    }

    /** A role's part in the drain: the node's draining state and this API's stop grace, its requests counted here. */
    public Retiring retiring(java.util.function.BooleanSupplier draining) {
        Retiring r = new Retiring(draining, this::stopGraceMillis);
        countsInFlight(r::inFlight);
        return r;
    }

    /** The node is closing: stopping verticles need not wait long. */
    public void closing() {
        closing = true;
    }

    /** The node shuts down gracefully: stopping HTTP verticles finish what they serve until {@code deadlineNanos}. */
    public void closing(long deadlineNanos) {
        graceUntil = deadlineNanos;
        closing = true;
    }

    @Override
    public long stopGraceMillis() {
        if (!closing) {
            return SCALED_AWAY_GRACE_MS;
        }
        long until = graceUntil;
        return until == 0 ? 1000 : Math.max(1000, (until - System.nanoTime()) / 1_000_000);
    }

    /** For a scaled-away ingest set: its publishers may stream for hours; the node closing cuts them. */
    @Override
    public long drainMillis() {
        return closing ? 0 : RETIRE_DRAIN_MS;
    }

    public long ingestStopGraceMillis() {
        return closing ? 1000 : INGEST_GRACE_MS;
    }

    @Override
    public void mount(Router router) {
        for (java.util.function.Consumer<Router> r : more) {
            r.accept(router);
        }
        BodyHandler body = BodyHandler.create().setBodyLimit(4096);
        // this node
        router.post("/api/v1/node/drain").handler(ctx -> answer(ctx, control.local().execute(NodeControl.drain())));
        router.post("/api/v1/node/undrain").handler(ctx -> answer(ctx, control.local().execute(NodeControl.undrain())));
        router.get("/api/v1/verticles").handler(ctx -> answer(ctx, control.local().execute(NodeControl.describe())));
        router.post("/api/v1/verticles/:name/scale").handler(body).handler(ctx ->
                answer(ctx, control.local().execute(NodeControl.scale(ctx.pathParam("name"), instances(ctx)))));
        // any node, through its command address
        router.post("/api/v1/nodes/:node/drain").handler(ctx -> send(ctx, NodeControl.drain()));
        router.post("/api/v1/nodes/:node/undrain").handler(ctx -> send(ctx, NodeControl.undrain()));
        router.get("/api/v1/nodes/:node/verticles").handler(ctx -> send(ctx, NodeControl.describe()));
        router.post("/api/v1/nodes/:node/verticles/:name/scale").handler(body).handler(ctx -> {
            control.commands().requireMember(ctx.pathParam("node")); // an unknown node is a 404 whatever the body
            send(ctx, NodeControl.scale(ctx.pathParam("name"), instances(ctx)));
        });
    }

    private void send(RoutingContext ctx, JsonObject command) {
        answer(ctx, control.commands().send(ctx.pathParam("node"), command));
    }

    private static void answer(RoutingContext ctx, Future<JsonObject> reply) {
        reply.onSuccess(ctx::json).onFailure(ctx::fail);
    }

    /** The body's {@code instances}: 400 naming the problem unless it is an integer (its range is the scaler's to check). */
    private static int instances(RoutingContext ctx) {
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
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, instances));
    }
}
