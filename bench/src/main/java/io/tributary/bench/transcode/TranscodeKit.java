package io.tributary.bench.transcode;

import static io.tributary.bench.support.Report.f;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;
import io.tributary.media.transcode.LiveTranscoder;
import io.tributary.media.transcode.RungStats;
import io.tributary.media.transcode.TranscodeException;
import io.tributary.media.transcode.TranscodeListener;
import io.tributary.media.transcode.TranscodeOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shared parts of the transcoder benchmarks: the pre-encoded source (in memory for the
 * in-process side, as a raw Annex B file for the ffmpeg CLI), CPU time from /proc, an
 * in-process run fed as fast as the transcoder takes it without dropping, and the equivalent
 * ffmpeg command line.
 */
final class TranscodeKit {

    static final Path ROOT = Path.of(System.getProperty("tributary.root", "."));
    static final Path WORK = ROOT.resolve("bench/work");
    /** USER_HZ: /proc times are in 10 ms ticks on Linux. */
    static final double TICK = 0.01;

    private TranscodeKit() {
    }

    // ---- source

    /** Video-only pre-encoded source: samples in decode order (no B-frames) and its avcC. */
    record Source(int width, int height, int fps, int gop, byte[] avcC, List<MediaSample> samples, Path annexB,
                  double encodeSeconds) {

        double mediaSeconds() {
            return samples.size() / (double) fps;
        }

        long bytes() {
            return samples.stream().mapToLong(s -> s.data().length).sum();
        }

        double mbps() {
            return bytes() * 8 / mediaSeconds() / 1e6;
        }

        String describe() {
            return f("SyntheticAvSource (moving gradient + bouncing box, libx264 veryfast CRF 23, no B-frames) %dx%d @ %d fps, "
                    + "GOP %d frames, %d frames = %.1f s, %.2f Mbit/s; CLI input: the same access units as raw Annex B `%s` "
                    + "(SPS/PPS before each IDR), read with `-f h264 -framerate %d`",
                    width, height, fps, gop, samples.size(), mediaSeconds(), mbps(), ROOT.relativize(annexB.toAbsolutePath()), fps);
        }
    }

    static Source source(int w, int h, int fps, int gop, double seconds) {
        long t0 = System.nanoTime();
        try (SyntheticAvSource src = SyntheticAvSource.builder().size(w, h).fps(fps).gop(gop).bFrames(0).audio(false)
                .build()) {
            List<MediaSample> v = src.next(seconds).stream().filter(s -> s.track() == Track.VIDEO).toList();
            byte[] avcC = src.avcDecoderConfigurationRecord();
            Path file = WORK.resolve(f("transcode-src-%dx%d-%dfps-%ds.h264", w, h, fps, Math.round(seconds)));
            writeAnnexB(file, avcC, v);
            double took = (System.nanoTime() - t0) / 1e9;
            Source s = new Source(w, h, fps, gop, avcC, v, file, took);
            System.out.printf("[source] %dx%d: %d frames, %.2f Mbit/s, encoded in %.1f s -> %s%n", w, h, v.size(),
                    s.mbps(), took, file);
            return s;
        }
    }

