package io.tributary.bench.transcode;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.bench.support.Report.f;

/**
 * Does a node give back what a transcoded stream took? A server process (the jar) with the
 * seed ladder takes N short publishes of a 1080p30 source (720p and 360p encoded, 1080p
 * passed through), each on a new key, each unpublished and ended before the next; the
 * server's RSS is read from /proc after a warm-up and at the end. The reference, in the same
 * run, is the same cycles on a node with {@code transcode.ladder: none}: what the node's
 * growth is without any encoder.
 *
 * <p>The heap is fixed and pre-touched ({@code -Xms=-Xmx}, AlwaysPreTouch) so its pages do
 * not read as growth, and each sample follows a full GC (direct buffers of removed streams
 * are freed by their cleaners). Native Memory Tracking tells the JVM's own share of a change
 * from FFmpeg's (malloc outside the JVM's accounting).
 */
public final class TranscodeCyclesBench {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<String> JVM = List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch",
            "-XX:NativeMemoryTracking=summary");

    /** One reading of the server process. */
    record Sample(int cycle, long rssKb, long nmtCommittedKb, long heapUsedKb, int threads) {
    }

    record Run(String ladder, List<Sample> samples, long framesEncoded, int cyclesTranscoded, int cycles, double seconds) {

        Sample warm(int warmup) {
            return samples.stream().filter(s -> s.cycle() == warmup).findFirst().orElseThrow();
        }

        Sample last() {
            return samples.get(samples.size() - 1);
        }

        /**
         * RSS trend in KB per cycle over the measured samples: the Theil-Sen estimate (median of
         * the slopes between every pair of samples), which one outlying sample cannot swing.
         */
        double slopeKbPerCycle(int warmup) {
            List<Sample> m = samples.stream().filter(s -> s.cycle() >= warmup).toList();
            List<Double> slopes = new ArrayList<>();
            for (int i = 0; i < m.size(); i++) {
                for (int j = i + 1; j < m.size(); j++) {
                    slopes.add((m.get(j).rssKb() - m.get(i).rssKb()) / (double) (m.get(j).cycle() - m.get(i).cycle()));
                }
            }
            java.util.Collections.sort(slopes);
            int n = slopes.size();
            return n % 2 == 1 ? slopes.get(n / 2) : (slopes.get(n / 2 - 1) + slopes.get(n / 2)) / 2;
        }

        /** The first sample at or after {@code cycle}. */
        Sample at(int cycle) {
            return samples.stream().filter(s -> s.cycle() >= cycle).findFirst().orElseThrow();
        }
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 50; // RSS settles over ~50 cycles (results/transcode-cycles-warmup10.md)
        // diagnosis: extra environment for the server, e.g. BENCH_SERVER_ENV="MALLOC_ARENA_MAX=2"
        Map<String, String> extra = new java.util.TreeMap<>();
        String serverEnv = System.getenv().getOrDefault("BENCH_SERVER_ENV", "").trim();
        for (String kv : serverEnv.isEmpty() ? new String[0] : serverEnv.split("\\s+")) {
            extra.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        String started = java.time.Instant.now().toString();
        // two 1 s GOPs per publish
        EncodedMedia media = EncodedMedia.encode(1920, 1080, 30, 30, true, null, 2.0);

        List<Run> runs = new ArrayList<>();
        List<String> ladders = args.length > 2 ? List.of(args[2].split(",")) : List.of("seed", "none");
        for (String ladder : ladders) {
            try (BenchLock lock = BenchLock.acquire("transcode-cycles " + ladder)) {
                runs.add(run(ladder, media, cycles, warmup, extra));
            }
        }
        report(runs, media, cycles, warmup, started, extra);
    }

    private static Run run(String ladder, EncodedMedia media, int cycles, int warmup, Map<String, String> extra)
            throws Exception {
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.putAll(Map.of("TRIBUTARY_TRANSCODE_LADDER", ladder,
                "TRIBUTARY_TRANSCODE_MAX_PIXEL_RATE", "0", // one ladder at a time anyway; never downgraded
                "TRIBUTARY_RTMP_RECONNECT_GRACE", "100ms", "TRIBUTARY_RTMP_ENDED_RETENTION", "100ms"));
        long t0 = System.nanoTime();
        List<Sample> samples = new ArrayList<>();
        long encoded = 0;
        int transcoded = 0;
        try (ServerProcess server = ServerProcess.start("transcode-cycles-" + ladder, JVM, env)) {
            samples.add(sample(server, 0));
            for (int i = 1; i <= warmup + cycles; i++) {
                String key = "cycle-" + i;
                try (RtmpPush push = RtmpPush.publish(server.rtmpPort(), key, media)) {
                    push.sendPaced(media.samples(), Long.MAX_VALUE, null);
                    // what the stream ran, read before it ends (encoded rungs and their output so far)
                    JsonObject stream = new JsonObject(get(server.httpUrl("/api/v1/streams/" + key)));
                    JsonArray rungs = stream.getJsonArray("transcode", new JsonArray());
                    long out = 0;
                    for (int r = 0; r < rungs.size(); r++) {
                        out += rungs.getJsonObject(r).getLong("framesOut");
                    }
                    encoded += out;
                    if (out > 0) {
                        transcoded++;
                    }
                    push.unpublish();
                }
                awaitGone(server, key);
                if (i == warmup || (i > warmup && (i - warmup) % 10 == 0) || i == warmup + cycles) {
                    Sample s = sample(server, i);
                    samples.add(s);
                    System.out.printf("[cycles %s] %d: RSS %.1f MB, NMT committed %.1f MB, heap %.1f MB, %d threads%n",
                            ladder, i, s.rssKb() / 1024.0, s.nmtCommittedKb() / 1024.0, s.heapUsedKb() / 1024.0, s.threads());
                }
            }
        }
        return new Run(ladder, samples, encoded, transcoded, warmup + cycles, (System.nanoTime() - t0) / 1e9);
    }

    /** Waits until the stream was ended and removed (its transcoder closed, its meters dropped). */
    private static void awaitGone(ServerProcess server, String key) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.httpUrl("/api/v1/streams/" + key)))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("stream " + key + " still there 10 s after unpublish");
    }

    private static Sample sample(ServerProcess server, int cycle) throws Exception {
        long heap = server.heapUsedAfterGc() / 1024; // a full GC first: cleaners free dropped direct buffers
        Thread.sleep(500);
        String status = Files.readString(Path.of("/proc/" + server.pid() + "/status"));
        long rss = field(status, "VmRSS:\\s+(\\d+) kB");
        int threads = (int) field(status, "Threads:\\s+(\\d+)");
        long nmt = field(server.jcmd("VM.native_memory", "summary"), "Total: reserved=\\d+KB, committed=(\\d+)KB");
        return new Sample(cycle, rss, nmt, heap, threads);
    }

    private static long field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + regex + " in: " + text);
        }
        return Long.parseLong(m.group(1));
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private static double mb(long kb) {
        return kb / 1024.0;
    }

    private static void report(List<Run> runs, EncodedMedia media, int cycles, int warmup, String started,
                               Map<String, String> extra) {
        Report r = new Report("Transcode cycles: server RSS over " + cycles + " publish/unpublish cycles"
                + (extra.isEmpty() ? "" : " (server environment " + extra + ")"));
        r.line("Run `bench/run.sh transcode-cycles [CYCLES [WARMUP [LADDERS]]]` (main class `io.tributary.bench.transcode.TranscodeCyclesBench`).");
        r.section("Machine").line(Machine.describe());
        r.line("- started: " + started + ", finished: " + java.time.Instant.now());
        r.section("Parameters");
        r.line(f("- source: SyntheticAvSource %dx%d @ %d fps, GOP %d frames, AAC; %.1f s per publish (two GOPs), paced in real time "
                + "over RTMP (`RtmpPush`, onMetaData framerate 30), then FCUnpublish/deleteStream", media.width(), media.height(),
                media.fps(), media.gop(), media.seconds()));
        r.line(f("- cycles: %d warm-up + %d measured, a new stream key per cycle; the next publish waits until the stream "
                + "ended and was removed (`rtmp.reconnect-grace` 100 ms, `rtmp.ended-retention` 100 ms, then /api/v1/streams/KEY is 404)",
                warmup, cycles));
        r.line("- server: `java " + String.join(" ", JVM) + " -jar verticles/target/tributary.jar`, "
                + "`transcode.max-pixel-rate` 0; the seed run encodes 720p and 360p (1080p is the source passed through), "
                + "the reference run has `transcode.ladder: none`");
        r.line("- a sample: `jcmd GC.run`, 0.5 s, then VmRSS and Threads from /proc/PID/status, and the committed total of "
                + "`jcmd VM.native_memory summary` (the JVM's own memory: heap, metaspace, code, threads, NIO direct buffers...; "
                + "FFmpeg's malloc is not in it)");
        for (Run run : runs) {
            r.section("Ladder " + run.ladder());
            r.line(f("- %d cycles in %.0f s; cycles whose stream encoded frames: %d; frames encoded over all rungs: %d",
                    run.cycles(), run.seconds(), run.cyclesTranscoded(), run.framesEncoded()));
            r.line("");
            r.line("| after cycle | RSS (MB) | JVM NMT committed (MB) | RSS − NMT (MB) | heap used after GC (MB) | threads |");
            r.line("|---:|---:|---:|---:|---:|---:|");
            for (Sample s : run.samples()) {
                r.line(f("| %d | %.1f | %.1f | %.1f | %.1f | %d |", s.cycle(), mb(s.rssKb()), mb(s.nmtCommittedKb()),
                        mb(s.rssKb() - s.nmtCommittedKb()), mb(s.heapUsedKb()), s.threads()));
            }
        }
        r.section("Result");
        if (runs.size() < 2) {
            Run only = runs.get(0);
            r.line(f("- RSS growth over the %d measured cycles, ladder %s: %+.1f MB; no reference run (ladders given on the command line)",
                    cycles, only.ladder(), mb(only.last().rssKb() - only.warm(warmup).rssKb())));
            write(r, extra);
            return;
        }
        Run seed = runs.get(0);
        Run none = runs.get(1);
        long seedGrowth = seed.last().rssKb() - seed.warm(warmup).rssKb();
        long noneGrowth = none.last().rssKb() - none.warm(warmup).rssKb();
        long seedNative = (seed.last().rssKb() - seed.last().nmtCommittedKb()) - (seed.warm(warmup).rssKb() - seed.warm(warmup).nmtCommittedKb());
        double perCycle = seedGrowth / (double) cycles;
        r.line(f("- RSS growth over the %d measured cycles, seed ladder: %+.1f MB (%+.1f KB per cycle); of which outside the JVM's "
                + "accounting (RSS − NMT): %+.1f MB", cycles, mb(seedGrowth), perCycle, mb(seedNative)));
        r.line(f("- reference, no ladder (same cycles): %+.1f MB", mb(noneGrowth)));
        int half = warmup + cycles / 2;
        r.line(f("- second half only (after cycle %d → end): seed %+.1f MB, none %+.1f MB", seed.at(half).cycle(),
                mb(seed.last().rssKb() - seed.at(half).rssKb()), mb(none.last().rssKb() - none.at(half).rssKb())));
        r.line(f("- threads after warm-up → end, seed: %d → %d; none: %d → %d", seed.warm(warmup).threads(), seed.last().threads(),
                none.warm(warmup).threads(), none.last().threads()));
        double seedSlope = seed.slopeKbPerCycle(warmup);
        double noneSlope = none.slopeKbPerCycle(warmup);
        double excessMb = (seedSlope - noneSlope) * cycles / 1024;
        r.line(f("- trend (Theil-Sen slope of RSS over the measured samples): seed %+.1f KB per cycle, none %+.1f KB per cycle",
                seedSlope, noneSlope));
        r.line("- single samples move by several MB either way (glibc gives memory back in steps), so the verdict uses the trend, "
                + "not the difference of two samples");
        boolean flat = excessMb <= 10 && seed.cyclesTranscoded() == seed.cycles();
        r.line("");
        r.line("| figure | value | target | result |");
        r.line("|---|---:|---:|---|");
        r.line(f("| RSS trend with the seed ladder minus the reference's, over %d cycles | %+.1f MB | ≤ 10 MB (a leaked 720p+360p "
                + "encoder pair would be tens of MB per cycle) | %s |", cycles, excessMb, flat ? "PASS" : "FAIL"));
        write(r, extra);
    }

    private static void write(Report r, Map<String, String> extra) {
        String suffix = extra.isEmpty() ? "" : "-" + String.join("-", extra.keySet()).toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9-]", "");
        r.write(ServerProcess.root().resolve("bench/results/transcode-cycles" + suffix + ".md"));
    }
}
