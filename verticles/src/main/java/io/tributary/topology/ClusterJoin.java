package io.tributary.topology;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.cluster.ClusterMember;
import io.tributary.cluster.ClusterSettings;
import io.tributary.config.ConfigException;
import io.tributary.tls.NodeTls;
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
        return join(cluster, NodeTls.OFF, meters);
    }

    /** As above; with {@code tls} enabled, a clustered event bus runs over mutual TLS with its certificate. */
    public static Future<Joined> join(ClusterSettings cluster, NodeTls tls, MeterRegistry meters) {
        return join(cluster, tls, meters, false);
    }

    /** As above; {@code preferNative}: Vert.x on Netty's native transport where it loads (net.native-transport). */
    public static Future<Joined> join(ClusterSettings cluster, NodeTls tls, MeterRegistry meters, boolean preferNative) {
        if (cluster.enabled() && cluster.secret().isEmpty()) {
            // never a fixed default: a deployment's members share a secret its operator generated
            return Future.failedFuture(new ConfigException("cluster.secret is empty: a clustered node needs the join secret"
                    + " every member of the deployment shares (TRIBUTARY_CLUSTER_SECRET); a fresh one: " + freshSecret()));
        }
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
                    .with(new VertxOptions().setPreferNativeTransport(preferNative).setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true))
                            .setEventBusOptions(tls.eventBus(new EventBusOptions().setHost(cluster.host()).setPort(cluster.eventBusPort()))))
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

    /** 32 random bytes in hex, printed for an operator who has none yet. */
    static String freshSecret() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
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