    /** Writes AVCC samples as an Annex B elementary stream, parameter sets in front of every keyframe. */
    static void writeAnnexB(Path file, byte[] avcC, List<MediaSample> samples) {
        List<byte[]> ps = parameterSets(avcC);
        try {
            Files.createDirectories(file.getParent());
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
                for (MediaSample s : samples) {
                    if (s.keyframe()) {
                        for (byte[] nal : ps) {
                            out.write(new byte[] {0, 0, 0, 1});
                            out.write(nal);
                        }
                    }
                    byte[] d = s.data();
                    int i = 0;
                    while (i + 4 <= d.length) {
                        int len = ((d[i] & 0xFF) << 24) | ((d[i + 1] & 0xFF) << 16) | ((d[i + 2] & 0xFF) << 8) | (d[i + 3] & 0xFF);
                        i += 4;
                        out.write(new byte[] {0, 0, 0, 1});
                        out.write(d, i, len);
                        i += len;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SPS and PPS NAL units of an AVCDecoderConfigurationRecord. */
    static List<byte[]> parameterSets(byte[] avcC) {
        List<byte[]> out = new ArrayList<>();
        int i = 5;
        int nSps = avcC[i++] & 0x1F;
        for (int k = 0; k < nSps; k++) {
            int len = ((avcC[i] & 0xFF) << 8) | (avcC[i + 1] & 0xFF);
            out.add(Arrays.copyOfRange(avcC, i + 2, i + 2 + len));
            i += 2 + len;
        }
        int nPps = avcC[i++] & 0xFF;
        for (int k = 0; k < nPps; k++) {
            int len = ((avcC[i] & 0xFF) << 8) | (avcC[i + 1] & 0xFF);
            out.add(Arrays.copyOfRange(avcC, i + 2, i + 2 + len));
            i += 2 + len;
        }
        return out;
    }

    // ---- ladders

    static LadderRung rung(String name, int w, int h, long bps, LadderRung.Mode mode) {
        return LadderRung.of(name, w, h, bps, mode);
    }

    /** 720/480/360, every rung encoded. */
    static List<LadderRung> ladder720Encoded() {
        return List.of(rung("720p", 1280, 720, 1_500_000, LadderRung.Mode.ENCODE),
                rung("480p", 854, 480, 1_000_000, LadderRung.Mode.ENCODE),
                rung("360p", 640, 360, 600_000, LadderRung.Mode.ENCODE));
    }

    /** The seed ladder's rungs with every one forced to ENCODE. */
    static List<LadderRung> seedEncoded() {
        return Ladder.SEED.stream().map(r -> r.withMode(LadderRung.Mode.ENCODE)).toList();
    }

    /**
     * x264 threads per encoded rung as {@link LiveTranscoder} picks them with
     * {@code threadsPerEncoder} 0 (cores shared by picture size); the CLI gets the same counts.
     */
    static Map<String, Integer> threads(List<LadderRung> encoded, TranscodeOptions o) {
        long total = encoded.stream().mapToLong(r -> (long) r.width() * r.height()).sum();
        int cores = Runtime.getRuntime().availableProcessors();
        Map<String, Integer> m = new LinkedHashMap<>();
        for (LadderRung r : encoded) {
            int t = o.threadsPerEncoder();
            if (t == 0) {
                t = (int) Math.max(1, Math.min(cores, Math.round(cores * (double) r.width() * r.height() / total)));
            }
            m.put(r.name(), t);
        }
        return m;
    }

    static String describeRungs(List<LadderRung> resolved, Map<String, Integer> threads) {
        StringBuilder sb = new StringBuilder();
        for (LadderRung r : resolved) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            if (r.mode() == LadderRung.Mode.BYPASS) {
                sb.append(r.name()).append(" BYPASS (source passed through, no work on either side)");
            } else {
                sb.append(f("%s %dx%d %d kbit/s maxrate %d bufsize %d, %d x264 thread%s", r.name(), r.width(), r.height(),
                        r.bitrate() / 1000, r.maxrate() / 1000, r.bufsize() / 1000, threads.get(r.name()),
                        threads.get(r.name()) == 1 ? "" : "s"));
            }
        }
        return sb.toString();
    }

    // ---- CPU time

    /** utime, stime, cutime, cstime of this process in seconds. */
    static double[] selfTimes() {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // fields after "(comm) ": state=0 ... utime=11 stime=12 cutime=13 cstime=14
            return new double[] {Long.parseLong(f[11]) * TICK, Long.parseLong(f[12]) * TICK,
                Long.parseLong(f[13]) * TICK, Long.parseLong(f[14]) * TICK};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double selfCpu() {
        double[] t = selfTimes();
        return t[0] + t[1];
    }

    /** user+sys of waited-for children (the ffmpeg CLI once reaped). */
    static double childrenCpu() {
        double[] t = selfTimes();
        return t[2] + t[3];
    }

    /** Per-thread CPU (user+sys seconds) by tid with its name, from /proc/self/task. */
    static Map<Long, Map.Entry<String, Double>> threadCpu() {
        Map<Long, Map.Entry<String, Double>> m = new HashMap<>();
        try (var dirs = Files.list(Path.of("/proc/self/task"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                try {
                    String s = Files.readString(d.resolve("stat"));
                    String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    m.put(Long.parseLong(d.getFileName().toString()),
                            Map.entry(comm, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK));
                } catch (IOException | RuntimeException e) {
                    // thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    static String currentThreadComm() {
        try {
            return Files.readString(Path.of("/proc/thread-self/comm")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    // ---- in-process run

    /** Per-rung output of one in-process run. */
    static final class Sink implements TranscodeListener {
        final Map<String, AtomicLong> samples = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> bytes = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> keyframes = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();
        final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Optional: offer time (nanoTime) by source pts, for latency; per rung list of [pts, latency ns]. */
        volatile Map<Long, Long> offeredAt;
        final Map<String, List<long[]>> latencies = new ConcurrentHashMap<>();

        @Override
        public void onConfig(String rung, byte[] record) {
        }

        @Override
        public void onSample(String rung, MediaSample s) {
            long now = System.nanoTime();
            samples.computeIfAbsent(rung, k -> new AtomicLong()).incrementAndGet();
            bytes.computeIfAbsent(rung, k -> new AtomicLong()).addAndGet(s.data().length);
            if (s.keyframe()) {
                keyframes.computeIfAbsent(rung, k -> new AtomicLong()).incrementAndGet();
            }
            Map<Long, Long> at = offeredAt;
            if (at != null) {
                Long t = at.get(s.pts());
                if (t != null) {
                    latencies.computeIfAbsent(rung, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                            .add(new long[] {s.pts(), now - t});
                }
            }
        }

        @Override
        public void onDropped(String rung, int frames) {
            dropped.computeIfAbsent(rung, k -> new AtomicLong()).addAndGet(frames);
        }

        @Override
        public void onError(String rung, TranscodeException error) {
            errors.add(rung + ": " + error);
        }

        long get(Map<String, AtomicLong> m, String rung) {
            AtomicLong v = m.get(rung);
            return v == null ? 0 : v.get();
        }
    }

    record InProcessResult(double wallSeconds, double cpuSeconds, double mediaSeconds, Sink sink,
                           List<RungStats> rungStats, long sourceDrops, Map<String, Double> cpuByThread,
                           long offerRefusals) {

        double cpuPerMediaSecond() {
            return cpuSeconds / mediaSeconds;
        }

        double realtimeFactor() {
            return mediaSeconds / wallSeconds;
        }

        long totalDrops() {
            return sourceDrops + rungStats.stream().mapToLong(RungStats::dropped).sum();
        }
    }

    /** Backlog limits of the fast feed: far below the queue capacity (90) and the 2 s lag limit at 30 fps. */
    static final int FEED_SOURCE_LIMIT = 8;
    static final String FEEDER = "feeder (bench thread: offer, backlog polling, transcoder setup)";
    static final int FEED_RUNG_LIMIT = 24;

    /**
     * Feeds every sample as fast as the transcoder takes it without dropping anything, then
     * {@code finish}es. {@code offer} itself never blocks and a refused sample is lost (with the
     * rest of its GOP), so the feed waits while the source queue or the slowest rung's queue is
     * at its limit ({@link #FEED_SOURCE_LIMIT}, {@link #FEED_RUNG_LIMIT}).
     */
    static InProcessResult runFast(Source src, List<LadderRung> ladder, TranscodeOptions opts) throws InterruptedException {
        Sink sink = new Sink();
        Map<Long, Map.Entry<String, Double>> before = threadCpu();
        Map<Long, Map.Entry<String, Double>> seen = new ConcurrentHashMap<>();
        double cpu0 = selfCpu();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long feeder0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long refusals = 0;
        LiveTranscoder t = new LiveTranscoder(io.tributary.media.codec.AvcConfig.parse(src.avcC()), ladder, sink, opts);
        // x264's worker threads (threads > 1) are created while the encoder opens, on this thread, and inherit its name
        String myComm = currentThreadComm();
        java.util.Set<Long> workers = new java.util.HashSet<>();
        threadCpu().forEach((tid, e) -> {
            if (!before.containsKey(tid) && e.getKey().equals(myComm)) {
                workers.add(tid);
            }
        });
        try {
            long lastSnap = 0;
            for (MediaSample s : src.samples()) {
                while (true) {
                    int rungMax = 0;
                    for (RungStats rs : t.stats()) {
                        rungMax = Math.max(rungMax, rs.queueDepth());
                    }
                    if (t.sourceStats().queueDepth() < FEED_SOURCE_LIMIT && rungMax < FEED_RUNG_LIMIT) {
                        break;
                    }
                    LockSupport.parkNanos(1_000_000);
                }
                if (!t.offer(s)) {
                    refusals++;
                }
                long now = System.nanoTime();
                if (now - lastSnap > 100_000_000) { // threads' CPU goes with them: keep the latest reading
                    seen.putAll(threadCpu());
                    lastSnap = now;
                }
            }
            seen.putAll(threadCpu());
            if (!t.finish(Duration.ofMinutes(10))) {
                throw new IllegalStateException("transcoder did not finish within 10 minutes");
            }
            long t1 = System.nanoTime();
            double cpu1 = selfCpu();
            seen.putAll(threadCpu());
            Map<String, Double> byThread = new LinkedHashMap<>();
            double known = 0;
            for (var e : seen.entrySet()) {
                String name = e.getValue().getKey();
                double base = before.containsKey(e.getKey()) ? before.get(e.getKey()).getValue() : 0;
                double v = e.getValue().getValue() - base;
                // (a transcoder thread may still carry the creator's name when the snapshot was taken)
                if (workers.contains(e.getKey()) && !name.startsWith("transcode-")) {
                    byThread.merge("x264 worker threads (of rungs with > 1 thread)", v, Double::sum);
                    known += v;
                    continue;
                }
                if (!name.startsWith("transcode-")) {
                    continue;
                }
                // comm is cut to 15 characters: "transcode-12-72" is rung 720p's thread
                String rest = name.replaceFirst("^transcode-\\d+-", "");
                String key = "decode".startsWith(rest) ? "decode"
                        : ladder.stream().map(LadderRung::name).filter(n -> n.startsWith(rest)).findFirst().orElse(rest);
                byThread.merge(key, v, Double::sum);
                known += v;
            }
            double feeder = (mx.getCurrentThreadCpuTime() - feeder0) / 1e9;
            byThread.put(FEEDER, feeder);
            byThread.put("rest of the JVM (GC, JIT, ...)", Math.max(0, (cpu1 - cpu0) - known - feeder));
            return new InProcessResult((t1 - t0) / 1e9, cpu1 - cpu0, src.mediaSeconds(), sink, t.stats(),
                    t.sourceStats().samplesDropped(), byThread, refusals);
        } finally {
            t.close();
        }
    }

    // ---- ffmpeg CLI

    /** The ffmpeg program bundled with JavaCV, runnable: its libva needs soname links the cache lacks. */
    static List<String> ffmpegCommandPrefix() {
        try {
            String exe = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
            return List.of(exe);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot load JavaCV's ffmpeg program", e);
        }
    }

    static Map<String, String> ffmpegEnv(String exe) {
        Path dir = Path.of(exe).getParent();
        Path links = WORK.resolve("ffmpeg-lib");
        try {
            Files.createDirectories(links);
            for (String[] l : new String[][] {{"libva.so.2", "libva.so"}, {"libva-drm.so.2", "libva-drm.so"}}) {
                Path link = links.resolve(l[0]);
                if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.exists(dir.resolve(l[1]))) {
                    Files.createSymbolicLink(link, dir.resolve(l[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("LD_LIBRARY_PATH", links.toAbsolutePath() + ":" + dir);
    }

    /** ffmpeg arguments for one decode, split + scale, and one libx264 encode per ENCODE rung to the null muxer. */
    static List<String> cliArgs(Source src, List<LadderRung> resolved, Map<String, Integer> threads) {
        List<LadderRung> enc = Ladder.encoded(resolved);
        List<String> a = new ArrayList<>(List.of("-nostdin", "-hide_banner", "-benchmark", "-threads", "1",
                "-f", "h264", "-framerate", String.valueOf(src.fps()), "-i", src.annexB().toString(),
                "-filter_complex_threads", "1"));
        StringBuilder g = new StringBuilder("[0:v]split=" + enc.size());
        for (int i = 0; i < enc.size(); i++) {
            g.append("[s").append(i).append(']');
        }
        for (int i = 0; i < enc.size(); i++) {
            LadderRung r = enc.get(i);
            g.append(f(";[s%d]scale=%d:%d:flags=bicubic[v%d]", i, r.width(), r.height(), i));
        }
        a.add("-filter_complex");
        a.add(g.toString());
        for (int i = 0; i < enc.size(); i++) {
            LadderRung r = enc.get(i);
            a.addAll(List.of("-map", "[v" + i + "]", "-an", "-c:v", "libx264",
                    "-preset", r.preset() == null ? "veryfast" : r.preset(),
                    "-tune", r.tune() == null ? "zerolatency" : r.tune(),
                    "-b:v", String.valueOf(r.bitrate()), "-maxrate", String.valueOf(r.maxrate()),
                    "-bufsize", String.valueOf(r.bufsize()), "-threads", String.valueOf(threads.get(r.name())),
                    "-forced-idr", "1", "-force_key_frames", "source",
                    "-x264-params", "keyint=infinite:scenecut=0:open-gop=0",
                    "-fps_mode", "passthrough", "-f", "null", "-"));
        }
        return a;
    }

    record CliResult(double wallSeconds, double cpuSeconds, double selfReportedCpu, double mediaSeconds,
                     Map<Integer, Long> outputKiB, String command) {

        double cpuPerMediaSecond() {
            return cpuSeconds / mediaSeconds;
        }

        double realtimeFactor() {
            return mediaSeconds / wallSeconds;
        }
    }

    private static final Pattern OUT_SIZE = Pattern.compile("\\[out#(\\d+)/null @ [^]]+] video:(\\d+)KiB");
    private static final Pattern BENCH = Pattern.compile("bench: utime=([0-9.]+)s stime=([0-9.]+)s");

    /**
     * Runs the CLI once. CPU = the change in this JVM's cutime+cstime once the child is reaped
     * (getrusage(RUSAGE_CHILDREN) as /proc shows it); ffmpeg's own {@code -benchmark} figure is
     * kept as a cross-check.
     */
    static CliResult runCli(Source src, List<LadderRung> resolved, Map<String, Integer> threads, String tag)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(ffmpegCommandPrefix());
        cmd.addAll(cliArgs(src, resolved, threads));
        Path log = WORK.resolve("ffmpeg-" + tag + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(ffmpegEnv(cmd.get(0)));
        double c0 = childrenCpu();
        long t0 = System.nanoTime();
        Process p = pb.start();
        int rc = p.waitFor();
        long t1 = System.nanoTime();
        // the reaper thread reaps the child before waitFor returns; give /proc a moment anyway
        double c1 = childrenCpu();
        for (int i = 0; i < 20 && c1 == c0; i++) {
            Thread.sleep(10);
            c1 = childrenCpu();
        }
        String out = Files.readString(log);
        if (rc != 0) {
            throw new IllegalStateException("ffmpeg exited " + rc + ", see " + log + ":\n" + tail(out));
        }
        Map<Integer, Long> sizes = new LinkedHashMap<>();
        Matcher m = OUT_SIZE.matcher(out);
        while (m.find()) {
            sizes.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }
        double self = Double.NaN;
        Matcher b = BENCH.matcher(out);
        if (b.find()) {
            self = Double.parseDouble(b.group(1)) + Double.parseDouble(b.group(2));
        }
        return new CliResult((t1 - t0) / 1e9, c1 - c0, self, src.mediaSeconds(), sizes, shellQuote(cmd));
    }

    private static String tail(String s) {
        return s.length() < 3000 ? s : s.substring(s.length() - 3000);
    }

    static String shellQuote(List<String> cmd) {
        StringBuilder sb = new StringBuilder();
        for (String c : cmd) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            if (c.matches("[A-Za-z0-9_./:=,+-]+")) {
                sb.append(c);
            } else {
                sb.append('\'').append(c.replace("'", "'\\''")).append('\'');
            }
        }
        return sb.toString();
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static String loadAvg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
