package io.tributary.bench.transcode;

import static io.tributary.bench.support.Report.f;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.transcode.TranscodeKit.CliResult;
import io.tributary.bench.transcode.TranscodeKit.InProcessResult;
import io.tributary.bench.transcode.TranscodeKit.Source;
import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;
import io.tributary.media.transcode.RungStats;
import io.tributary.media.transcode.TranscodeOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CPU seconds per media second: a 720p30 source into a 720/480/360 ladder, every rung encoded,
 * in-process ({@code LiveTranscoder}) against the ffmpeg CLI doing the same work (one decode,
 * split + scale, three libx264 encodes with the same settings and thread counts, null muxer).
 * Both fed as fast as they go; runs alternate between the two sides.
 *
 * <p>Args: [media seconds (default 24)] [repeats per side (default 3)]
 */
public final class TranscodeCpuBench {

    private static final double TARGET_RATIO = 1.0;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 24;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int fps = 30;
        int gop = 60;
        Source src = TranscodeKit.source(1280, 720, fps, gop, seconds);
        Source warm = new Source(src.width(), src.height(), fps, gop, src.avcC(), src.samples().subList(0, 4 * fps),
                TranscodeKit.WORK.resolve("transcode-src-720p-warmup.h264"), 0);
        TranscodeKit.writeAnnexB(warm.annexB(), warm.avcC(), warm.samples());

        TranscodeOptions opts = TranscodeOptions.defaults();
        List<LadderRung> ladder = TranscodeKit.ladder720Encoded();
        List<LadderRung> resolved = Ladder.resolve(ladder, src.width(), src.height());
        Map<String, Integer> threads = TranscodeKit.threads(Ladder.encoded(resolved), opts);

        List<InProcessResult> in = new ArrayList<>();
        List<CliResult> cli = new ArrayList<>();
        List<String> loads = new ArrayList<>();
        try (BenchLock lock = BenchLock.acquire("transcode-cpu")) {
            System.out.println("[warm-up] in-process and CLI on 4 s");
            TranscodeKit.runFast(warm, ladder, opts);
            TranscodeKit.runCli(warm, resolved, threads, "cpu-warmup");
            for (int i = 0; i < repeats; i++) {
                boolean cliFirst = i % 2 == 1;
                loads.add(TranscodeKit.loadAvg());
                if (cliFirst) {
                    cli.add(TranscodeKit.runCli(src, resolved, threads, "cpu-" + i));
                }
                in.add(TranscodeKit.runFast(src, ladder, opts));
                if (!cliFirst) {
                    cli.add(TranscodeKit.runCli(src, resolved, threads, "cpu-" + i));
                }
                System.out.printf("[run %d] in-process %.3f CPU s/media s (wall %.1f s), CLI %.3f (wall %.1f s)%n", i + 1,
                        in.get(i).cpuPerMediaSecond(), in.get(i).wallSeconds(), cli.get(i).cpuPerMediaSecond(),
                        cli.get(i).wallSeconds());
            }
        }

        Report r = new Report("Transcode CPU: in-process LiveTranscoder vs ffmpeg CLI, 720p30 → 720/480/360");
        r.section("Machine").line(Machine.describe());
        r.section("Parameters");
        r.line("- source: " + src.describe());
        r.line("- ladder (all three rungs encoded, also 720p: no bypass on either side): "
                + TranscodeKit.describeRungs(resolved, threads));
        r.line("- x264 on both sides: preset veryfast, tune zerolatency, `forced-idr=1`, `x264-params keyint=infinite:scenecut=0:open-gop=0`, "
                + "an IDR at every source keyframe (in-process: forced by LiveTranscoder; CLI: `-force_key_frames source`), "
                + "threads per rung as LiveTranscoder picks them (`threadsPerEncoder` 0: cores shared by picture size)");
        r.line("- decode: 1 thread on both sides; scaling: swscale bicubic (CLI: `scale=W:H:flags=bicubic`, `-filter_complex_threads 1`)");
        r.line(f("- in-process: `LiveTranscoder` with `TranscodeOptions.defaults()`, in this JVM (`-Xms1g -Xmx4g`, JIT warmed by a 4 s run); "
                + "fed as fast as it takes samples without losing any: the feeder waits (1 ms parks) while the source queue holds ≥ %d samples "
                + "or the slowest rung's queue ≥ %d frames (offer never blocks; a refused sample would be lost with the rest of its GOP), "
                + "then `finish()`; the listener counts samples and bytes. Wall = construction → finish returned; "
                + "CPU = process user+sys from /proc/self/stat over the same span (includes the feeder, GC and JIT)",
                TranscodeKit.FEED_SOURCE_LIMIT, TranscodeKit.FEED_RUNG_LIMIT));
        r.line("- reference: JavaCV's bundled ffmpeg program (`Loader.load(org.bytedeco.ffmpeg.ffmpeg.class)`, FFmpeg 7.1.1, the same "
                + "libavcodec/libx264 build as in-process), CPU = user+sys of the reaped child (this JVM's cutime+cstime), "
                + "cross-checked with ffmpeg's own `-benchmark` utime+stime");
        r.line(f("- %d runs per side, alternating (in-process first on odd runs, CLI first on even runs), all under the bench lock; median reported", repeats));
        r.line("- command line:");
        r.line("");
        r.line("```");
        r.line(cli.get(0).command());
        r.line("```");

