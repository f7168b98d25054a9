package io.tributary.bench.dvr;

import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.ingest.FlvRecording;
import io.tributary.bench.ingest.IngestLoad;
import io.tributary.bench.support.BenchLock;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Concurrent recordings per node: N passthrough 2.5 Mbit/s RTMP publishers (the ingest benchmark's
 * {@link IngestLoad} replaying its 720p FLV, pinned to core 1) into a node (its own JVM on core 0, the
 * embedded PostgreSQL it starts inherits core 0) that records every rendition (video and audio: 2N
 * renditions). Each N runs twice, DVR off then on, so the LL-HLS edge lag (the live latency figure)
 * with recording is set against the same run without it.
 *
 * <p>Per step: bytes written under data-dir/dvr per byte ingested (target <= 1.05), the batched index
 * INSERT's p99 (the node's own timer), segments skipped or failed, server and core 0 CPU, edge lag.
 * A DVR step is <b>sustained</b> when the ingest criteria hold (>= 98 % of frames in, every publisher
 * up, edge lag <= 2 s) and nothing was skipped, failed or lost.
 *
 * <p>Usage: {@code DvrBench [--steps 50,100,...] [--warmup-s 10] [--measure-s 30] [--pg-url URL]};
 * writes bench/results/dvr.md. Run with {@code bench/run.sh dvr}.
 */
public final class DvrBench {

    static final int TARGET_RENDITIONS = 500;
    static final double MAX_BYTES_RATIO = 1.05;
    static final double MAX_EDGE_LAG_S = 2.0;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private DvrBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = BenchSupport.options(args);
        List<Integer> steps = new ArrayList<>();
        for (String s : opt.getOrDefault("steps", "50,100,150,200,250").split(",")) {
            steps.add(Integer.parseInt(s.trim()));
        }
        int warmup = Integer.parseInt(opt.getOrDefault("warmup-s", "10"));
        int measure = Integer.parseInt(opt.getOrDefault("measure-s", "30"));
        String pgUrl = opt.getOrDefault("pg-url", "");
        Path root = BenchSupport.root();
        Path work = root.resolve("bench/work");
        Path flv = FlvRecording.ensure(work);
        String started = BenchSupport.now();
        System.out.println("dvr benchmark, steps " + steps + ", warm-up " + warmup + " s, window " + measure + " s, "
                + (pgUrl.isEmpty() ? "embedded PostgreSQL" : "PostgreSQL " + pgUrl));
        List<Map<String, String>> rows = new ArrayList<>();
        int maxSustained = 0;
        for (int n : steps) {
            Map<String, String> off = step(n, false, flv, work, warmup, measure, pgUrl);
            Map<String, String> on = step(n, true, flv, work, warmup, measure, pgUrl);
            on.put("edge_lag_off_median_s", off.getOrDefault("edge_lag_median_s", "NaN"));
            on.put("edge_lag_off_max_s", off.getOrDefault("edge_lag_max_s", "NaN"));
            on.put("target_cpu_off_pct", off.getOrDefault("target_cpu_pct", "NaN"));
            on.put("core_busy_off_pct", off.getOrDefault("core_busy_pct", "NaN"));
            String verdict = verdict(on, n);
            on.put("verdict", verdict);
            rows.add(on);
            System.out.println("N=" + n + " -> " + verdict + "  " + on);
            if (!verdict.startsWith("sustained")) {
                break;
            }
            maxSustained = n;
        }
        String md = report(started, steps, warmup, measure, pgUrl, rows, maxSustained);
        Path out = root.resolve("bench/results/dvr.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        System.out.println(md);
        System.out.println("written to " + out);
    }

