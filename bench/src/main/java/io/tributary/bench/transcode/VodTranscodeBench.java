package io.tributary.bench.transcode;

import static io.tributary.bench.support.Report.f;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;
import io.tributary.vod.VodTranscode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * VOD transcode speed: a 1080p30 H.264 + AAC file through the VOD pipeline ({@link VodTranscode}:
 * one decode, every rung of the {@code vod} ladder up to 1080p encoded with libx264, fMP4 HLS per
 * rendition, AAC once) against the ffmpeg command line doing the same work in the same run (one
 * decode, split + scale, the same x264 settings per rung, the same HLS fMP4 muxing, AAC once).
 * Realtime factor = media seconds / wall seconds; the target is a ratio of at least 1.0.
 *
 * <p>Args: [media seconds (default 20)] [repeats per side (default 2)]
 */
public final class VodTranscodeBench {

    private static final double TARGET_RATIO = 1.0;
    private static final double SEGMENT = 4.0;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int fps = 30;
        Path work = TranscodeKit.WORK.resolve("vod-transcode");
        deleteTree(work);
        Files.createDirectories(work);
        Path source = work.resolve("source-1080p30.mp4");
        makeSource(source, seconds, fps, work);
        Path warm = work.resolve("warm-1080p30.mp4");
        makeSource(warm, 2, fps, work);

        List<LadderRung> rungs = Ladder.encoded(Ladder.resolve(Ladder.VOD, 1920, 1080));
        int gop = (int) Math.round(fps * SEGMENT);
        List<Double> in = new ArrayList<>();
        List<Double> cli = new ArrayList<>();
        List<String> loads = new ArrayList<>();
        String command = null;
        try (BenchLock lock = BenchLock.acquire("vod-transcode")) {
            System.out.println("[warm-up] in-process on 2 s (loads the natives, warms the JIT)");
            runInProcess(warm, work.resolve("warm"), new ArrayList<>(), 2);
            for (int i = 0; i < repeats; i++) {
                boolean cliFirst = i % 2 == 1;
                loads.add(TranscodeKit.loadAvg());
                if (cliFirst) {
                    command = runCli(source, rungs, gop, work.resolve("cli-" + i), cli, seconds);
                }
                runInProcess(source, work.resolve("in-" + i), in, seconds);
                if (!cliFirst) {
                    command = runCli(source, rungs, gop, work.resolve("cli-" + i), cli, seconds);
                }
                System.out.printf(Locale.ROOT, "[run %d] in-process %.2fx realtime, ffmpeg CLI %.2fx%n", i + 1, in.get(i), cli.get(i));
            }
        }
        double inMed = TranscodeKit.median(in);
        double cliMed = TranscodeKit.median(cli);
        double ratio = inMed / cliMed;

