package io.tributary.bench.srt;

import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.ingest.FlvRecording;
import io.tributary.bench.ingest.IngestLoad;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * SRT ingest benchmark, under the RTMP ingest benchmark's rules ({@code IngestBench}): for each
 * step N a fresh node runs in its own JVM pinned to core 0 ({@code taskset -c 0}, one RTMP and
 * one HTTP event loop, transcode ladder none) and the generator in its own JVM pinned to core 1:
 * {@link SrtLoad} for SRT, {@link IngestLoad} for the RTMP reference, both from the same
 * recording ({@link FlvRecording}, remuxed without re-encoding to MPEG-TS for SRT), both at real
 * time, in the same invocation. Each step runs under flock on {@link BenchSupport#LOCK}.
 * Sustained = over the window, frames and bytes ingested >= 98 % of those sent, no publisher
 * lost, server CPU < 100 % of its core, no publisher > 1 s behind, LL-HLS edge lag <= 2 s.
 *
 * <p>The loss runs: a few SRT publishers, each through its own {@link LossRelay} (drops 5 % of
 * datagrams at random, both directions), 120 ms latency, against the same run with no loss.
 * Per-frame end-to-end latency = the time the frame reached the node's publication (a Flight
 * Recorder event the node's SRT publisher emits, {@code io.tributary.SrtFrame}, carrying
 * {@code System.nanoTime()}) minus the time the generator sent the frame's first packet (its
 * {@code System.nanoTime()}); both are CLOCK_MONOTONIC on the same machine. Frames are matched by
 * stream key and DTS.
 *
 * <p>Usage: {@code SrtIngestBench [--steps 100,200,250] [--warmup-s 10] [--measure-s 20]
 * [--loss-publishers 4] [--loss-s 30] [--server-jvm-opts "..."] [--node-env K=V,K=V] [--skip-loss true] [--only srt|rtmp]}; writes
 * bench/results/srt-ingest.md.
 */
public final class SrtIngestBench {

    static final int TARGET = 200;
    static final double MIN_RATIO = 0.98;
    static final double CPU_LIMIT = 100;
    static final long MAX_GEN_LAG_MS = 1000;
    static final double MAX_EDGE_LAG_S = 2.0;
    static final double MAX_CPU_RATIO = 1.5;
    static final int LATENCY_MS = 120;

