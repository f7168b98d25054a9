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
 * Realtime factor on this machine: a 1080p30 source into 1080/720/360, fed as fast as the
 * transcoder takes it (media seconds / wall seconds). Two ladders: the seed ladder (1080p
 * bypassed because the source matches: 720p and 360p encoded) and all three rungs encoded.
 * The ffmpeg CLI doing the same encodes is measured in the same run as the reference.
 *
 * <p>Args: [media seconds (default 20)] [repeats per side and ladder (default 3)]
 */
public final class TranscodeRealtimeBench {

    private static final double TARGET = 1.5;

    record Case(String name, List<LadderRung> ladder, List<LadderRung> resolved, Map<String, Integer> threads,
                List<InProcessResult> in, List<CliResult> cli, List<String> loads) {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int fps = 30;
        int gop = 60;
        Source src = TranscodeKit.source(1920, 1080, fps, gop, seconds);
        Source warm = new Source(src.width(), src.height(), fps, gop, src.avcC(), src.samples().subList(0, 3 * fps),
                TranscodeKit.WORK.resolve("transcode-src-1080p-warmup.h264"), 0);
        TranscodeKit.writeAnnexB(warm.annexB(), warm.avcC(), warm.samples());
        TranscodeOptions opts = TranscodeOptions.defaults();

        List<Case> cases = new ArrayList<>();
        for (var c : List.of(Map.entry("seed ladder (1080p bypass-if-match → bypassed; 720p, 360p encoded)", Ladder.SEED),
                Map.entry("all three encoded (1080p, 720p, 360p)", TranscodeKit.seedEncoded()))) {
            List<LadderRung> resolved = Ladder.resolve(c.getValue(), src.width(), src.height());
            cases.add(new Case(c.getKey(), c.getValue(), resolved, TranscodeKit.threads(Ladder.encoded(resolved), opts),
                    new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
        }

        for (Case c : cases) {
            try (BenchLock lock = BenchLock.acquire("transcode-realtime " + c.name())) {
                System.out.println("[warm-up] " + c.name());
                TranscodeKit.runFast(warm, c.ladder(), opts);
                TranscodeKit.runCli(warm, c.resolved(), c.threads(), "rt-warmup");
                for (int i = 0; i < repeats; i++) {
                    boolean cliFirst = i % 2 == 1;
                    c.loads().add(TranscodeKit.loadAvg());
                    if (cliFirst) {
                        c.cli().add(TranscodeKit.runCli(src, c.resolved(), c.threads(), "rt-" + i));
                    }
                    c.in().add(TranscodeKit.runFast(src, c.ladder(), opts));
                    if (!cliFirst) {
                        c.cli().add(TranscodeKit.runCli(src, c.resolved(), c.threads(), "rt-" + i));
                    }
                    System.out.printf("[%s run %d] in-process %.2fx (CPU %.2f s/media s), CLI %.2fx%n", c.name(), i + 1,
                            c.in().get(i).realtimeFactor(), c.in().get(i).cpuPerMediaSecond(), c.cli().get(i).realtimeFactor());
                }
            }
        }

        Report r = new Report("Transcode realtime factor: 1080p30 → 1080/720/360 on this machine");
        r.section("Machine").line(Machine.describe());
        r.section("Parameters");
        r.line("- source: " + src.describe());
        for (Case c : cases) {
            r.line("- " + c.name() + ": " + TranscodeKit.describeRungs(c.resolved(), c.threads()));
        }
        r.line("- x264: preset veryfast, tune zerolatency (the transcoder's defaults), `forced-idr=1`, "
                + "`keyint=infinite:scenecut=0:open-gop=0`, IDR at every source keyframe; threads per rung as LiveTranscoder picks them");
        r.line(f("- in-process: `LiveTranscoder`, `TranscodeOptions.defaults()`, fed as fast as it takes samples without losing any "
                + "(the feeder parks 1 ms while the source queue holds ≥ %d samples or the slowest rung's queue ≥ %d frames), then `finish()`. "
                + "Realtime factor = media seconds / wall seconds from construction to `finish()` returning. JIT warmed by a 3 s run per ladder.",
                TranscodeKit.FEED_SOURCE_LIMIT, TranscodeKit.FEED_RUNG_LIMIT));
        r.line("- reference: JavaCV's bundled ffmpeg 7.1.1 program (same libraries) running the same encodes: one decode (1 thread), "
                + "`split` + `scale=W:H:flags=bicubic` (`-filter_complex_threads 1`), one libx264 output per encoded rung to the null muxer "
                + "(a bypassed rung costs nothing on either side and is left out of the command)");
        r.line(f("- %d runs per side and ladder, alternating which side goes first, under the bench lock; median reported", repeats));

        for (Case c : cases) {
            r.section("Runs: " + c.name());
            r.line("| run | side | wall (s) | realtime × | CPU (s) | CPU s / media s | load avg before | drops |");
            r.line("|---:|---|---:|---:|---:|---:|---:|---:|");
            for (int i = 0; i < repeats; i++) {
                InProcessResult a = c.in().get(i);
                CliResult b = c.cli().get(i);
                r.line(f("| %d | in-process | %.2f | %.2f | %.2f | %.3f | %s | %d |", i + 1, a.wallSeconds(), a.realtimeFactor(),
                        a.cpuSeconds(), a.cpuPerMediaSecond(), c.loads().get(i), a.totalDrops()));
                r.line(f("| %d | ffmpeg CLI | %.2f | %.2f | %.2f | %.3f | %s | |", i + 1, b.wallSeconds(), b.realtimeFactor(),
                        b.cpuSeconds(), b.cpuPerMediaSecond(), c.loads().get(i)));
            }
            InProcessResult med = c.in().stream().sorted((x, y) -> Double.compare(x.wallSeconds(), y.wallSeconds())).toList()
                    .get(repeats / 2);
            r.line("");
            r.line("Median in-process run, per rung: encode fps over the rung thread's busy time (scale + encode + listener), and CPU by thread:");
            r.line("");
            r.line("| rung / thread | samples out | encode fps (busy) | CPU (s) | CPU s / media s |");
            r.line("|---|---:|---:|---:|---:|");
            for (var e : med.cpuByThread().entrySet()) {
                RungStats rs = med.rungStats().stream().filter(s -> s.rung().equals(e.getKey())).findFirst().orElse(null);
                r.line(f("| %s | %s | %s | %.2f | %.3f |", e.getKey(), rs == null ? "" : String.valueOf(rs.framesOut()),
                        rs == null ? "" : f("%.1f", rs.encodeFps()), e.getValue(), e.getValue() / med.mediaSeconds()));
            }
        }

        r.section("Summary");
        r.line("| ladder | in-process realtime × (median) | ffmpeg CLI realtime × (reference, median) | ratio in-process / CLI | in-process CPU s / media s | target | result |");
        r.line("|---|---:|---:|---:|---:|---|---|");
        for (Case c : cases) {
            double a = TranscodeKit.median(c.in().stream().map(InProcessResult::realtimeFactor).toList());
            double b = TranscodeKit.median(c.cli().stream().map(CliResult::realtimeFactor).toList());
            double cpu = TranscodeKit.median(c.in().stream().map(InProcessResult::cpuPerMediaSecond).toList());
            r.line(f("| %s | %.2f× | %.2f× | %.3f | %.3f | ≥ %.1f× | %s |", c.name(), a, b, a / b, cpu, TARGET,
                    a >= TARGET ? "PASS" : "FAIL"));
        }
        r.line("");
        r.line(f("Frames dropped in-process over all runs: %d (every run must deliver every source frame on every encoded rung).",
                cases.stream().flatMap(c -> c.in().stream()).mapToLong(InProcessResult::totalDrops).sum()));
        r.write(TranscodeKit.ROOT.resolve(Path.of("bench/results/transcode-realtime.md")));
    }
}
