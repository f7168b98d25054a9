package io.tributary.bench.ratelimit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.Stats;
import io.tributary.cluster.ClusterMember;
import io.tributary.cluster.ClusterSettings;
import io.tributary.cluster.SharedMaps;
import io.tributary.ratelimit.Allowance;
import io.tributary.ratelimit.RateLimitSettings;
import io.tributary.ratelimit.RateLimiter;
import io.tributary.ratelimit.RateScope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The cost of one API rate-limit check ({@link RateLimiter#check}: key, store round trip, metrics) on
 * an event loop, as the API route handler makes it: against Redis on loopback (target p99 <= 1 ms),
 * against Hazelcast on one member (the embedded default) and on a two-member cluster (half the keys
 * owned by the other member). Reference in the same run: one plain read from the same store
 * ({@code GET} on Redis, {@code IMap.getAsync} on Hazelcast), the floor of a round trip there.
 * Each store is measured one check at a time and with 32 in flight, over 10,000 client ids.
 *
 * <p>{@code bench/run.sh ratelimit [--smoke]}; {@code --smoke} runs a few thousand checks and writes
 * to {@code bench/target/} instead of {@code bench/results/}.
 */
public final class RateLimitBench {

    private static final int CLIENTS = 10_000;
    private static final String REDIS = "redis://127.0.0.1:6379";

    private record Row(String store, String what, int inFlight, Stats micros, double perSecond, long elsewhere) {
    }

    /** Checks of the current run answered by another store than the one measured (a fallback) or unchecked. */
    private static long elsewhere;

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        int warmup = smoke ? 2_000 : 30_000;
        int measured = smoke ? 5_000 : 200_000;
        // every check is allowed: the cost of a refusal is the same round trip
        RateLimitSettings settings = new RateLimitSettings(true, Duration.ofMinutes(1), 100_000_000, 100_000_000,
                100_000_000, 100_000_000, "", Duration.ofSeconds(1), "tributary-bench:" + UUID.randomUUID() + ":");
        String[] ids = new String[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            ids[i] = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
        }
        List<Row> rows = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        HazelcastInstance one = ClusterMember.start(ClusterSettings.embedded());
        try {
            boolean redis = listening(6379);
            if (redis) {
                RateLimiter limiter = RateLimiter.create(vertx, settings.withRedis(REDIS, settings.keyPrefix()), one, new SimpleMeterRegistry());
                limiter.start().await(10, TimeUnit.SECONDS);
                Redis plain = Redis.createClient(vertx, new RedisOptions().setConnectionString(REDIS).setMaxPoolSize(8).setMaxPoolWaiting(1024));
                measure(vertx, "redis", i -> limiter.check(RateScope.ANONYMOUS, ids[i % CLIENTS]).map(a -> check(a, limiter, "redis")),
                        i -> plain.send(Request.cmd(Command.GET).arg(settings.keyPrefix() + "anonymous:" + ids[i % CLIENTS])).mapEmpty(),
                        warmup, measured, rows);
                // the bench's own keys go now, not in a minute
                List<Future<?>> deletes = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i += 500) {
                    Request del = Request.cmd(Command.DEL);
                    for (int j = i; j < Math.min(CLIENTS, i + 500); j++) {
                        del.arg(settings.keyPrefix() + "anonymous:" + ids[j]);
                    }
                    deletes.add(plain.send(del));
                }
                Future.all(deletes).await(30, TimeUnit.SECONDS);
                plain.close();
                limiter.close();
            } else {
                System.out.println("Redis is not listening on 127.0.0.1:6379: the Redis rows are left out");
            }
            hazelcast(vertx, "hazelcast, 1 member", one, settings, ids, warmup, measured, rows);

            int[] ports = freePorts(2);
            List<String> members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
            System.setProperty("hazelcast.wait.seconds.before.join", "0");
            HazelcastInstance a = ClusterMember.start(new ClusterSettings(true, "127.0.0.1", ports[0], members, Duration.ofMinutes(2)));
            HazelcastInstance b = ClusterMember.start(new ClusterSettings(true, "127.0.0.1", ports[1], members, Duration.ofMinutes(2)));
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (a.getCluster().getMembers().size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                if (a.getCluster().getMembers().size() < 2) {
                    throw new IllegalStateException("the two members did not join");
                }
                hazelcast(vertx, "hazelcast, 2 members", a, settings, ids, warmup, measured, rows);
            } finally {
                b.shutdown();
                a.shutdown();
            }
        } finally {
            one.shutdown();
            vertx.close().await(10, TimeUnit.SECONDS);
        }
        report(rows, smoke, warmup, measured);
    }

    private static void hazelcast(Vertx vertx, String store, HazelcastInstance hz, RateLimitSettings settings, String[] ids,
                                  int warmup, int measured, List<Row> rows) throws Exception {
        RateLimiter limiter = RateLimiter.create(vertx, settings, hz, new SimpleMeterRegistry());
        IMap<String, Object> map = hz.getMap(SharedMaps.RATE_LIMITS);
        Context ctx = vertx.getOrCreateContext();
        measure(vertx, store, i -> limiter.check(RateScope.ANONYMOUS, ids[i % CLIENTS]).map(a -> check(a, limiter, "hazelcast")),
                i -> Future.fromCompletionStage(map.getAsync(settings.keyPrefix() + "anonymous:" + ids[i % CLIENTS]), ctx).mapEmpty(),
                warmup, measured, rows);
        map.clear();
    }

    /** Counts a check the measured store did not answer (a fallback after a late answer, or unchecked): the row says how many. */
    private static Void check(Allowance a, RateLimiter limiter, String store) {
        if (!a.allowed()) {
            throw new IllegalStateException("a check was refused: the bench's limits are meant never to be reached");
        }
        if (a.remaining() < 0 || !limiter.store().equals(store)) {
            elsewhere++;
        }
        return null;
    }

    private static void measure(Vertx vertx, String store, Function<Integer, Future<?>> check, Function<Integer, Future<?>> reference,
                                int warmup, int measured, List<Row> rows) throws Exception {
        run(vertx, check, warmup, 32);
        run(vertx, reference, warmup, 32);
        // a late answer while warming up sends checks to the fallback for 5 s: measure once it is over
        Thread.sleep(6000);
        run(vertx, check, 1000, 1);
        try (BenchLock lock = BenchLock.acquire("ratelimit " + store)) {
            for (int inFlight : new int[]{1, 32}) {
                // alternate: check, reference, check, reference; each row keeps its second round
                for (int round = 0; round < 2; round++) {
                    Row c = row(store, "check", inFlight, run(vertx, check, measured, inFlight));
                    Row r = row(store, "reference", inFlight, run(vertx, reference, measured, inFlight));
                    if (round == 1) {
                        rows.add(c);
                        rows.add(r);
                    }
                }
            }
        }
    }

    private static Row row(String store, String what, int inFlight, long[] nanos) {
        long fellBack = elsewhere;
        elsewhere = 0;
        double[] micros = new double[nanos.length - 1];
        for (int i = 0; i < micros.length; i++) {
            micros[i] = nanos[i] / 1000.0;
        }
        double seconds = nanos[nanos.length - 1] / 1e9;
        Row r = new Row(store, what, inFlight, new Stats(micros), micros.length / seconds, fellBack);
        System.out.println(Report.f("%s %s x%d: p50 %.0f us, p99 %.0f us, %.0f/s", store, what, inFlight,
                r.micros.p(50), r.micros.p(99), r.perSecond));
        return r;
    }

    /** {@code n} calls on one event loop, {@code inFlight} at a time; each one's latency, then the whole run's nanoseconds. */
    private static long[] run(Vertx vertx, Function<Integer, Future<?>> call, int n, int inFlight) throws Exception {
        elsewhere = 0;
        long[] out = new long[n + 1];
        Promise<Void> done = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        int[] started = {0};
        int[] finished = {0};
        long t0 = System.nanoTime();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            int i = started[0]++;
            long start = System.nanoTime();
            call.apply(i).onComplete(ar -> {
                out[i] = System.nanoTime() - start;
                if (ar.failed()) {
                    done.tryFail(ar.cause());
                    return;
                }
                if (++finished[0] == n) {
                    out[n] = System.nanoTime() - t0;
                    done.tryComplete();
                } else if (started[0] < n) {
                    next[0].run();
                }
            });
        };
        ctx.runOnContext(v -> {
            for (int k = 0; k < Math.min(inFlight, n); k++) {
                next[0].run();
            }
        });
        done.future().await(10, TimeUnit.MINUTES);
        return out;
    }

    private static void report(List<Row> rows, boolean smoke, int warmup, int measured) {
        Report report = new Report("Rate-limit check cost");
        report.line("`bench/run.sh ratelimit" + (smoke ? " --smoke" : "") + "`: `io.tributary.bench.ratelimit.RateLimitBench`. One API")
                .line("rate-limit check (`RateLimiter.check`: the bucket key, one atomic take in the store, the metrics) from a")
                .line("Vert.x event loop, as the `/api/*` handler makes it; 10,000 client ids cycled, every check allowed.")
                .line("Redis: the Lua script by EVALSHA over the Vert.x Redis client, Redis " + "on 127.0.0.1:6379. Hazelcast: the")
                .line("`RateTake` entry processor on one member (the embedded default) and on two members in this JVM joined over")
                .line("loopback (half the keys owned by the other member). Reference, same run and client: one plain read of the")
                .line("same key (`GET`; `IMap.getAsync`), alternated with the checks twice, the second round kept. " + warmup)
                .line("warm-up calls, " + measured + " measured per row; 1 and 32 in flight.")
                .section("Machine").line(Machine.describe())
                .section("Results")
                .line("| store | call | in flight | p50 µs | p99 µs | p99.9 µs | calls/s | p99 vs reference | answered by the fallback |")
                .line("|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            Row ref = rows.stream().filter(x -> x.store.equals(r.store) && x.inFlight == r.inFlight && x.what.equals("reference"))
                    .findFirst().orElse(null);
            report.line(Report.f("| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %s | %s |", r.store, r.what, r.inFlight, r.micros.p(50),
                    r.micros.p(99), r.micros.p(99.9), r.perSecond,
                    r.what.equals("check") && ref != null ? Report.f("%.2fx", r.micros.p(99) / ref.micros.p(99)) : "",
                    r.what.equals("check") ? Long.toString(r.elsewhere) : ""));
        }
        report.section("Verdict");
        rows.stream().filter(r -> r.store.equals("redis") && r.what.equals("check") && r.inFlight == 1).findFirst().ifPresentOrElse(
                r -> report.line(Report.f("Redis on loopback, one check at a time: p99 %.0f µs (target <= 1,000 µs): %s.",
                        r.micros.p(99), r.micros.p(99) <= 1000 ? "met" : "NOT met")),
                () -> report.line("Redis was not listening: no Redis figure."));
        for (Row r : rows) {
            if (r.what.equals("check") && r.inFlight == 32) {
                report.line(Report.f("%s with 32 in flight: p99 %.0f µs, %.0f checks/s on one event loop.", r.store, r.micros.p(99), r.perSecond));
            }
        }
        Path root = Path.of(System.getProperty("tributary.root", "."));
        report.write(root.resolve(smoke ? "bench/target/ratelimit-smoke.md" : "bench/results/ratelimit.md"));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
        return ports;
    }
}
