package io.tributary.bench.transcode;

import static io.tributary.bench.support.Report.f;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.Stats;
import io.tributary.bench.transcode.TranscodeKit.Sink;
import io.tributary.bench.transcode.TranscodeKit.Source;
import io.tributary.media.MediaSample;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;
import io.tributary.media.transcode.LiveTranscoder;
import io.tributary.media.transcode.RungStats;
import io.tributary.media.transcode.TranscodeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Latency the transcoded rungs add over the source: samples offered paced in real time (30 fps,
 * by dts), and for every source frame the time from {@code offer} to the rung's
 * {@code onSample} with the same pts, with the default tune (zerolatency).
 *
 * <p>Args: [paced seconds per case (default 30)]
 */
public final class TranscodeLatencyBench {

    private static final double TARGET_MS = 300;
    private static final double WARMUP_SECONDS = 1;

    record RungResult(String rung, Stats ms, long framesOut, long dropped, double busyMsPerFrame, int threads) {
    }

    record CaseResult(String name, Source src, List<LadderRung> resolved, Map<String, Integer> threads,
                      List<RungResult> rungs, double cpuPerMediaSecond, double maxLateMs, String load) {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 30;
        int fps = 30;
        int gop = 60;
        Source s1080 = TranscodeKit.source(1920, 1080, fps, gop, seconds);
        Source s720 = TranscodeKit.source(1280, 720, fps, gop, seconds);
        TranscodeOptions opts = TranscodeOptions.defaults();

        List<CaseResult> results = new ArrayList<>();
        try (BenchLock lock = BenchLock.acquire("transcode-latency")) {
            results.add(run("1080p30 source, seed ladder (1080p bypassed; 720p, 360p encoded)", s1080, Ladder.SEED, opts));
            results.add(run("720p30 source, 720/480/360 all encoded", s720, TranscodeKit.ladder720Encoded(), opts));
        }

        Report r = new Report("Transcode latency: source offer → rung onSample, paced in real time");
        r.section("Machine").line(Machine.describe());
        r.section("Parameters");
        r.line("- sources: " + s1080.describe());
        r.line("  and " + s720.describe());
        for (CaseResult c : results) {
            r.line("- " + c.name() + ": " + TranscodeKit.describeRungs(c.resolved(), c.threads()));
        }
        r.line("- `LiveTranscoder` with `TranscodeOptions.defaults()` and the rungs' default x264 options: preset veryfast, "
                + "tune zerolatency (no lookahead, no B-frames, sliced threads)");
        r.line(f("- feed: one thread offers each sample at its dts on a real-time clock (30 fps); per source frame, "
                + "latency = `System.nanoTime()` in `onSample` for that pts − `System.nanoTime()` just before its `offer` "
                + "(output pts = source pts). Frames of the first %.0f s are warm-up and not counted; the JIT was warmed first "
                + "by a 3 s run fed as fast as possible.", WARMUP_SECONDS));
        r.line("- reference (floor, same run): the rung thread's busy time per frame (`RungStats.busyNanos / framesOut`: scale + "
                + "encode + listener), i.e. the latency with no queueing at all; decode (≤ a few ms) and the decode thread's "
                + "1 ms idle poll come on top");
        r.line("- CPU = process user+sys over the paced run / media seconds (how loaded the 2 cores were)");

        for (CaseResult c : results) {
            r.section(c.name());
            r.line(f("CPU %.3f s per media s; feeder lateness max %.1f ms; load avg before %s.", c.cpuPerMediaSecond(),
                    c.maxLateMs(), c.load()));
            r.line("");
            r.line("| rung | x264 threads | frames measured | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | mean (ms) | floor: busy per frame (ms) | dropped |");
            r.line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (RungResult x : c.rungs()) {
                r.line(f("| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |", x.rung(), x.threads(), x.ms().count(),
                        x.ms().p(50), x.ms().p(90), x.ms().p(99), x.ms().max(), x.ms().mean(), x.busyMsPerFrame(), x.dropped()));
            }
        }

        r.section("Summary");
        r.line("| case | rung | p50 (ms) | p99 (ms) | floor (ms) | target p99 | result |");
        r.line("|---|---|---:|---:|---:|---|---|");
        for (CaseResult c : results) {
            for (RungResult x : c.rungs()) {
                boolean ok = x.ms().p(99) <= TARGET_MS && x.dropped() == 0;
                r.line(f("| %s | %s | %.1f | %.1f | %.1f | ≤ %.0f ms | %s |", c.name(), x.rung(), x.ms().p(50), x.ms().p(99),
                        x.busyMsPerFrame(), TARGET_MS, ok ? "PASS" : "FAIL"));
            }
        }
        r.line("");
        r.line("Bypassed rungs add no latency (the source samples are passed through by the caller).");
        r.write(TranscodeKit.ROOT.resolve(Path.of("bench/results/transcode-latency.md")));
    }

