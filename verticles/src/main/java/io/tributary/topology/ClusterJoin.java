package io.tributary.topology;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.cluster.ClusterMember;
import io.tributary.cluster.ClusterSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The Hazelcast member first, then Vert.x: clustered on that member (event bus bound to the
 * cluster host) when {@code cluster.enabled}, else a plain Vert.x beside a one-member cluster.
 */
public final class ClusterJoin {

    /** A running member and the Vert.x built on it. */
    public record Joined(HazelcastInstance hazelcast, Vertx vertx, boolean clustered, long memberMillis, long vertxMillis) {
    }

    private ClusterJoin() {
    }

    public static Future<Joined> join(ClusterSettings cluster, MeterRegistry meters) {
        Promise<HazelcastInstance> member = Promise.promise();
        long t0 = System.nanoTime();
        // no Vert.x exists yet to lend a worker: the (blocking) join gets its own thread
        Thread joiner = new Thread(() -> {
            try {
                member.complete(ClusterMember.start(cluster));
            } catch (RuntimeException e) {
                member.fail(e);
            }
        }, "tributary-cluster-join");
        joiner.setDaemon(true);
        joiner.start();
        return member.future().compose(hz -> {
            long t1 = System.nanoTime();
            VertxBuilder b = Vertx.builder()
                    .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true))
                            .setEventBusOptions(new EventBusOptions().setHost(cluster.host()).setPort(0)))
                    .withMetrics(new MicrometerMetricsFactory(meters));
            Future<Vertx> vertx = cluster.enabled()
                    ? b.withClusterManager(ClusterMember.vertxClusterManager(hz)).buildClustered()
                    : Future.succeededFuture(b.build());
            return vertx.transform(ar -> {
                if (ar.failed()) {
                    shutdown(hz);
                    return Future.failedFuture(ar.cause());
                }
                return Future.succeededFuture(new Joined(hz, ar.result(), cluster.enabled(),
                        (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000));
            });
        });
    }

    /** Closes Vert.x (leaving the event-bus cluster), then the member. */
    public static Future<Void> leave(Vertx vertx, HazelcastInstance hz) {
        Promise<Void> done = Promise.promise();
        vertx.close().onComplete(x -> {
            Thread t = new Thread(() -> {
                shutdown(hz);
                done.complete();
            }, "tributary-cluster-leave");
            t.setDaemon(true);
            t.start();
        });
        return done.future();
    }

    private static void shutdown(HazelcastInstance hz) {
        if (hz != null && hz.getLifecycleService().isRunning()) {
            hz.shutdown();
        }
    }
}