    private SrtIngestBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("step")) {
            step(args);
            return;
        }
        Map<String, String> opt = BenchSupport.options(args);
        List<Integer> steps = new ArrayList<>();
        for (String s : opt.getOrDefault("steps", "100,200,250").split(",")) {
            if (!s.isBlank()) {
                steps.add(Integer.parseInt(s.trim()));
            }
        }
        int warmup = Integer.parseInt(opt.getOrDefault("warmup-s", "10"));
        int measure = Integer.parseInt(opt.getOrDefault("measure-s", "20"));
        int lossPubs = Integer.parseInt(opt.getOrDefault("loss-publishers", "4"));
        int lossSeconds = Integer.parseInt(opt.getOrDefault("loss-s", "30"));
        String jvmOpts = opt.getOrDefault("server-jvm-opts", "").trim();
        nodeEnv = opt.getOrDefault("node-env", "").trim();
        String only = opt.getOrDefault("only", "both"); // srt, rtmp or both
        Path root = BenchSupport.root();
        Path work = root.resolve("bench/work");
        Path flv = FlvRecording.ensure(work);
        Path ts = remux(flv, work);
        TsClip clip = TsClip.read(ts);
        String started = BenchSupport.now();
        System.out.printf(Locale.ROOT, "srt benchmark, steps %s, warm-up %d s, window %d s; clip %.2f s at %.0f kbit/s%n", steps,
                warmup, measure, clip.seconds(), clip.bitRate() / 1e3);

        List<Map<String, String>[]> rows = new ArrayList<>();
        for (int n : steps) {
            Map<String, String> srt = only.equals("rtmp") ? Map.of() : runStep("srt", n, flv, ts, warmup, measure, jvmOpts);
            Map<String, String> rtmp = only.equals("srt") ? Map.of() : runStep("rtmp", n, flv, ts, warmup, measure, jvmOpts);
            @SuppressWarnings("unchecked")
            Map<String, String>[] row = new Map[]{new LinkedHashMap<>(srt), new LinkedHashMap<>(rtmp)};
            row[0].put("verdict", srt.isEmpty() ? "-" : verdict(srt, n, measure));
            row[1].put("verdict", rtmp.isEmpty() ? "-" : verdict(rtmp, n, measure));
            rows.add(row);
            System.out.println("N=" + n + " srt -> " + row[0].get("verdict") + "; rtmp -> " + row[1].get("verdict"));
        }
        Map<String, String> clean = Map.of();
        Map<String, String> lossy = Map.of();
        if (!opt.getOrDefault("skip-loss", "false").equals("true")) {
            clean = lossRun(0.0, lossPubs, flv, ts, lossSeconds, work);
            lossy = lossRun(0.05, lossPubs, flv, ts, lossSeconds, work);
        }
        String md = report(started, steps, warmup, measure, clip, jvmOpts, rows, lossPubs, lossSeconds, clean, lossy);
        Path out = root.resolve("bench/results/srt-ingest.md");
        Files.writeString(out, md);
        System.out.println(md);
        System.out.println("written to " + out);
    }

    /** The FLV's media, unchanged, in MPEG-TS (the bundled ffmpeg, stream copy). */
    static Path remux(Path flv, Path work) throws IOException, InterruptedException {
        Path ts = work.resolve(flv.getFileName().toString().replace(".flv", ".ts"));
        if (Files.isRegularFile(ts) && Files.size(ts) > 1_000_000) {
            return ts;
        }
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Path tmp = work.resolve("remux.tmp.ts");
        ProcessBuilder pb = new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", flv.toString(),
                "-c", "copy", "-f", "mpegts", tmp.toString()).inheritIO();
        Path links = work.resolve("ffmpeg-lib");
        Path cache = Path.of(ffmpeg).getParent();
        Files.createDirectories(links);
        for (String lib : List.of("libva", "libva-drm")) { // as FlvRecording: the binary wants the versioned names
            Path link = links.resolve(lib + ".so.2");
            if (Files.exists(cache.resolve(lib + ".so")) && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, cache.resolve(lib + ".so"));
            }
        }
        pb.environment().put("LD_LIBRARY_PATH", links + ":" + cache);
        if (pb.start().waitFor() != 0 || !Files.isRegularFile(tmp)) {
            throw new IOException("ffmpeg remux of " + flv + " failed");
        }
        Files.move(tmp, ts, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return ts;
    }

    static String verdict(Map<String, String> r, int n, int measure) {
        List<String> why = new ArrayList<>();
        if (r.containsKey("monitor_error") || !r.containsKey("frames_ratio")) {
            return "FAILED (no measurement: " + r.getOrDefault("monitor_error", r.getOrDefault("error", "?")) + ")";
        }
        if (d(r, "frames_ratio") < MIN_RATIO || d(r, "bytes_ratio") < MIN_RATIO) {
            why.add("ingested " + pct(d(r, "frames_ratio")) + " of frames / " + pct(d(r, "bytes_ratio")) + " of bytes sent");
        }
        if (d(r, "dead") > 0 || d(r, "publishing_at_end") < n || d(r, "srv_publishers") < n || d(r, "srv_rejected") > 0) {
            why.add("publishers lost (generator: " + r.get("publishing_at_end") + " publishing, " + r.get("dead")
                    + " closed; server " + r.get("srv_publishers") + ", rejected " + r.get("srv_rejected") + ")");
        }
        if (d(r, "target_cpu_pct") >= CPU_LIMIT) {
            why.add("server CPU " + r.get("target_cpu_pct") + " %");
        }
        if (d(r, "gen_max_lag_ms") > MAX_GEN_LAG_MS) {
            why.add("publishers " + r.get("gen_max_lag_ms") + " ms behind schedule");
        }
        if (!(d(r, "edge_lag_max_s") <= MAX_EDGE_LAG_S) || d(r, "playlist_errors") > 0
                || d(r, "min_segments_advanced") < measure / 2.0 / 2) {
            why.add("edge lag max " + r.get("edge_lag_max_s") + " s, segments advanced " + r.get("min_segments_advanced")
                    + ", playlist errors " + r.get("playlist_errors"));
        }
        return why.isEmpty() ? "sustained" : "NOT sustained: " + String.join("; ", why);
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

    /** CPU ms per publisher-second (1 % of a core = 10 ms/s). */
    static double cpuPerPublisher(Map<String, String> r) {
        return d(r, "target_cpu_pct") * 10 / d(r, "publishers");
    }

    /**
     * CPU ms per 2.5 Mbit/s actually ingested: the per-publisher cost whatever share of the load got through (on a
     * shared machine a starved node ingests less and spends less).
     */
    static double cpuPerIngested(Map<String, String> r) {
        return d(r, "target_cpu_pct") * 10 / (d(r, "srv_mbit_per_s") / 2.5);
    }

    /** One step as a child process under flock; its RESULT line as a map. */
    /** {@code --node-env K=V,K=V}: more environment for every step's node (both protocols), e.g. TRIBUTARY_NET_NATIVE_TRANSPORT=true. */
    private static String nodeEnv = "";

    static Map<String, String> runStep(String target, int n, Path flv, Path ts, int warmup, int measure, String jvmOpts)
            throws IOException, InterruptedException {
        return BenchSupport.runStep(List.of(BenchSupport.javaBin(), "-cp", BenchSupport.classpath(),
                SrtIngestBench.class.getName(), "step", target, Integer.toString(n), flv.toString(), ts.toString(),
                Integer.toString(warmup), Integer.toString(measure), jvmOpts.isEmpty() ? "-" : jvmOpts,
                nodeEnv.isEmpty() ? "-" : nodeEnv), target + " " + n);
    }

    /** This JVM's class path with absolute entries (run.sh gives them relative; the node runs in its own directory). */
    static String classpath() {
        List<String> parts = new ArrayList<>();
        for (String e : BenchSupport.classpath().split(java.io.File.pathSeparator)) {
            parts.add(Path.of(e).toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Child: the node on core 0, the generator on core 1, until the generator's window ends.
     * Targets: {@code srt}, {@code rtmp}, {@code loss0}/{@code loss5} (SRT with the frame trace).
     */
    static void step(String[] a) throws Exception {
        String target = a[1];
        int n = Integer.parseInt(a[2]);
        Path flv = Path.of(a[3]);
        Path ts = Path.of(a[4]);
        int warmup = Integer.parseInt(a[5]);
        int measure = Integer.parseInt(a[6]);
        List<String> jvmOpts = a.length > 7 && !a[7].equals("-") ? List.of(a[7].split(" +")) : List.of();
        String extraEnv = a.length > 8 && !a[8].equals("-") ? a[8] : "";
        boolean loss = target.startsWith("loss");
        Path work = flv.getParent();
        Path runDir = work.resolve("srt-run");
        Files.createDirectories(runDir);
        int rtmpPort = BenchSupport.freePort();
        int httpPort = BenchSupport.freePort();
        int srtPort = freeUdpPort();
        String name = "srt-" + target + "-" + n;
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "0", BenchSupport.javaBin(),
                "-Xlog:gc:file=" + work.resolve(name + "-gc.log")));
        cmd.addAll(jvmOpts);
        Path jfr = work.resolve(name + "-frames.jfr");
        if (loss) {
            Path jfc = work.resolve("srt-frames.jfc");
            Files.writeString(jfc, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <configuration version="2.0" label="SRT frames">
                      <event name="io.tributary.SrtFrame"><setting name="enabled">true</setting></event>
                    </configuration>
                    """);
            Files.deleteIfExists(jfr);
            cmd.add("-XX:StartFlightRecording=name=srtframes,settings=" + jfc);
        }
        cmd.addAll(List.of("-cp", classpath(), "io.tributary.Tributary"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("TRIBUTARY_HTTP_PORT", Integer.toString(httpPort));
        env.put("TRIBUTARY_RTMP_PORT", Integer.toString(rtmpPort));
        env.put("TRIBUTARY_SRT_PORT", Integer.toString(srtPort));
        env.put("TRIBUTARY_RTMP_INSTANCES", "1");
        env.put("TRIBUTARY_HTTP_INSTANCES", "1");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_SRT_HOST", "127.0.0.1");
        env.put("TRIBUTARY_SRT_LATENCY", LATENCY_MS + "ms");
        env.put("TRIBUTARY_SRT_MAX_CONNECTIONS", "10000");
        env.put("TRIBUTARY_SRT_MAX_CONNECTIONS_PER_ADDRESS", "10000"); // every publisher is 127.0.0.1
        env.put("TRIBUTARY_DATA_DIR", runDir.resolve("data-" + name).toString());
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any"); // a lab node: any key publishes, no accounts
        env.put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port, not 50051
        env.put("TRIBUTARY_AUTH_ENABLED", "false");
        for (String kv : extraEnv.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim()); // --node-env, for both protocols' nodes
            }
        }
        Process srv = pb.directory(runDir.toFile()).redirectErrorStream(true).redirectOutput(work.resolve(name + ".log").toFile()).start();
        Process gen = null;
        try {
            BenchSupport.waitForPort(rtmpPort, 60_000, srv);
            BenchSupport.waitForPort(httpPort, 60_000, srv);
            List<String> g = new ArrayList<>(List.of("taskset", "-c", "1", BenchSupport.javaBin(), "-Xms1g", "-Xmx2g",
                    "-cp", classpath()));
            if (target.equals("rtmp")) {
                g.addAll(List.of(IngestLoad.class.getName(), "--flv", flv.toString(), "--rtmp-port", Integer.toString(rtmpPort),
                        "--keys", "rtmp" + n));
            } else {
                g.addAll(List.of(SrtLoad.class.getName(), "--ts", ts.toString(), "--srt-port", Integer.toString(srtPort),
                        "--keys", target + "-" + n, "--latency-ms", Integer.toString(LATENCY_MS)));
                if (loss) {
                    g.addAll(List.of("--loss", target.equals("loss5") ? "0.05" : "0", "--frame-log",
                            work.resolve(name + "-sent.txt").toString(), "--drain-ms", "2000", "--ramp-ms", "1000"));
                }
            }
            g.addAll(List.of("--publishers", Integer.toString(n), "--warmup-s", Integer.toString(warmup),
                    "--measure-s", Integer.toString(measure), "--server-pid", Long.toString(srv.pid()), "--server-cpu", "0",
                    "--http-port", Integer.toString(httpPort)));
            System.out.println("node up (pid " + srv.pid() + "), starting generator at " + BenchSupport.now());
            gen = new ProcessBuilder(g).inheritIO().start();
            if (!gen.waitFor(Math.min(10_000, 40L * n) / 1000 + 15 + warmup + measure + 120, TimeUnit.SECONDS)) {
                System.out.println("generator did not finish in time; stopping it");
            }
            if (loss) {
                Thread.sleep(1000); // the last frames through TSBPD
                System.out.print(BenchSupport.run("jcmd", Long.toString(srv.pid()), "JFR.dump", "name=srtframes", "filename=" + jfr));
            }
        } finally {
            BenchSupport.stop(gen, 5_000);
            BenchSupport.stop(srv, 10_000);
            System.out.println("node stopped at " + BenchSupport.now());
        }
    }

    /** The loss runs: per-frame latency from the generator's send log and the node's frame events. */
    static Map<String, String> lossRun(double loss, int pubs, Path flv, Path ts, int seconds, Path work)
            throws IOException, InterruptedException {
        String target = loss > 0 ? "loss5" : "loss0";
        Map<String, String> r = runStep(target, pubs, flv, ts, 2, seconds, "");
        String name = "srt-" + target + "-" + pubs;
        Path sentLog = work.resolve(name + "-sent.txt");
        Path jfr = work.resolve(name + "-frames.jfr");
        if (!Files.isRegularFile(sentLog) || !Files.isRegularFile(jfr)) {
            r.put("latency_error", "missing " + sentLog + " or " + jfr);
            return r;
        }
        // per frame: when its first packet went, and when the next frame's first packet went (its own last packet at most
        // one 1316-byte payload earlier); frames sent in each stream's last second are left out: the generator's shutdown
        // makes the node deliver what it holds at once, ahead of TSBPD
        Map<String, long[]> sent = new HashMap<>();
        Map<String, String> previous = new HashMap<>();
        Map<String, Long> lastSent = new HashMap<>();
        for (String l : Files.readAllLines(sentLog)) {
            String[] f = l.split(" ");
            long at = Long.parseLong(f[2]);
            String key = f[0] + "/" + f[1];
            String prev = previous.put(f[0], key);
            if (prev != null) {
                sent.get(prev)[1] = at;
            }
            sent.put(key, new long[]{at, 0});
            lastSent.put(f[0], at);
        }
        sent.entrySet().removeIf(e -> e.getValue()[1] == 0
                || e.getValue()[0] > lastSent.get(e.getKey().substring(0, e.getKey().indexOf('/'))) - 1_000_000_000L);
        List<Double> first = new ArrayList<>();
        List<Double> last = new ArrayList<>();
        Map<String, Double> streamMin = new HashMap<>();
        long arrived = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("io.tributary.SrtFrame")) {
                continue;
            }
            arrived++;
            long[] at = sent.get(e.getString("stream") + "/" + e.getLong("dtsMs"));
            if (at != null) {
                first.add((e.getLong("nanoTime") - at[0]) / 1e6);
                double fromLast = (e.getLong("nanoTime") - at[1]) / 1e6;
                last.add(fromLast);
                streamMin.merge(e.getString("stream"), fromLast, Math::min);
            }
        }
        r.put("frames_sent", Integer.toString(sent.size()));
        r.put("frames_arrived", Long.toString(arrived));
        r.put("frames_matched", Integer.toString(first.size()));
        r.put("frames_published_ratio", String.format(Locale.ROOT, "%.4f", (double) first.size() / Math.max(1, sent.size())));
        percentiles(r, "first", first);
        percentiles(r, "last", last);
        // each connection's TSBPD clock starts from its handshake, so a handshake that took longer through the relay
        // shifts all of that stream's deliveries by the same amount: the streams' minima show it
        r.put("stream_min_last_ms", streamMin.values().stream().sorted().map(SrtIngestBench::fmt)
                .collect(java.util.stream.Collectors.joining(",")));
        System.out.println("loss " + loss + ": " + r);
        return r;
    }

    static void percentiles(Map<String, String> r, String name, List<Double> ms) {
        if (ms.isEmpty()) {
            return;
        }
        ms.sort(null);
        r.put(name + "_min_ms", fmt(ms.get(0)));
        r.put(name + "_p50_ms", fmt(ms.get(ms.size() / 2)));
        r.put(name + "_p99_ms", fmt(ms.get((int) Math.min(ms.size() - 1, Math.ceil(ms.size() * 0.99) - 1))));
        r.put(name + "_max_ms", fmt(ms.get(ms.size() - 1)));
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String report(String started, List<Integer> steps, int warmup, int measure, TsClip clip, String jvmOpts,
                         List<Map<String, String>[]> rows, int lossPubs, int lossSeconds, Map<String, String> clean,
                         Map<String, String> lossy) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# SRT ingest: 2.5 Mbit/s publishers on one core, against RTMP\n\n");
        b.append("Run `bench/run.sh srt` (main class `io.tributary.bench.srt.SrtIngestBench`).\n\n");
        b.append("## Machine and run\n\n").append(BenchSupport.machine());
        b.append("- started: ").append(started).append(", finished: ").append(BenchSupport.now()).append('\n');
        b.append("- load average at the end: ").append(Files.readString(Path.of("/proc/loadavg")).trim())
                .append(" (other work on the machine shares both cores)\n");
        b.append("- node: its own JVM, `").append(nodeEnv.isEmpty() ? "" : nodeEnv.replace(",", " ") + " ")
                .append("taskset -c 0 java -Xlog:gc:file=... ").append(jvmOpts.isEmpty() ? "" : jvmOpts + " ")
                .append("io.tributary.Tributary` (default heap and GC), TRIBUTARY_RTMP_INSTANCES=1, TRIBUTARY_HTTP_INSTANCES=1, "
                        + "TRIBUTARY_TRANSCODE_LADDER=none, srt.latency 120 ms, default HLS settings; a fresh node per step\n");
        b.append(String.format(Locale.ROOT, "- source: the RTMP ingest benchmark's recording (`%s`: H.264 High 1280x720 30 fps %s CBR-like, "
                        + "AAC %s), for SRT remuxed to MPEG-TS without re-encoding (%.2f s, %.0f kbit/s with TS overhead, sent as "
                        + "1316-byte payloads); each publisher replays it in real time with PTS/DTS/PCR and continuity counters continuing "
                        + "across loops\n", "ingest-2400k-720p30-gop2s.flv", FlvRecording.VIDEO_BITRATE, FlvRecording.AUDIO_BITRATE,
                clip.seconds(), clip.bitRate() / 1e3));
        b.append("- generators: their own JVM, `taskset -c 1`, one thread: `SrtLoad` (plain-Java `SrtCaller` per publisher, one UDP "
                + "socket each, ACKACKs and retransmissions answered) and, for RTMP, `IngestLoad` (the RTMP ingest benchmark's); "
                + "publishers start over min(10 s, 40 ms x N), then ").append(warmup).append(" s warm-up and a ").append(measure)
                .append(" s window\n");
        b.append("- sustained (both protocols, as bench/results/ingest.md): frames and bytes ingested over the window >= 98 % of those "
                + "sent (SRT: video frames, `tributary_ingest_frames_total{track=video}`), no publisher closed or refused, node CPU "
                + "< 100 % of core 0, no publisher > 1 s behind its schedule, 3 streams' LL-HLS edge lag <= 2 s\n");
        b.append("- CPU per publisher = node process CPU (utime+stime over the window, /proc) / N, in ms per publisher-second; "
                + "also per 2.5 Mbit/s the node actually ingested (what a starved node on a busy machine spends per unit of work); "
                + "core 0 busy % = the whole core, every process on it (SRT step / RTMP step)\n\n");
        b.append("## Steps\n\n");
        b.append("| N | SRT frames / bytes ratio | SRT lost / retransmitted / dropped too late | SRT node CPU % (system) "
                + "| SRT ms per publisher-s | SRT ms per 2.5 Mbit/s ingested | SRT edge lag max s | SRT gen CPU % / max lag ms "
                + "| core 0 busy % | RTMP frames ratio | RTMP node CPU % | RTMP ms per publisher-s "
                + "| RTMP ms per 2.5 Mbit/s ingested | SRT / RTMP CPU per publisher | SRT verdict | RTMP verdict |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        int maxSustained = 0;
        String ratioAtMax = "-";
        for (Map<String, String>[] row : rows) {
            Map<String, String> s = row[0];
            Map<String, String> r = row[1];
            double ratio = cpuPerPublisher(s) / cpuPerPublisher(r);
            b.append("| ").append(s.getOrDefault("publishers", r.getOrDefault("publishers", "?")))
                    .append(" | ").append(s.getOrDefault("frames_ratio", "-")).append(" / ").append(s.getOrDefault("bytes_ratio", "-"))
                    .append(" | ").append(s.getOrDefault("srt_lost", "-")).append(" / ").append(s.getOrDefault("srt_retransmitted", "-"))
                    .append(" / ").append(s.getOrDefault("srt_dropped", "-"))
                    .append(" | ").append(s.getOrDefault("target_cpu_pct", "-")).append(" (").append(s.getOrDefault("target_sys_pct", "-")).append(")")
                    .append(" | ").append(fmt2(cpuPerPublisher(s)))
                    .append(" | ").append(fmt2(cpuPerIngested(s)))
                    .append(" | ").append(s.getOrDefault("edge_lag_max_s", "-"))
                    .append(" | ").append(s.getOrDefault("gen_cpu_pct", "-")).append(" / ").append(s.getOrDefault("gen_max_lag_ms", "-"))
                    .append(" | ").append(s.getOrDefault("core_busy_pct", "-")).append(" / ").append(r.getOrDefault("core_busy_pct", "-"))
                    .append(" | ").append(r.getOrDefault("frames_ratio", "-"))
                    .append(" | ").append(r.getOrDefault("target_cpu_pct", "-"))
                    .append(" | ").append(fmt2(cpuPerPublisher(r)))
                    .append(" | ").append(fmt2(cpuPerIngested(r)))
                    .append(" | ").append(fmt2(ratio))
                    .append(" | ").append(s.get("verdict")).append(" | ").append(r.get("verdict")).append(" |\n");
            if ("sustained".equals(s.get("verdict"))) {
                int n = (int) d(s, "publishers");
                if (n > maxSustained) {
                    maxSustained = n;
                    ratioAtMax = fmt2(ratio);
                }
            }
        }
        b.append("\n- SRT publishers sustained on one core: **").append(maxSustained).append("** (target >= ").append(TARGET)
                .append(" -> ").append(maxSustained >= TARGET ? "PASS" : "FAIL").append(")\n");
        b.append("- SRT / RTMP CPU per publisher at that step: **").append(ratioAtMax).append("** (target <= ").append(MAX_CPU_RATIO)
                .append(")\n");
        if (!clean.isEmpty()) {
            b.append("\n## Loss: ").append(lossPubs).append(" SRT publishers, each through a relay dropping 5 % of datagrams at random "
                    + "(both directions), latency 120 ms, ").append(lossSeconds).append(" s window\n\n");
            b.append("Per-frame end-to-end latency = the time the video frame reached the node's publication (Flight Recorder event "
                    + "`io.tributary.SrtFrame`, `System.nanoTime()`) minus the time the generator sent the frame's first packet "
                    + "(`System.nanoTime()`; both CLOCK_MONOTONIC on this machine), frames matched by stream and DTS; every frame of "
                    + "the run but each stream's last second (the generator's shutdown flushes the node's window). \"From first "
                    + "packet\" includes the time the frame itself takes to send at the stream's rate (a keyframe: a few hundred ms); "
                    + "\"from last packet\" starts when the next frame's first packet went (the TS demuxer ends a frame when the next "
                    + "begins), so it is the TSBPD latency (120 ms) plus the node's 5 ms tick plus processing. Both runs go through "
                    + "the relay (at 0 % it drops nothing). A connection's TSBPD clock is set by its handshake (as in libsrt, which "
                    + "then corrects drift), so the one-way delay of the conclusion packet shifts all of that stream's deliveries: "
                    + "the last column shows each stream's minimum.\n\n");
            b.append("| loss | frames published / sent | node: packets lost / retransmitted / "
                    + "dropped too late (window) | from first packet: min / p50 / p99 / max ms | from last packet: min / p50 / p99 / max ms "
                    + "| from last packet, each stream's minimum ms |\n|---|---|---|---|---|---|\n");
            b.append(lossRow("0 %", clean)).append(lossRow("5 %", lossy));
            if (clean.containsKey("first_p50_ms") && lossy.containsKey("first_p50_ms")) {
                b.append(String.format(Locale.ROOT, "%n- added by 5 %% loss, from first packet: p50 %+.1f ms, p99 %+.1f ms; "
                                + "from last packet: p50 %+.1f ms, p99 %+.1f ms%n",
                        d(lossy, "first_p50_ms") - d(clean, "first_p50_ms"), d(lossy, "first_p99_ms") - d(clean, "first_p99_ms"),
                        d(lossy, "last_p50_ms") - d(clean, "last_p50_ms"), d(lossy, "last_p99_ms") - d(clean, "last_p99_ms")));
            }
        }
        return b.toString();
    }

    static String lossRow(String name, Map<String, String> r) {
        return "| " + name + " | " + r.getOrDefault("frames_matched", "-") + " / " + r.getOrDefault("frames_sent", "-")
                + " (" + r.getOrDefault("frames_published_ratio", "-") + ") | " + r.getOrDefault("srt_lost", "-") + " / "
                + r.getOrDefault("srt_retransmitted", "-") + " / " + r.getOrDefault("srt_dropped", "-") + " | "
                + quartet(r, "first") + " | " + quartet(r, "last") + " | " + r.getOrDefault("stream_min_last_ms", "-") + " |\n";
    }

    static String quartet(Map<String, String> r, String name) {
        return r.getOrDefault(name + "_min_ms", "-") + " / " + r.getOrDefault(name + "_p50_ms", "-") + " / "
                + r.getOrDefault(name + "_p99_ms", "-") + " / " + r.getOrDefault(name + "_max_ms", "-");
    }

    static String fmt2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }
}