    private static CaseResult run(String name, Source src, List<LadderRung> ladder, TranscodeOptions opts)
            throws InterruptedException {
        List<LadderRung> resolved = Ladder.resolve(ladder, src.width(), src.height());
        Map<String, Integer> threads = TranscodeKit.threads(Ladder.encoded(resolved), opts);
        System.out.println("[warm-up] " + name);
        Source warm = new Source(src.width(), src.height(), src.fps(), src.gop(), src.avcC(),
                src.samples().subList(0, 3 * src.fps()), src.annexB(), 0);
        TranscodeKit.runFast(warm, ladder, opts);

        System.out.println("[paced] " + name);
        String load = TranscodeKit.loadAvg();
        Sink sink = new Sink();
        Map<Long, Long> offeredAt = new ConcurrentHashMap<>();
        sink.offeredAt = offeredAt;
        double cpu0 = TranscodeKit.selfCpu();
        double maxLate = 0;
        List<RungStats> stats;
        try (LiveTranscoder t = new LiveTranscoder(AvcConfig.parse(src.avcC()), ladder, sink, opts)) {
            long first = src.samples().get(0).dts();
            long start = System.nanoTime() + 50_000_000;
            for (MediaSample s : src.samples()) {
                long due = start + (s.dts() - first) * 1_000_000;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    if (wait > 2_000_000) {
                        Thread.sleep((wait - 1_000_000) / 1_000_000);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                long now = System.nanoTime();
                maxLate = Math.max(maxLate, (now - due) / 1e6);
                offeredAt.put(s.pts(), now);
                t.offer(s);
            }
            if (!t.finish(Duration.ofMinutes(2))) {
                throw new IllegalStateException("did not finish");
            }
            stats = t.stats();
        }
        double cpu = TranscodeKit.selfCpu() - cpu0;
        long warmPts = src.samples().get(0).pts() + Math.round(WARMUP_SECONDS * 1000);
        List<RungResult> rungs = new ArrayList<>();
        for (RungStats rs : stats) {
            List<long[]> l = sink.latencies.getOrDefault(rs.rung(), List.of());
            List<Double> ms;
            synchronized (l) {
                ms = l.stream().filter(x -> x[0] >= warmPts).map(x -> x[1] / 1e6).toList();
            }
            rungs.add(new RungResult(rs.rung(), new Stats(ms), rs.framesOut(), rs.dropped(),
                    rs.framesOut() == 0 ? Double.NaN : rs.busyNanos() / 1e6 / rs.framesOut(), threads.get(rs.rung())));
            System.out.printf("[paced] %s %s: p50 %.1f ms p99 %.1f ms max %.1f ms, dropped %d%n", name, rs.rung(),
                    new Stats(ms).p(50), new Stats(ms).p(99), new Stats(ms).max(), rs.dropped());
        }
        return new CaseResult(name, src, resolved, threads, rungs, cpu / src.mediaSeconds(), maxLate, load);
    }
}
