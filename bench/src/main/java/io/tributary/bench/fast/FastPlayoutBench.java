package io.tributary.bench.fast;

import io.tributary.Node;
import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Histogram;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.Stats;
import io.tributary.config.TributaryConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * FAST playout per node: N channels (loops over a few short VOD assets, each transcoded by the
 * node's own pipeline into the 360p and 240p rungs) airing on one in-process node, then viewers'
 * media playlist requests spread over every channel. Per step: the playlist fetch time over
 * loopback (an upper bound of the render time: it includes HTTP), p50/p99/max; the heap each
 * channel takes (after a full GC, against the heap before any channel); channels on air; the
 * playout's programme starts (a channel that falls behind starts fewer).
 *
 * <p>The target: p99 <= 5 ms at 1,000 channels. Usage: {@code FastPlayoutBench [--steps 100,500,1000]
 * [--requests 20000] [--clients 8] [--settle-s 20] [--boundaries spread|aligned] [--out fast-channels.md]
 * [--note "loaded smoke: ..."]}; writes bench/results/fast-channels.md (or {@code --out}), with the load
 * average at each step (figures taken while other work runs on the machine are smoke figures: say so with
 * {@code --note}). Run with {@code bench/run.sh fast}.
 *
 * <p>Where the fetch time's tail comes from, per step, from the node's own meters over the measured
 * requests: playlist render time ({@code tributary_playlist_render_seconds}), how late a timer fires on
 * the delivery event loops ({@code tributary_event_loop_delay_seconds}: queueing behind other work on the
 * loop), how long one run of the playout's tick timer holds its loop ({@code tributary_channel_tick_seconds}), and the
 * JVM's GC pauses. {@code --boundaries aligned} starts every channel's loop at the same instant, so every
 * programme boundary of the node falls at once (a grid on the hour), against {@code spread} (each loop from
 * its channel's creation).
 */
public final class FastPlayoutBench {

    static final double TARGET_P99_MS = 5.0;
    static final int ASSET_SECONDS = 6;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private FastPlayoutBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = BenchSupport.options(args);
        List<Integer> steps = new ArrayList<>();
        for (String s : opt.getOrDefault("steps", "100,500,1000").split(",")) {
            steps.add(Integer.parseInt(s.trim()));
        }
        int requests = Integer.parseInt(opt.getOrDefault("requests", "20000"));
        int clients = Integer.parseInt(opt.getOrDefault("clients", "8"));
        int settle = Integer.parseInt(opt.getOrDefault("settle-s", "20"));
        String note = opt.get("note");
        boolean aligned = switch (opt.getOrDefault("boundaries", "spread")) {
            case "spread" -> false;
            case "aligned" -> true;
            default -> throw new IllegalArgumentException("--boundaries: spread or aligned");
        };
        String out = opt.getOrDefault("out", "fast-channels.md");
        // aligned: every loop from one instant (in the past, so each is on air at once)
        String anchor = java.time.Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        Path root = BenchSupport.root();
        Path work = root.resolve("bench/work/fast");
        deleteTree(work);
        Files.createDirectories(work);
        int max = Collections.max(steps);

        Map<String, String> env = BenchSupport.labNode(work.resolve("data"));
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any"); // a lab node: any key publishes, no accounts
        env.put("TRIBUTARY_RATELIMIT_ANONYMOUS", "1000000"); // one address makes every channel and every request
        env.put("TRIBUTARY_DVR_ENABLED", "false");
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "2s");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_CHANNELS_MAX_CHANNELS", Integer.toString(max));
        TributaryConfig config = TributaryConfig.load(null, env).withPorts(0, 0);
        Node node = Node.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        String base = "http://127.0.0.1:" + node.httpPort();
        Report report = new Report("FAST playout: channels per node");
        report.line("Run " + BenchSupport.now() + " on " + BenchSupport.machine() + ".").line("")
                .line("One in-process node (origin role, embedded PostgreSQL); each channel a loop of three "
                        + ASSET_SECONDS + " s assets transcoded by the VOD pipeline into 360p and 240p (2 s GOPs), "
                        + "so a channel starts a programme every " + ASSET_SECONDS + " s. " + requests + " media playlist GETs per step from "
                        + clients + " keep-alive clients over loopback, channels and rungs chosen at random. Programme boundaries: "
                        + (aligned ? "aligned (every loop from the same instant: every channel switches at once)"
                        : "spread (each loop from its channel's creation)") + ".");
        if (note != null) {
            report.line("").line("**" + note + "**");
        }
        try {
            List<String> assets = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                assets.add(upload(base, source(work.resolve("asset" + i + ".mp4"), i)));
            }
            long baseline = heapAfterGc();
            report.section("Steps").line("| channels | on air | playlist p50 ms | p99 ms | max ms | heap per channel KiB | programmes/s | load avg (1 min) | verdict |")
                    .line("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            List<String> causes = new ArrayList<>();
            int created = 0;
            for (int n : steps) {
                for (; created < n; created++) {
                    JsonArray loop = new JsonArray();
                    for (int k = 0; k < assets.size(); k++) {
                        loop.add(new JsonObject().put("asset", assets.get((created + k) % assets.size())));
                    }
                    JsonObject channel = new JsonObject().put("id", "ch" + created).put("loop", loop);
                    if (aligned) {
                        channel.put("start", anchor);
                    }
                    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/channels"))
                            .POST(HttpRequest.BodyPublishers.ofString(channel.encode()))
                            .header("Content-Type", "application/json"));
                    if (r.statusCode() != 201) {
                        throw new IllegalStateException("channel ch" + created + ": " + r.statusCode() + " " + r.body());
                    }
                }
                Thread.sleep(settle * 1000L);
                String before = metrics(base);
                long[] gcBefore = gc();
                long t0 = System.nanoTime();
                Step step;
                try (BenchLock lock = BenchLock.acquire("fast " + n)) {
                    step = measure(base, n, requests, clients);
                }
                long[] gcAfter = gc();
                String after = metrics(base);
                double programmesRate = (programmes(after) - programmes(before)) / ((System.nanoTime() - t0) / 1e9);
                Histogram render = Histogram.of(after, "tributary_playlist_render_seconds")
                        .since(Histogram.of(before, "tributary_playlist_render_seconds"));
                Histogram loopDelay = Histogram.of(after, "tributary_event_loop_delay_seconds")
                        .since(Histogram.of(before, "tributary_event_loop_delay_seconds"));
                Histogram tick = Histogram.of(after, "tributary_channel_tick_seconds")
                        .since(Histogram.of(before, "tributary_channel_tick_seconds"));
                causes.add(Report.f("| %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %d | %d | %s |", n, render.count(), render.bound(50),
                        render.bound(99), loopDelay.bound(50), loopDelay.bound(99), loopDelay.bound(100), tick.bound(99), tick.bound(100),
                        gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1], gcMax(after)));
                long heap = heapAfterGc();
                Stats s = new Stats(step.millis());
                boolean ok = s.p(99) <= TARGET_P99_MS && step.onAir() == n;
                report.line(Report.f("| %d | %d | %.2f | %.2f | %.2f | %.0f | %.1f | %s | %s |", n, step.onAir(), s.p(50), s.p(99), s.max(),
                        (heap - baseline) / 1024.0 / n, programmesRate, load(), ok ? "meets" : "misses"));
                System.out.println("step " + n + " done, load " + load());
                report.write(root.resolve("bench/results/" + out)); // a run stopped later keeps its steps
            }
            report.line("").line("Heap per channel: (heap after a full GC with N channels on air - heap before the first) / N. "
                    + "Expected programmes/s with every channel keeping up: N / " + ASSET_SECONDS + ".");
            report.section("Where the time goes (the node's meters over the measured requests)")
                    .line("Bucket bounds in ms (\"≤ 5\": in the bucket ending at 5 ms). Render: a playlist rendered on a cache miss "
                            + "(its stream changed since the last request). Loop delay: how late a 10 ms timer fired on the delivery "
                            + "event loops, what a request arriving then waited for its loop. Playout tick: one run of the playout's tick timer "
                            + "holding its event loop. GC: collections and pause time in the JVM (node and clients) during the step; max: "
                            + "Micrometer's decaying max of jvm_gc_pause_seconds.").line("")
                    .line("| channels | renders | render p50 | render p99 | loop delay p50 | loop delay p99 | loop delay max | playout tick p99 | playout tick max | GCs | GC ms | GC max ms |")
                    .line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            causes.forEach(report::line);
        } finally {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        report.write(root.resolve("bench/results/" + out));
        System.exit(0);
    }

    record Step(List<Double> millis, int onAir) {
    }

    static Step measure(String base, int channels, int requests, int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<Double>>> parts = new ArrayList<>();
        int[] onAir = new int[1];
        for (int c = 0; c < clients; c++) {
            int share = requests / clients;
            parts.add(pool.submit(() -> {
                List<Double> out = new ArrayList<>(share);
                for (int i = 0; i < share; i++) {
                    int ch = ThreadLocalRandom.current().nextInt(channels);
                    String rung = ThreadLocalRandom.current().nextBoolean() ? "360p" : "240p";
                    long t = System.nanoTime();
                    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/live/ch" + ch + "/" + rung + "/index.m3u8")));
                    double ms = (System.nanoTime() - t) / 1e6;
                    if (r.statusCode() == 200) {
                        out.add(ms);
                    }
                }
                return out;
            }));
        }
        List<Double> all = new ArrayList<>();
        for (Future<List<Double>> f : parts) {
            all.addAll(f.get(10, TimeUnit.MINUTES));
        }
        pool.shutdown();
        for (int ch = 0; ch < channels; ch++) {
            if (send(HttpRequest.newBuilder(URI.create(base + "/live/ch" + ch + "/360p/index.m3u8"))).statusCode() == 200) {
                onAir[0]++;
            }
        }
        return new Step(all, onAir[0]);
    }

    /** The machine's 1-minute load average (other work running skews every figure). */
    public static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    static String metrics(String base) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/metrics"))).body();
    }

    static double programmes(String scrape) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith("tributary_channel_programmes_total")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** Collections and their time (ms) so far, every collector of this JVM (node and clients). */
    static long[] gc() {
        long count = 0;
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[]{count, ms};
    }

    /** The longest GC pause Micrometer saw lately (its decaying max), ms; not the bench's own System.gc() between steps. */
    static String gcMax(String scrape) {
        double max = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("jvm_gc_pause_seconds_max") && !line.contains("System.gc()")) {
                max = Math.max(max, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) * 1000);
            }
        }
        return Report.f("%.0f", max);
    }

    public static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    public static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Uploads a source and waits for its transcode: the asset id. */
    public static String upload(String base, Path file) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/assets?title=" + file.getFileName()))
                .POST(HttpRequest.BodyPublishers.ofFile(file)).header("Content-Type", "application/octet-stream"));
        JsonObject created = new JsonObject(r.body());
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < until) {
            JsonObject job = new JsonObject(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs/" + created.getLong("job")))).body());
            if (job.getString("state").equals("done")) {
                return created.getString("id");
            }
            if (job.getString("state").equals("failed")) {
                throw new IllegalStateException("transcode failed: " + job.encode());
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("transcode of " + file + " did not finish");
    }

    /** A 640x360 25 fps source with a moving bar and a tone, {@link #ASSET_SECONDS} long. */
    public static Path source(Path file, int shade) throws Exception {
        int w = 640;
        int h = 360;
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toString(), w, h, 1)) {
            rec.setFormat("mp4");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(25);
            rec.setVideoOption("preset", "ultrafast");
            rec.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            rec.setSampleRate(48000);
            rec.start();
            Frame frame = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
            ByteBuffer px = (ByteBuffer) frame.image[0];
            long tone = 0;
            for (int i = 0; i < ASSET_SECONDS * 25; i++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int v = Math.abs(x - (i * 8) % w) < 20 ? 255 : 40 * shade + 30;
                        int at = y * frame.imageStride + 3 * x;
                        px.put(at, (byte) v).put(at + 1, (byte) (y / 2)).put(at + 2, (byte) (255 - v));
                    }
                }
                rec.record(frame);
                ShortBuffer pcm = ShortBuffer.allocate(1920);
                for (int k = 0; k < 1920; k++, tone++) {
                    pcm.put(k, (short) (6000 * Math.sin(2 * Math.PI * (330 + 110 * shade) * tone / 48000.0)));
                }
                rec.recordSamples(48000, 1, pcm);
            }
            rec.stop();
        }
        return file;
    }

    public static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