    static String verdict(Map<String, String> r, int n) {
        List<String> why = new ArrayList<>();
        if (!r.containsKey("frames_ratio")) {
            return "FAILED (no measurement: " + r.getOrDefault("monitor_error", r.getOrDefault("error", "?")) + ")";
        }
        if (d(r, "frames_ratio") < 0.98) {
            why.add("server ingested " + r.get("frames_ratio") + " of the frames sent");
        }
        if (d(r, "publishing_at_end") < n || d(r, "dead") > 0) {
            why.add("publishers dropped (" + r.get("publishing_at_end") + " of " + n + " at the end)");
        }
        if (!(d(r, "edge_lag_max_s") <= MAX_EDGE_LAG_S)) {
            why.add("LL-HLS edge lag max " + r.get("edge_lag_max_s") + " s");
        }
        if (d(r, "dvr_skipped") > 0 || d(r, "dvr_write_errors") > 0 || d(r, "dvr_index_errors") > 0) {
            why.add("segments skipped " + r.get("dvr_skipped") + ", write errors " + r.get("dvr_write_errors")
                    + ", index errors " + r.get("dvr_index_errors"));
        }
        if (!(d(r, "dvr_segments") > 0)) {
            why.add("nothing recorded");
        }
        if (d(r, "bytes_per_media_byte") > MAX_BYTES_RATIO) {
            why.add("bytes written per media byte " + r.get("bytes_per_media_byte"));
        }
        return why.isEmpty() ? "sustained" : "NOT sustained: " + String.join("; ", why);
    }

