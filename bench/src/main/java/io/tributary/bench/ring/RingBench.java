package io.tributary.bench.ring;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.cluster.ring.ContentKey;
import io.tributary.cluster.ring.HashRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Ring lookup cost (JMH), against the reference measured in the same run: the common Java
 * consistent-hash ring, a {@code TreeMap<Integer, String>} with the same points walked with
 * {@code ceilingEntry} (boxing the hash on every lookup). Also the hash alone and the router's
 * whole path from a request target (ContentKey parse with session parameters + lookup).
 * Target: a lookup under 1 microsecond.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBench {

    private static final int KEYS = 4096;

    @Param({"10", "100"})
    public int edges;

    private HashRing ring;
    private TreeMap<Integer, String> tree;
    private String[] keys;
    private String[] targets;
    private int next;

    @Setup
    public void setUp() {
        ring = HashRing.of(members(edges));
        tree = treeRing(ring);
        keys = new String[KEYS];
        targets = new String[KEYS];
        String[] renditions = {"1080p", "720p", "360p", "audio"};
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "stream-" + (i * 7919 % 100_000) + "/" + renditions[i % 4];
            targets[i] = "/live/stream-" + (i * 7919 % 100_000) + "/" + renditions[i % 4] + "/part-" + (1000 + i) + ".2.m4s?sid=8f14e45fceea167a&CMCD=bl%3D2100%2Cbr%3D3200";
        }
    }

    static String[] members(int n) {
        String[] m = new String[n];
        for (int i = 0; i < n; i++) {
            m[i] = "http://10.0." + (i / 250) + "." + (i % 250 + 1) + ":8080";
        }
        return m;
    }

    /** The same ring as a TreeMap: same members, same 160 points each, same hash. */
    static TreeMap<Integer, String> treeRing(HashRing ring) {
        TreeMap<Integer, String> t = new TreeMap<>();
        for (Map.Entry<String, Integer> e : ring.weights().entrySet()) {
            for (int i = 0; i < e.getValue() * HashRing.POINTS_PER_WEIGHT; i++) {
                t.putIfAbsent(HashRing.hash(e.getKey() + '#' + i), e.getKey());
            }
        }
        return t;
    }

    static String treeLookup(TreeMap<Integer, String> tree, String key) {
        Map.Entry<Integer, String> e = tree.ceilingEntry(HashRing.hash(key));
        return e != null ? e.getValue() : tree.firstEntry().getValue();
    }

    private String key() {
        return keys[next++ & (KEYS - 1)];
    }

    @Benchmark
    public String ringLookup() {
        return ring.lookup(key());
    }

    @Benchmark
    public String treeMapLookup() {
        return treeLookup(tree, key());
    }

    @Benchmark
    public int hashOnly() {
        return HashRing.hash(key());
    }

    @Benchmark
    public String routeFromTarget() {
        return ring.lookup(ContentKey.parse(targets[next++ & (KEYS - 1)]).routingKey());
    }

    public static void main(String[] args) throws Exception {
        // the two rings must agree before their speeds are compared
        for (int n : new int[]{10, 100}) {
            HashRing r = HashRing.of(members(n));
            TreeMap<Integer, String> t = treeRing(r);
            int differ = 0;
            for (int i = 0; i < 100_000; i++) {
                String k = "stream-" + i + "/720p";
                differ += r.lookup(k).equals(treeLookup(t, k)) ? 0 : 1;
            }
            System.out.println(n + " edges: the rings disagree on " + differ + " of 100000 keys");
            if (differ > 10) { // only hash collisions between points may differ
                throw new IllegalStateException("the reference ring does not match HashRing");
            }
        }
        Collection<RunResult> results;
        try (BenchLock lock = BenchLock.acquire("ring")) {
            results = new Runner(new OptionsBuilder().include(RingBench.class.getName() + "\\.").build()).run();
        }
        Map<String, double[]> byName = new LinkedHashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().substring(RingBench.class.getName().length() + 1)
                    + " @" + r.getParams().getParam("edges");
            byName.put(name, new double[]{r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        Report report = new Report("Ring lookup (JMH)");
        report.line("`bench/run.sh ring`: `io.tributary.bench.ring.RingBench`. HashRing (160 points per edge, one sorted")
                .line("`long[]`, binary search) against the usual Java ring in the same run: a `TreeMap<Integer, String>`")
                .line("with the same points and hash, `ceilingEntry` per lookup. Keys: 4,096 routing keys")
                .line("(`stream-N/rendition`) cycled. JMH 1.37, 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement, average time.")
                .section("Machine").line(Machine.describe())
                .section("Results")
                .line("| benchmark | edges | ns/op | ± (99.9 %) | vs TreeMap ring |")
                .line("|---|---|---|---|---|");
        for (String edges : new String[]{"10", "100"}) {
            double[] ref = byName.get("treeMapLookup @" + edges);
            for (String b : new String[]{"ringLookup", "treeMapLookup", "hashOnly", "routeFromTarget"}) {
                double[] v = byName.get(b + " @" + edges);
                if (v == null) {
                    continue;
                }
                report.line(Report.f("| %s | %s | %.1f | %.1f | %s |", b, edges, v[0], v[1],
                        ref == null ? "" : Report.f("%.2fx the time", v[0] / ref[0])));
            }
        }
        double worst = Math.max(byName.getOrDefault("ringLookup @10", new double[]{Double.NaN})[0],
                byName.getOrDefault("ringLookup @100", new double[]{Double.NaN})[0]);
        report.section("Verdict")
                .line(Report.f("Ring lookup: %.0f ns at worst (target < 1,000 ns): %s.", worst, worst < 1000 ? "met" : "NOT met"))
                .line("`routeFromTarget` is the router's whole per-request work: parse `/live/{key}/{rendition}/{object}?sid=..&CMCD=..`")
                .line("into a content key (session parameters dropped), then look it up.");
        report.write(Path.of(System.getProperty("tributary.root", "."), "bench/results/ring.md"));
    }
}
