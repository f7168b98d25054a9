package io.tributary.ops;

import io.tributary.StatusException;
import io.tributary.control.VerticleSets;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Verticle sets the node runs by name (delivery, ingest, edge...) and their instance counts,
 * changed at runtime without dropping anyone: the new set is deployed first (it shares the
 * port, so Vert.x spreads new connections over old and new), then the old set is undeployed;
 * A set is one base instance that stays for the node's life plus N-1 replaceable ones: the
 * first server bound on a shared port owns the listening socket, and in Vert.x 5.0.7 its
 * shutdown closes the port for every server sharing it, so that one is never retired.
 * its verticles' {@code stop()} shut their servers down gracefully, finishing what they hold
 * (in-flight and LL-HLS blocked requests, live publishers) before they go. The answer does not
 * wait for that retirement, which lasts as long as the oldest request or publisher it serves.
 */
public final class VerticleScaler implements VerticleSets {

    private static final Logger LOG = Logger.getLogger(VerticleScaler.class.getName());
    public static final int MAX_INSTANCES = 64;

    private static final class Set {
        final Supplier<? extends Deployable> factory;
        final String baseId;
        /** The N-1 replaceable instances, or null when the set is the base instance alone. */
        String deploymentId;
        int instances;
        boolean scaling;
        /** Counts the scalings granted, so that a client of concurrent requests can tell which came last. */
        long generation;

        Set(Supplier<? extends Deployable> factory, String baseId, String deploymentId, int instances) {
            this.factory = factory;
            this.baseId = baseId;
            this.deploymentId = deploymentId;
            this.instances = instances;
        }
    }

    private final Vertx vertx;
    /**
     * Where every deploy and undeploy runs: a context of no verticle. A deployment made from a
     * verticle's context becomes that verticle's child, and a scale request is served by a
     * delivery verticle: its new set would be a child of the set it retires (refused while that
     * one stops, "Could not be added as child of parent deployment", or undeployed with it).
     */
    private final ContextInternal context;
    private final Map<String, Set> sets = new LinkedHashMap<>();
    private final AtomicInteger retiring = new AtomicInteger();
    /** The node shuts down: no set changes size any more. */
    private volatile boolean closing;

    public VerticleScaler(Vertx vertx) {
        this.vertx = vertx;
        this.context = ((VertxInternal) vertx).contextBuilder().build();
    }

    /** Runs {@code work} on the scaler's own context; the result comes back on the caller's. */
    private <T> Future<T> own(Supplier<Future<T>> work) {
        PromiseInternal<T> result = ((VertxInternal) vertx).getOrCreateContext().promise();
        context.runOnContext(v -> {
            try {
                work.get().onComplete(result);
            } catch (RuntimeException e) {
                result.fail(e);
            }
        });
        return result.future();
    }

    /** Deploys {@code instances} of {@code name} made by {@code factory}, and remembers them for scaling. */
    public Future<String> deploy(String name, Supplier<? extends Deployable> factory, int instances) {
        return own(() -> vertx.deployVerticle(factory, new DeploymentOptions().setInstances(1)))
                .compose(base -> extra(factory, instances).map(id -> {
                    synchronized (sets) {
                        sets.put(name, new Set(factory, base, id, instances));
                    }
                    return base;
                }));
    }

    private Future<String> extra(Supplier<? extends Deployable> factory, int instances) {
        return instances <= 1 ? Future.succeededFuture(null)
                : own(() -> vertx.deployVerticle(factory, new DeploymentOptions().setInstances(instances - 1)));
    }

    /** Redeploys {@code name} with {@code instances} verticles; fails with 400/409 on a bad request. */
    @Override
    public Future<JsonObject> scale(String name, int instances) {
        if (instances < 1 || instances > MAX_INSTANCES) {
            return Future.failedFuture(StatusException.badRequest("instances must be an integer from 1 to " + MAX_INSTANCES
                    + ", was " + instances));
        }
        Set set;
        synchronized (sets) {
            set = sets.get(name);
            if (set == null) {
                return Future.failedFuture(StatusException.badRequest("no verticle set named '" + name
                        + "' (known: " + String.join(", ", sets.keySet()) + ")"));
            }
            if (closing) {
                return Future.failedFuture(new StatusException(503, "the node is shutting down: no scaling"));
            }
            if (set.scaling) {
                return Future.failedFuture(StatusException.conflict("'" + name + "' is being scaled already"));
            }
            set.scaling = true;
        }
        int before = set.instances;
        return extra(set.factory, instances)
                .map(newId -> {
                    String oldId;
                    long generation;
                    synchronized (sets) {
                        if (sets.get(name) != set) {
                            // the set was undeployed for good while this one deployed: it goes too, nothing is left over
                            set.scaling = false;
                            retire(name, newId);
                            throw new StatusException(503, "'" + name + "' was stopped while it was being scaled");
                        }
                        oldId = set.deploymentId;
                        set.deploymentId = newId;
                        set.instances = instances;
                        set.scaling = false;
                        generation = ++set.generation;
                    }
                    retire(name, oldId);
                    LOG.info(() -> "scaled " + name + " from " + before + " to " + instances + " instances");
                    return new JsonObject().put("name", name).put("instances", instances).put("previous", before)
                            .put("generation", generation);
                })
                .onFailure(e -> {
                    synchronized (sets) {
                        set.scaling = false;
                    }
                });
    }

    private void retire(String name, String deploymentId) {
        if (deploymentId == null) {
            return;
        }
        retiring.incrementAndGet();
        own(() -> vertx.undeploy(deploymentId)).onComplete(ar -> {
            retiring.decrementAndGet();
            if (ar.failed()) {
                LOG.log(Level.WARNING, "undeploying the previous " + name + " set failed", ar.cause());
            }
        });
    }

    /** The node shuts down: every later scale request is refused (503); sets retiring now finish. */
    public void shutdown() {
        closing = true;
    }

    /** Undeploys the whole set {@code name} (base instance included) for good; nothing when there is none. */
    public Future<Void> undeploy(String name) {
        Set set;
        synchronized (sets) {
            set = sets.remove(name);
        }
        if (set == null) {
            return Future.succeededFuture();
        }
        Future<Void> extra = set.deploymentId == null ? Future.succeededFuture() : own(() -> vertx.undeploy(set.deploymentId));
        return Future.join(extra, own(() -> vertx.undeploy(set.baseId))).mapEmpty();
    }

    /** {"sets":[{"name","instances"}], "retiring": n}. */
    @Override
    public JsonObject describe() {
        JsonArray out = new JsonArray();
        synchronized (sets) {
            sets.forEach((name, s) -> out.add(new JsonObject().put("name", name).put("instances", s.instances)));
        }
        return new JsonObject().put("sets", out).put("retiring", retiring.get());
    }

    public int instances(String name) {
        synchronized (sets) {
            Set s = sets.get(name);
            return s == null ? 0 : s.instances;
        }
    }
}