    /** One node, one load: DVR on or off; a fresh data-dir each time. */
    static Map<String, String> step(int n, boolean dvr, Path flv, Path work, int warmup, int measure, String pgUrl)
            throws IOException, InterruptedException {
        String name = "dvr-" + (dvr ? "on" : "off") + "-" + n;
        Path runDir = work.resolve("dvr-run");
        deleteTree(runDir);
        Files.createDirectories(runDir);
        Path dataDir = runDir.resolve("data");
        Path log = work.resolve(name + ".log");
        int rtmpPort = BenchSupport.freePort();
        int httpPort = BenchSupport.freePort();
        Map<String, String> r = new LinkedHashMap<>();
        Process srv = null;
        Process gen = null;
        try (BenchLock lock = BenchLock.acquire(name)) {
            ProcessBuilder pb = new ProcessBuilder("taskset", "-c", "0", BenchSupport.javaBin(),
                    "-Xlog:gc:file=" + work.resolve(name + "-gc.log"), "-cp", absoluteClasspath(), "io.tributary.Tributary");
            Map<String, String> env = pb.environment();
            env.put("TRIBUTARY_HTTP_PORT", Integer.toString(httpPort));
            env.put("TRIBUTARY_RTMP_PORT", Integer.toString(rtmpPort));
            env.put("TRIBUTARY_EDGE_PORT", Integer.toString(BenchSupport.freePort()));
            env.put("TRIBUTARY_ROUTER_PORT", Integer.toString(BenchSupport.freePort()));
            env.put("TRIBUTARY_RTMP_INSTANCES", "1");
            env.put("TRIBUTARY_HTTP_INSTANCES", "1");
            env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
            env.put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
            env.put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
            env.put("TRIBUTARY_DATA_DIR", dataDir.toString());
            env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any"); // a lab node: any key publishes, no accounts
            env.put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port, not 50051
            env.put("TRIBUTARY_AUTH_ENABLED", "false");
            env.put("TRIBUTARY_DVR_ENABLED", Boolean.toString(dvr));
            if (!pgUrl.isEmpty()) {
                env.put("TRIBUTARY_PG_URL", pgUrl);
            }
            srv = pb.directory(runDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            BenchSupport.waitForPort(rtmpPort, 120_000, srv);
            BenchSupport.waitForPort(httpPort, 120_000, srv);
            List<String> g = List.of("taskset", "-c", "1", BenchSupport.javaBin(), "-Xms1g", "-Xmx2g",
                    "-cp", BenchSupport.classpath(), IngestLoad.class.getName(),
                    "--flv", flv.toString(), "--rtmp-port", Integer.toString(rtmpPort), "--publishers", Integer.toString(n),
                    "--warmup-s", Integer.toString(warmup), "--measure-s", Integer.toString(measure),
                    "--server-pid", Long.toString(srv.pid()), "--server-cpu", "0", "--keys", "rec" + n,
                    "--http-port", Integer.toString(httpPort));
            System.out.println("[" + name + "] server up (pid " + srv.pid() + "), generator starting at " + BenchSupport.now());
            gen = new ProcessBuilder(g).redirectErrorStream(true).start();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(gen.getInputStream()))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    System.out.println("  [" + name + "] " + line);
                    if (line.startsWith("RESULT ")) {
                        for (String kv : line.substring(7).split(" ")) {
                            int eq = kv.indexOf('=');
                            if (eq > 0) {
                                r.put(kv.substring(0, eq), kv.substring(eq + 1));
                            }
                        }
                    }
                }
            }
            gen.waitFor(60, TimeUnit.SECONDS);
            // the publishers are gone: their open segments close and are recorded; then the totals
            Thread.sleep(4000);
            String metrics = get("http://127.0.0.1:" + httpPort + "/metrics");
            double ingested = sum(metrics, "tributary_ingest_bytes_total");
            double recorded = sum(metrics, "tributary_dvr_recorded_bytes_total");
            r.put("ingested_bytes", fmt(ingested));
            r.put("dvr_recorded_bytes", fmt(recorded));
            r.put("dvr_segments", fmt(sum(metrics, "tributary_dvr_segments_total")));
            r.put("dvr_skipped", fmt(sum(metrics, "tributary_dvr_skipped_segments_total")));
            r.put("dvr_write_errors", fmt(sum(metrics, "tributary_dvr_write_errors_total")));
            r.put("dvr_index_errors", fmt(sum(metrics, "tributary_dvr_index_errors_total")));
            r.put("dvr_index_writes", fmt(sum(metrics, "tributary_dvr_index_write_seconds_count")));
            r.put("dvr_index_p99_ms", fmt(sample(metrics, "tributary_dvr_index_write_seconds{quantile=\"0.99\"") * 1000));
            r.put("dvr_index_max_ms", fmt(sum(metrics, "tributary_dvr_index_write_seconds_max") * 1000));
            r.put("bytes_per_media_byte", ingested > 0 ? String.format(Locale.ROOT, "%.4f", recorded / ingested) : "NaN");
            if (dvr) {
                r.put("disk_bytes", fmt(treeBytes(dataDir.resolve("dvr"))));
                r.put("pg_bytes", fmt(treeBytes(dataDir.resolve("pg"))));
            }
        } catch (RuntimeException e) {
            r.put("error", e.toString().replace(' ', '_'));
        } finally {
            BenchSupport.stop(gen, 5_000);
            BenchSupport.stop(srv, 20_000);
            stopLeftoverPostgres(dataDir);
        }
        return r;
    }

    /** The class path with every entry absolute: the server runs in its own directory. */
    private static String absoluteClasspath() {
        StringBuilder b = new StringBuilder();
        for (String e : BenchSupport.classpath().split(java.io.File.pathSeparator)) {
            if (!e.isEmpty()) {
                b.append(b.length() == 0 ? "" : java.io.File.pathSeparator).append(Path.of(e).toAbsolutePath());
            }
        }
        return b.toString();
    }

    /** An embedded server whose node was killed would outlive it: stopped by its own pid. */
    private static void stopLeftoverPostgres(Path dataDir) {
        Path pid = dataDir.resolve("pg/postmaster.pid");
        try {
            if (Files.isRegularFile(pid)) {
                long p = Long.parseLong(Files.readAllLines(pid).get(0).trim());
                ProcessHandle.of(p).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException | RuntimeException e) {
            // nothing left to stop
        }
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sum of every sample of a metric (any labels). */
    static double sum(String text, String name) {
        double s = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                s += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return s;
    }

    /** The first sample whose line starts with {@code prefix}. */
    static double sample(String text, String prefix) {
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    private static long treeBytes(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static double d(Map<String, String> r, String k) {
        try {
            return Double.parseDouble(r.getOrDefault(k, "NaN"));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v);
    }

    static String report(String started, List<Integer> steps, int warmup, int measure, String pgUrl,
                         List<Map<String, String>> rows, int maxSustained) {
        StringBuilder b = new StringBuilder();
        b.append("# DVR: concurrent recordings of 2.5 Mbit/s passthrough publishers on one core\n\n");
        b.append("Run `bench/run.sh dvr` (main class `io.tributary.bench.dvr.DvrBench`).\n\n");
        b.append("## Machine and run\n\n").append(BenchSupport.machine());
        b.append("- started: ").append(started).append(", finished: ").append(BenchSupport.now()).append('\n');
        b.append("- server: `taskset -c 0 java -cp ... io.tributary.Tributary`, TRIBUTARY_TRANSCODE_LADDER=none, one RTMP and one "
                + "HTTP instance, default HLS settings (2 s segments, 0.5 s parts), ")
                .append(pgUrl.isEmpty() ? "the embedded PostgreSQL under data-dir (its processes inherit core 0)"
                        : "PostgreSQL at " + pgUrl).append("; a fresh server and data-dir per run\n");
        b.append("- generator: the ingest benchmark's `IngestLoad` on core 1 (720p30 H.264 + AAC at 2.5 Mbit/s, replayed in real time); ")
                .append(warmup).append(" s warm-up, ").append(measure).append(" s window; each N with the DVR off, then on\n");
        b.append("- renditions recorded = 2 N (video and audio of each passthrough stream); bytes per media byte = "
                + "`tributary_dvr_recorded_bytes_total` (segments and inits written) / `tributary_ingest_bytes_total` over the "
                + "whole run; index p99 = the node's `tributary_dvr_index_write_seconds` (one multi-row INSERT per batch)\n");
        b.append("- steps tried: ").append(steps).append(" (stops at the first not sustained)\n\n");
        b.append("## Steps\n\n");
        b.append("| N | renditions | ingested Mbit/s | server CPU % off / on | core 0 busy % off / on | edge lag median / max s, off "
                + "| on | segments recorded | bytes per media byte | index INSERTs | index p99 / max ms | skipped / write err / index err "
                + "| verdict |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, String> r : rows) {
            b.append("| ").append(r.getOrDefault("publishers", "?"))
                    .append(" | ").append((int) (2 * d(r, "publishers")))
                    .append(" | ").append(r.getOrDefault("srv_mbit_per_s", "-"))
                    .append(" | ").append(r.getOrDefault("target_cpu_off_pct", "-")).append(" / ").append(r.getOrDefault("target_cpu_pct", "-"))
                    .append(" | ").append(r.getOrDefault("core_busy_off_pct", "-")).append(" / ").append(r.getOrDefault("core_busy_pct", "-"))
                    .append(" | ").append(r.getOrDefault("edge_lag_off_median_s", "-")).append(" / ").append(r.getOrDefault("edge_lag_off_max_s", "-"))
                    .append(" | ").append(r.getOrDefault("edge_lag_median_s", "-")).append(" / ").append(r.getOrDefault("edge_lag_max_s", "-"))
                    .append(" | ").append(r.getOrDefault("dvr_segments", "-"))
                    .append(" | ").append(r.getOrDefault("bytes_per_media_byte", "-"))
                    .append(" | ").append(r.getOrDefault("dvr_index_writes", "-"))
                    .append(" | ").append(r.getOrDefault("dvr_index_p99_ms", "-")).append(" / ").append(r.getOrDefault("dvr_index_max_ms", "-"))
                    .append(" | ").append(r.getOrDefault("dvr_skipped", "-")).append(" / ").append(r.getOrDefault("dvr_write_errors", "-"))
                    .append(" / ").append(r.getOrDefault("dvr_index_errors", "-"))
                    .append(" | ").append(r.get("verdict")).append(" |\n");
        }
        b.append("\n## Result\n\n");
        b.append("- renditions recorded, sustained, on one core: **").append(2 * maxSustained).append("**\n");
        b.append("- target: >= ").append(TARGET_RENDITIONS).append(" renditions per node -> **")
                .append(2 * maxSustained >= TARGET_RENDITIONS ? "PASS" : "not shown by this run").append("**\n");
        return b.toString();
    }
}