        r.section("Runs");
        r.line("| run | side | wall (s) | CPU (s) | CPU s / media s | CLI -benchmark CPU (s) | realtime × | load avg before | drops |");
        r.line("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < repeats; i++) {
            InProcessResult a = in.get(i);
            CliResult b = cli.get(i);
            r.line(f("| %d | in-process | %.2f | %.2f | %.3f | | %.2f | %s | %d |", i + 1, a.wallSeconds(), a.cpuSeconds(),
                    a.cpuPerMediaSecond(), a.realtimeFactor(), loads.get(i), a.totalDrops()));
            r.line(f("| %d | ffmpeg CLI | %.2f | %.2f | %.3f | %.2f | %.2f | %s | |", i + 1, b.wallSeconds(), b.cpuSeconds(),
                    b.cpuPerMediaSecond(), b.selfReportedCpu(), b.realtimeFactor(), loads.get(i)));
        }

        // the in-process run with the median CPU: where its time went, and what it produced
        InProcessResult med = in.stream().sorted((x, y) -> Double.compare(x.cpuSeconds(), y.cpuSeconds())).toList()
                .get(in.size() / 2);
        CliResult medCli = cli.stream().sorted((x, y) -> Double.compare(x.cpuSeconds(), y.cpuSeconds())).toList()
                .get(cli.size() / 2);
        r.section("Where the in-process CPU went (median run, per thread from /proc/self/task; the feeder from ThreadMXBean)");
        r.line("| thread | CPU (s) | CPU s / media s |");
        r.line("|---|---:|---:|");
        for (var e : med.cpuByThread().entrySet()) {
            r.line(f("| %s | %.2f | %.3f |", e.getKey(), e.getValue(), e.getValue() / med.mediaSeconds()));
        }
        r.section("Same work on both sides (median runs)");
        r.line("| rung | in-process samples | in-process IDRs | in-process kbit/s | CLI output KiB → kbit/s | in-process encode fps (rung thread busy time) |");
        r.line("|---|---:|---:|---:|---:|---:|");
        List<LadderRung> enc = Ladder.encoded(resolved);
        for (int i = 0; i < enc.size(); i++) {
            String n = enc.get(i).name();
            RungStats rs = med.rungStats().stream().filter(s -> s.rung().equals(n)).findFirst().orElseThrow();
            Long kib = medCli.outputKiB().get(i);
            r.line(f("| %s | %d | %d | %.0f | %s | %.1f |", n, med.sink().get(med.sink().samples, n),
                    med.sink().get(med.sink().keyframes, n), med.sink().get(med.sink().bytes, n) * 8 / med.mediaSeconds() / 1000,
                    kib == null ? "?" : f("%.0f", kib * 1024 * 8 / med.mediaSeconds() / 1000), rs.encodeFps()));
        }
        r.line("");
        r.line(f("Source frames: %d; frames dropped anywhere in-process (all runs): %d; offers refused: %d.", src.samples().size(),
                in.stream().mapToLong(InProcessResult::totalDrops).sum(),
                in.stream().mapToLong(InProcessResult::offerRefusals).sum()));

        double inMed = TranscodeKit.median(in.stream().map(InProcessResult::cpuPerMediaSecond).toList());
        double cliMed = TranscodeKit.median(cli.stream().map(CliResult::cpuPerMediaSecond).toList());
        double inWall = TranscodeKit.median(in.stream().map(InProcessResult::realtimeFactor).toList());
        double cliWall = TranscodeKit.median(cli.stream().map(CliResult::realtimeFactor).toList());
        double ratio = inMed / cliMed;
        r.section("Summary");
        r.line("| metric | in-process | ffmpeg CLI (reference) | ratio in-process / CLI | target | result |");
        r.line("|---|---:|---:|---:|---|---|");
        r.line(f("| CPU s per media s (median of %d) | %.3f | %.3f | %.3f | ≤ %.1f | %s |", repeats, inMed, cliMed, ratio,
                TARGET_RATIO, ratio <= TARGET_RATIO ? "PASS" : "FAIL"));
        double inNoFeeder = TranscodeKit.median(in.stream().map(x -> (x.cpuSeconds()
                - x.cpuByThread().getOrDefault(TranscodeKit.FEEDER, 0.0)) / x.mediaSeconds()).toList());
        r.line(f("| CPU s per media s without the bench's feeder thread (info: a server's ingest thread only calls offer) | %.3f | %.3f | %.3f | (info) | |",
                inNoFeeder, cliMed, inNoFeeder / cliMed));
        r.line(f("| realtime factor, fed as fast as taken (median) | %.2f× | %.2f× | %.3f | (info) | |", inWall, cliWall,
                inWall / cliWall));
        r.write(TranscodeKit.ROOT.resolve(Path.of("bench/results/transcode-cpu.md")));
    }
}