        Report r = new Report("VOD transcode: the pipeline (VodTranscode) vs the ffmpeg CLI, 1080p30 into the vod ladder");
        r.section("Machine").line(Machine.describe());
        r.section("Parameters");
        r.line(f("- source: %.0f s of 1920x1080 at %d fps, H.264 (testsrc2) + AAC sine, made by the same ffmpeg", seconds, fps));
        StringBuilder ladder = new StringBuilder();
        for (LadderRung g : rungs) {
            ladder.append(f("%s %dx%d %d kbit/s (maxrate %d, bufsize %d); ", g.name(), g.width(), g.height(), g.bitrate() / 1000,
                    g.maxrate() / 1000, g.bufsize() / 1000));
        }
        r.line("- rungs (the `vod` ladder at or below the source): " + ladder);
        r.line(f("- both sides: libx264 preset veryfast, `keyint=%d:min-keyint=%d:scenecut=0:open-gop=0`, VBV as above, threads "
                + "as libavcodec picks them; fMP4 HLS per rendition with %.0f s segments; AAC %d kbit/s once", gop, gop, SEGMENT,
                VodTranscode.AUDIO_BITRATE / 1000));
        r.line(f("- %d runs per side, alternating (in-process first on odd runs), under the bench lock; medians reported", repeats));
        r.line("- command line:");
        r.line("");
        r.line("```");
        r.line(command);
        r.line("```");
        r.section("Runs");
        r.line("| run | in-process realtime × | ffmpeg CLI realtime × | load avg before |");
        r.line("|---:|---:|---:|---:|");
        for (int i = 0; i < repeats; i++) {
            r.line(f("| %d | %.2f | %.2f | %s |", i + 1, in.get(i), cli.get(i), loads.get(i)));
        }
        r.section("Result");
        r.line(f("Median realtime factor: pipeline %.2fx, ffmpeg CLI %.2fx; ratio %.3f (target >= %.1f): %s.", inMed, cliMed, ratio,
                TARGET_RATIO, ratio >= TARGET_RATIO ? "met" : "NOT met"));
        Path out = TranscodeKit.ROOT.resolve("bench/results/vod-transcode.md");
        r.write(out);
        System.out.println("RESULT ratio=" + f("%.3f", ratio) + " -> " + out);
    }

    private static void runInProcess(Path source, Path out, List<Double> factors, double seconds) throws IOException {
        long t0 = System.nanoTime();
        VodTranscode.Result result = VodTranscode.run(source, out, SEGMENT, Ladder.VOD, new VodTranscode.Progress() {
            @Override
            public void at(long mediaMicrosDone, long durationMicros) {
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        });
        double wall = (System.nanoTime() - t0) / 1e9;
        factors.add(result.seconds() / wall);
    }

    private static String runCli(Path source, List<LadderRung> rungs, int gop, Path out, List<Double> factors, double seconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(TranscodeKit.ffmpegCommandPrefix());
        cmd.addAll(List.of("-nostdin", "-hide_banner", "-y", "-i", source.toString()));
        StringBuilder g = new StringBuilder("[0:v]split=" + rungs.size());
        for (int i = 0; i < rungs.size(); i++) {
            g.append("[s").append(i).append(']');
        }
        for (int i = 0; i < rungs.size(); i++) {
            LadderRung r = rungs.get(i);
            g.append(f(";[s%d]scale=%d:%d[v%d]", i, r.width(), r.height(), i));
        }
        cmd.addAll(List.of("-filter_complex", g.toString()));
        for (int i = 0; i < rungs.size(); i++) {
            LadderRung r = rungs.get(i);
            Path dir = Files.createDirectories(out.resolve(r.name()));
            cmd.addAll(List.of("-map", "[v" + i + "]", "-an", "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", String.valueOf(r.bitrate()), "-g", String.valueOf(gop),
                    "-x264-params", f("keyint=%d:min-keyint=%d:scenecut=0:open-gop=0:vbv-maxrate=%d:vbv-bufsize=%d", gop, gop,
                            r.maxrate() / 1000, r.bufsize() / 1000)));
            cmd.addAll(hls(dir));
        }
        Path audio = Files.createDirectories(out.resolve("audio"));
        cmd.addAll(List.of("-map", "0:a", "-vn", "-c:a", "aac", "-b:a", String.valueOf(VodTranscode.AUDIO_BITRATE)));
        cmd.addAll(hls(audio));
        Path log = out.resolve("ffmpeg.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(TranscodeKit.ffmpegEnv(cmd.get(0)));
        long t0 = System.nanoTime();
        int rc = pb.start().waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        if (rc != 0) {
            throw new IllegalStateException("ffmpeg exited " + rc + ", see " + log);
        }
        factors.add(seconds / wall);
        return String.join(" ", cmd);
    }

    private static List<String> hls(Path dir) {
        return List.of("-f", "hls", "-hls_time", f("%.3f", SEGMENT), "-hls_playlist_type", "vod", "-hls_list_size", "0",
                "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
                "-hls_segment_filename", dir.resolve("seg_%d.m4s").toString(), dir.resolve("ffmpeg.m3u8").toString());
    }

    private static void makeSource(Path file, double seconds, int fps, Path work) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(TranscodeKit.ffmpegCommandPrefix());
        cmd.addAll(List.of("-nostdin", "-hide_banner", "-y",
                "-f", "lavfi", "-i", f("testsrc2=size=1920x1080:rate=%d:duration=%.1f", fps, seconds),
                "-f", "lavfi", "-i", f("sine=frequency=440:sample_rate=48000:duration=%.1f", seconds),
                "-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M", "-g", String.valueOf(2 * fps), "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "128k", "-shortest", file.toString()));
        Path log = work.resolve("source.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(TranscodeKit.ffmpegEnv(cmd.get(0)));
        if (pb.start().waitFor() != 0) {
            throw new IllegalStateException("making the source failed, see " + log);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
