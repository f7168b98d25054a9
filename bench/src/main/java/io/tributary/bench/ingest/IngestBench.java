package io.tributary.bench.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ingest benchmark: how many concurrent 2.5 Mbit/s passthrough RTMP publishers one core
 * sustains. For each step N the server runs as its own JVM pinned to core 0 (one RTMP and
 * one HTTP event loop; JIT and GC share that core) and {@link IngestLoad} runs pinned to
 * core 1. Each step is one measurement phase under flock(1) on {@link BenchSupport#LOCK}.
 * The reference, in the same run, is the same load sent to {@link IngestSink} on core 0.
 *
 * <p>Usage: {@code IngestBench [--steps 50,100,...] [--warmup-s 10] [--measure-s 30]};
 * writes bench/results/ingest.md.
 */
public final class IngestBench {

    static final int TARGET = 200;
    static final double MIN_RATIO = 0.98;
    static final double CPU_LIMIT = 100;
    static final long MAX_GEN_LAG_MS = 1000;
    static final double MAX_EDGE_LAG_S = 2.0;

    /** Extra JVM options for the server (space-separated), e.g. a GC choice; none by default. */
    static String serverJvmOpts = "";

    private IngestBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("step")) {
            step(args);
            return;
        }
        Map<String, String> opt = BenchSupport.options(args);
        List<Integer> steps = new ArrayList<>();
        for (String s : opt.getOrDefault("steps", "50,100,150,200,250,300,350,400,500").split(",")) {
            steps.add(Integer.parseInt(s.trim()));
        }
        int warmup = Integer.parseInt(opt.getOrDefault("warmup-s", "10"));
        int measure = Integer.parseInt(opt.getOrDefault("measure-s", "30"));
        serverJvmOpts = opt.getOrDefault("server-jvm-opts", "").trim();
        Path root = BenchSupport.root();
        Path work = root.resolve("bench/work");
        Path jar = root.resolve("verticles/target/tributary.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: build with mvn -q -B install -DskipTests");
        }
        Path flv = FlvRecording.ensure(work);
        String started = BenchSupport.now();
        System.out.println("ingest benchmark, steps " + steps + ", warm-up " + warmup + " s, window " + measure + " s");

        List<Map<String, String>> rows = new ArrayList<>();
        int maxSustained = 0;
        int firstFailed = 0;
        for (int n : steps) {
            Map<String, String> r = runStep("server", n, flv, jar, warmup, measure);
            gcSummary(r, root.resolve("bench/work/ingest-server-" + n + "-gc.log"), measure);
            String verdict = verdict(r, n, measure);
            r.put("verdict", verdict);
            rows.add(r);
            System.out.println("N=" + n + " -> " + verdict + "  " + r);
            if (verdict.startsWith("sustained")) {
                maxSustained = n;
            } else {
                firstFailed = n;
                break;
            }
        }
        // reference: the same load into a discarding sink on the same core
        List<Map<String, String>> refs = new ArrayList<>();
        List<Integer> refNs = new ArrayList<>();
        if (maxSustained > 0) {
            refNs.add(maxSustained);
        }
        if (firstFailed > 0) {
            refNs.add(firstFailed);
        }
        for (int n : refNs) {
            Map<String, String> r = runStep("sink", n, flv, jar, Math.min(warmup, 5), measure);
            refs.add(r);
            System.out.println("sink N=" + n + " -> " + r);
        }
        String md = report(started, steps, warmup, measure, flv, rows, refs, maxSustained, firstFailed);
        Path out = root.resolve("bench/results/ingest.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        System.out.println();
        System.out.println(md);
        System.out.println("written to " + out);
    }

    static String verdict(Map<String, String> r, int n, int measure) {
        List<String> why = new ArrayList<>();
        if (r.containsKey("monitor_error") || !r.containsKey("frames_ratio")) {
            return "FAILED (no measurement: " + r.getOrDefault("monitor_error", r.getOrDefault("error", "?")) + ")";
        }
        if (d(r, "frames_ratio") < MIN_RATIO || d(r, "bytes_ratio") < MIN_RATIO) {
            why.add("server ingested " + pct(d(r, "frames_ratio")) + " of frames / " + pct(d(r, "bytes_ratio")) + " of bytes sent");
        }
        if (d(r, "dead") > 0 || d(r, "publishing_at_end") < n || d(r, "srv_publishers") < n || d(r, "srv_rejected") > 0) {
            why.add("publishers dropped (generator: " + r.get("publishing_at_end") + " publishing, " + r.get("dead")
                    + " closed; server gauge " + r.get("srv_publishers") + ", rejected " + r.get("srv_rejected") + ")");
        }
        if (d(r, "target_cpu_pct") >= CPU_LIMIT) {
            why.add("server CPU " + r.get("target_cpu_pct") + " %");
        }
        if (d(r, "gen_max_lag_ms") > MAX_GEN_LAG_MS) {
            why.add("publishers " + r.get("gen_max_lag_ms") + " ms behind schedule (send backlog)");
        }
        if (!(d(r, "edge_lag_max_s") <= MAX_EDGE_LAG_S) || d(r, "playlist_errors") > 0
                || d(r, "min_segments_advanced") < measure / 2.0 / 2) {
            why.add("LL-HLS edge lag max " + r.get("edge_lag_max_s") + " s, segments advanced " + r.get("min_segments_advanced")
                    + ", playlist errors " + r.get("playlist_errors"));
        }
        if (why.isEmpty()) {
            return "sustained";
        }
        String v = "NOT sustained: " + String.join("; ", why);
        if (d(r, "gen_cpu_pct") >= 95 && d(r, "target_cpu_pct") < 90) {
            v += " (generator-bound: generator CPU " + r.get("gen_cpu_pct") + " %)";
        }
        return v;
    }

    /** Max GC pause and the share of the window spent paused (window = the last measure s before the generator stopped). */
    static void gcSummary(Map<String, String> r, Path gcLog, int measure) {
        try {
            double end = d(r, "server_uptime_s");
            double max = 0;
            double inWindow = 0;
            String heap = "-";
            java.util.regex.Pattern pat = java.util.regex.Pattern.compile("^\\[([0-9.]+)s\\].*Pause .*-> ?([0-9]+M)\\(([0-9]+M)\\) ([0-9.]+)ms");
            for (String l : Files.readAllLines(gcLog)) {
                java.util.regex.Matcher m = pat.matcher(l);
                if (m.find()) {
                    double t = Double.parseDouble(m.group(1));
                    double ms = Double.parseDouble(m.group(4));
                    if (t <= end && t >= end - measure) {
                        max = Math.max(max, ms);
                        inWindow += ms;
                        heap = m.group(2) + "/" + m.group(3);
                    }
                }
            }
            r.put("gc_max_pause_ms", String.format(Locale.ROOT, "%.0f", max));
            r.put("gc_paused_pct", String.format(Locale.ROOT, "%.1f", inWindow / 10.0 / measure));
            r.put("gc_heap_after", heap);
        } catch (IOException | RuntimeException e) {
            r.put("gc_max_pause_ms", "?");
        }
    }

    static double d(Map<String, String> r, String k) {
        try {
            return Double.parseDouble(r.getOrDefault(k, "NaN"));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static String pct(double ratio) {
        return String.format(Locale.ROOT, "%.1f %%", ratio * 100);
    }

    /** Runs one step as a child process under flock, so the whole phase is exclusive. */
    static Map<String, String> runStep(String target, int n, Path flv, Path jar, int warmup, int measure)
            throws IOException, InterruptedException {
        return BenchSupport.runStep(List.of(BenchSupport.javaBin(), "-cp", BenchSupport.classpath(),
                IngestBench.class.getName(), "step", target, Integer.toString(n), flv.toString(), jar.toString(),
                Integer.toString(warmup), Integer.toString(measure), serverJvmOpts.isEmpty() ? "-" : serverJvmOpts), target + " " + n);
    }

    private static long serverStart;

    /** Child: start the target on core 0, the generator on core 1, wait, stop both. */
    static void step(String[] a) throws Exception {
        String target = a[1];
        int n = Integer.parseInt(a[2]);
        Path flv = Path.of(a[3]);
        Path jar = Path.of(a[4]);
        int warmup = Integer.parseInt(a[5]);
        int measure = Integer.parseInt(a[6]);
        List<String> jvmOpts = a.length > 7 && !a[7].equals("-") ? List.of(a[7].split(" +")) : List.of();
        Path work = flv.getParent();
        Path runDir = work.resolve("ingest-run");
        Files.createDirectories(runDir);
        int rtmpPort = BenchSupport.freePort();
        int httpPort = BenchSupport.freePort();
        Process srv;
        Path log = work.resolve("ingest-" + target + "-" + n + ".log");
        if (target.equals("server")) {
            List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "0", BenchSupport.javaBin(),
                    "-Xlog:gc:file=" + work.resolve("ingest-server-" + n + "-gc.log")));
            cmd.addAll(jvmOpts);
            cmd.addAll(List.of("-jar", jar.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("TRIBUTARY_HTTP_PORT", Integer.toString(httpPort));
            pb.environment().put("TRIBUTARY_RTMP_PORT", Integer.toString(rtmpPort));
            pb.environment().put("TRIBUTARY_RTMP_INSTANCES", "1");
            pb.environment().put("TRIBUTARY_TRANSCODE_LADDER", "none"); // passthrough: this measures ingest, not encoding
            pb.environment().put("TRIBUTARY_HTTP_INSTANCES", "1");
            pb.environment().put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
            pb.environment().put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
            pb.environment().put("TRIBUTARY_DATA_DIR", runDir.resolve("data").toString());
            pb.environment().put("TRIBUTARY_RTMP_STREAM_KEYS", "any"); // a lab node: any key publishes, no accounts
            pb.environment().put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port, not 50051
            pb.environment().put("TRIBUTARY_AUTH_ENABLED", "false");
            srv = pb.directory(runDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            serverStart = System.nanoTime();
        } else {
            srv = new ProcessBuilder("taskset", "-c", "0", BenchSupport.javaBin(), "-cp", BenchSupport.classpath(),
                    IngestSink.class.getName(), Integer.toString(rtmpPort), "600")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }
        Process gen = null;
        try {
            BenchSupport.waitForPort(rtmpPort, 60_000, srv);
            if (target.equals("server")) {
                BenchSupport.waitForPort(httpPort, 60_000, srv);
            }
            List<String> g = new ArrayList<>(List.of("taskset", "-c", "1", BenchSupport.javaBin(), "-Xms1g", "-Xmx2g",
                    "-cp", BenchSupport.classpath(), IngestLoad.class.getName(),
                    "--flv", flv.toString(), "--rtmp-port", Integer.toString(rtmpPort), "--publishers", Integer.toString(n),
                    "--warmup-s", Integer.toString(warmup), "--measure-s", Integer.toString(measure),
                    "--server-pid", Long.toString(srv.pid()), "--server-cpu", "0", "--keys", "pub" + n));
            if (target.equals("server")) {
                g.addAll(List.of("--http-port", Integer.toString(httpPort)));
            }
            System.out.println("target up (pid " + srv.pid() + "), starting generator at " + BenchSupport.now());
            gen = new ProcessBuilder(g).inheritIO().start();
            if (!gen.waitFor(Math.min(10_000, 40L * n) / 1000 + 15 + warmup + measure + 120, TimeUnit.SECONDS)) {
                System.out.println("generator did not finish in time; stopping it");
            }
        } finally {
            BenchSupport.stop(gen, 5_000);
            if (serverStart > 0) {
                System.out.println("RESULT server_uptime_s=" + (System.nanoTime() - serverStart) / 1_000_000_000.0);
            }
            System.out.println("generator done at " + BenchSupport.now() + ", stopping target");
            BenchSupport.stop(srv, 10_000);
            System.out.println("target stopped at " + BenchSupport.now());
        }
    }

    static String report(String started, List<Integer> steps, int warmup, int measure, Path flv,
                         List<Map<String, String>> rows, List<Map<String, String>> refs, int maxSustained, int firstFailed)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Ingest: concurrent 2.5 Mbit/s passthrough RTMP publishers on one core\n\n");
        b.append("Run `bench/run.sh ingest` (main class `io.tributary.bench.ingest.IngestBench`).\n\n");
        b.append("## Machine and run\n\n").append(BenchSupport.machine());
        b.append("- started: ").append(started).append(", finished: ").append(BenchSupport.now()).append('\n');
        b.append("- server: `taskset -c 0 java -Xlog:gc:file=... ").append(serverJvmOpts.isEmpty() ? "" : serverJvmOpts + " ")
                .append("-jar verticles/target/tributary.jar` (").append(serverJvmOpts.isEmpty() ? "default heap and GC; " : "")
                .append("with one CPU visible the JVM picks SerialGC unless told otherwise), TRIBUTARY_RTMP_INSTANCES=1, TRIBUTARY_HTTP_INSTANCES=1, TRIBUTARY_TRANSCODE_LADDER=none, "
                + "default HLS settings (2 s segments, 0.5 s parts); a fresh server per step\n");
        b.append("- generator: `IngestLoad` in its own JVM, `taskset -c 1`, one NIO thread, `RtmpClientSession` per publisher, "
                + "connections spread over min(10 s, 40 ms x N), then ").append(warmup).append(" s warm-up and a ")
                .append(measure).append(" s measurement window\n");
        b.append(String.format(Locale.ROOT, "- source: `%s` (%.1f MB, %d s loop), recorded once with the JavaCV-bundled ffmpeg: "
                        + "H.264 High 1280x720 30 fps, %s CBR-like, 2 s GOP, 2 B-frames + AAC-LC %s 48 kHz stereo; each "
                        + "publisher replays it in real time with timestamps continuing across loops\n",
                flv.getFileName(), Files.size(flv) / 1e6, FlvRecording.SECONDS, FlvRecording.VIDEO_BITRATE, FlvRecording.AUDIO_BITRATE));
        b.append("- steps tried: ").append(steps).append(" (stops at the first step not sustained)\n");
        b.append("- warm-up ").append(warmup).append(" s after the last publisher started, window ").append(measure)
                .append(" s; GC logs in bench/work/ingest-server-N-gc.log\n");
        b.append("- a step is **sustained** when over the window: the server's `tributary_ingest_frames_total` and "
                + "`tributary_ingest_bytes_total` advance by >= 98 % of what the generator sent; no publisher was closed "
                + "or rejected (generator and `tributary_publishers` gauge both = N); server process CPU < 100 % of the core; "
                + "no publisher more than 1 s behind its real-time schedule (send backlog); and 3 sampled streams' video "
                + "playlists advance with an edge lag <= 2 s (edge lag = fetch time minus the wall-clock end of the last "
                + "listed part, PROGRAM-DATE-TIME being anchored to the first sample's arrival and advanced by media time)\n\n");

        b.append("## Steps (server on core 0)\n\n");
        b.append("| N | generator sent Mbit/s | server ingested Mbit/s | frames ratio | bytes ratio | server CPU % | core 0 busy % "
                + "| generator CPU % | max gen lag ms | edge lag median / max s | publishers at end "
                + "| GC in window: max pause ms / paused % / heap after (used/committed) | verdict |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, String> r : rows) {
            b.append("| ").append(r.getOrDefault("publishers", "?"))
                    .append(" | ").append(r.getOrDefault("gen_mbit_per_s", "-"))
                    .append(" | ").append(r.getOrDefault("srv_mbit_per_s", "-"))
                    .append(" | ").append(r.getOrDefault("frames_ratio", "-"))
                    .append(" | ").append(r.getOrDefault("bytes_ratio", "-"))
                    .append(" | ").append(r.getOrDefault("target_cpu_pct", "-"))
                    .append(" | ").append(r.getOrDefault("core_busy_pct", "-"))
                    .append(" | ").append(r.getOrDefault("gen_cpu_pct", "-"))
                    .append(" | ").append(r.getOrDefault("gen_max_lag_ms", "-"))
                    .append(" | ").append(r.getOrDefault("edge_lag_median_s", "-")).append(" / ").append(r.getOrDefault("edge_lag_max_s", "-"))
                    .append(" | ").append(r.getOrDefault("srv_publishers", "-"))
                    .append(" | ").append(r.getOrDefault("gc_max_pause_ms", "-")).append(" / ").append(r.getOrDefault("gc_paused_pct", "-"))
                    .append(" / ").append(r.getOrDefault("gc_heap_after", "-"))
                    .append(" | ").append(r.get("verdict")).append(" |\n");
        }
        b.append("\n## Reference: the same load into a discarding RTMP sink on core 0 (`IngestSink`)\n\n");
        b.append("The sink answers handshake/connect/publish with the same `RtmpServerSession`, then only reads and "
                + "discards (no chunk parsing, no packaging, no HTTP): its CPU is the floor of kernel TCP receive plus "
                + "one copy, and the generator's rate into it shows what the generator can send.\n\n");
        b.append("| N | generator sent Mbit/s | sink CPU % | core 0 busy % | generator CPU % | max gen lag ms | publishers at end |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (Map<String, String> r : refs) {
            b.append("| ").append(r.getOrDefault("publishers", "?"))
                    .append(" | ").append(r.getOrDefault("gen_mbit_per_s", "-"))
                    .append(" | ").append(r.getOrDefault("target_cpu_pct", "-"))
                    .append(" | ").append(r.getOrDefault("core_busy_pct", "-"))
                    .append(" | ").append(r.getOrDefault("gen_cpu_pct", "-"))
                    .append(" | ").append(r.getOrDefault("gen_max_lag_ms", "-"))
                    .append(" | ").append(r.getOrDefault("publishing_at_end", "-")).append(" |\n");
        }
        b.append("\n## Result\n\n");
        b.append("- maximum sustained N per core: **").append(maxSustained).append("**")
                .append(firstFailed > 0 ? " (first step not sustained: " + firstFailed + ")" : " (every step tried was sustained; the real maximum is higher)")
                .append('\n');
        for (Map<String, String> ref : refs) {
            int n = (int) d(ref, "publishers");
            Map<String, String> srv = rows.stream().filter(r -> (int) d(r, "publishers") == n).findFirst().orElse(null);
            if (srv != null && d(ref, "target_cpu_pct") > 0) {
                b.append(String.format(Locale.ROOT, "- at N=%d: server CPU %.1f %% vs sink %.1f %% -> ratio %.2f "
                                + "(server %.3f %% of a core per publisher, sink %.3f %%)\n", n, d(srv, "target_cpu_pct"),
                        d(ref, "target_cpu_pct"), d(srv, "target_cpu_pct") / d(ref, "target_cpu_pct"),
                        d(srv, "target_cpu_pct") / n, d(ref, "target_cpu_pct") / n));
            }
        }
        b.append("- target: >= ").append(TARGET).append(" publishers per core -> **")
                .append(maxSustained >= TARGET ? "PASS" : "FAIL").append("**\n");
        return b.toString();
    }
}
