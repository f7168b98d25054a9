package io.tributary.bench.ssai;

import io.tributary.Node;
import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.Stats;
import io.tributary.config.TributaryConfig;
import io.tributary.ssai.AdBeacons;
import io.tributary.ssai.AdDecisionRequest;
import io.tributary.ssai.AdPod;
import io.tributary.ssai.HttpAdBeacons;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ad decisions against the built-in VAST server, and the server-side beacon sender.
 *
 * <p>Decisions: an in-process node with VOD and four ad assets (tagged {@code ad}); AdDecisionRequests
 * on the event bus, as the per-session splice sends them, each with a new session, {@code in-flight}
 * at a time; latency p50/p99 and decisions/s. Reference, alternated in the same run: the VAST answer
 * alone, GET {@code /ads/vast} over loopback with a Vert.x client at the same concurrency (the fetch a
 * decision makes before parsing, the creative lookup and the pod).
 *
 * <p>Beacons: {@code beacons} URLs through the node's {@link HttpAdBeacons} to a loopback Vert.x server
 * answering 204; URLs/s until the last future completes. Reference: the same Vert.x client GETs the
 * same URLs with the same concurrency limit, no queue, no macros, no retry bookkeeping.
 *
 * <p>Usage: {@code AdDecisionBench [--decisions 2000] [--in-flight 8] [--beacons 20000] [--out bench/results/ssai-decisions.md]}.
 */
public final class AdDecisionBench {

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private AdDecisionBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = BenchSupport.options(args);
        int decisions = Integer.parseInt(opt.getOrDefault("decisions", "2000"));
        int inFlight = Integer.parseInt(opt.getOrDefault("in-flight", "8"));
        int beacons = Integer.parseInt(opt.getOrDefault("beacons", "20000"));
        Path root = BenchSupport.root();
        Path out = root.resolve(opt.getOrDefault("out", "bench/results/ssai-decisions.md"));
        Path work = root.resolve("bench/work/ssai");
        deleteTree(work);
        Files.createDirectories(work);

        Map<String, String> env = BenchSupport.labNode(work.resolve("data"));
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any");
        env.put("TRIBUTARY_DVR_ENABLED", "false");
        env.put("TRIBUTARY_VOD_ENABLED", "true");
        env.put("TRIBUTARY_VOD_SEGMENT_TARGET", "1s");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_RATELIMIT_ENABLED", "false");
        env.put("TRIBUTARY_SSAI_BEACON_QUEUE", Integer.toString(Math.max(beacons, 1)));
        env.put("TRIBUTARY_SSAI_FREQUENCY_CAP", "1000");
        env.put("TRIBUTARY_SSAI_ALLOWED_ADDRESSES", "127.0.0.0/8"); // the beacon sink is on loopback (a port known only later)
        TributaryConfig config = TributaryConfig.load(null, env).withPorts(0, 0);
        Node node = Node.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        String base = "http://127.0.0.1:" + node.httpPort();
        Report report = new Report("SSAI: ad decisions and beacons");
        report.line("Run " + BenchSupport.now() + " on " + BenchSupport.machine() + ".").line("")
                .line("Load average at the start: " + load() + " (" + Runtime.getRuntime().availableProcessors()
                        + " cores shared with other work: smoke figures, not quiet-machine figures).");
        Vertx vertx = node.vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
        try {
            for (int i = 0; i < 4; i++) {
                upload(base, source(work.resolve("ad" + i + ".mp4"), i, 5 + 5 * (i % 2)));
            }
            // warm-up: class loading, the pool cache, connections
            decide(vertx, 200, inFlight, "warm");
            vast(client, node.httpPort(), 200, inFlight);

            report.section("Ad decisions (built-in VAST server, 30 s breaks)")
                    .line("| round | what | n | in flight | p50 ms | p99 ms | max ms | per s |").line("|---|---|---:|---:|---:|---:|---:|---:|");
            List<Double> allDecide = new ArrayList<>();
            List<Double> allVast = new ArrayList<>();
            for (int round = 1; round <= 2; round++) {
                Run d;
                Run v;
                try (BenchLock lock = BenchLock.acquire("ssai decisions " + round)) {
                    d = decide(vertx, decisions, inFlight, "r" + round);
                    v = vast(client, node.httpPort(), decisions, inFlight);
                }
                allDecide.addAll(d.millis());
                allVast.addAll(v.millis());
                row(report, round, "decision (event bus)", d, inFlight);
                row(report, round, "GET /ads/vast (reference)", v, inFlight);
            }
            Stats sd = new Stats(allDecide);
            Stats sv = new Stats(allVast);
            report.line("").line(Report.f("Both rounds: decision p50 %.2f ms, p99 %.2f ms; the VAST answer alone p50 %.2f ms, p99 %.2f ms "
                    + "(decision / VAST: p50 %.2fx, p99 %.2fx).", sd.p(50), sd.p(99), sv.p(50), sv.p(99), sd.p(50) / sv.p(50), sd.p(99) / sv.p(99)));

            HttpServer sink = vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(204).end());
            sink.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            String sinkUrl = "http://127.0.0.1:" + sink.actualPort() + "/t?cb=[CACHEBUSTING]&e=";
            AdBeacons sender = HttpAdBeacons.of(vertx);
            HttpClient direct = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
            beaconsThrough(sender, sinkUrl, 2000);
            directGets(vertx, direct, sink.actualPort(), 2000);
            report.section("Beacons").line("| round | what | URLs | s | URLs/s | failed |").line("|---|---|---:|---:|---:|---:|");
            for (int round = 1; round <= 2; round++) {
                double[] b;
                double[] g;
                try (BenchLock lock = BenchLock.acquire("ssai beacons " + round)) {
                    b = beaconsThrough(sender, sinkUrl, beacons);
                    g = directGets(vertx, direct, sink.actualPort(), beacons);
                }
                report.line(Report.f("| %d | HttpAdBeacons (queue, 32 in flight) | %d | %.2f | %.0f | %.0f |", round, beacons, b[0], beacons / b[0], b[1]));
                report.line(Report.f("| %d | plain Vert.x GETs, 32 in flight (reference) | %d | %.2f | %.0f | %.0f |", round, beacons, g[0], beacons / g[0], g[1]));
            }
            report.line("").line("Load average at the end: " + load() + ".");
        } finally {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        report.write(out);
        System.exit(0);
    }

    record Run(List<Double> millis, double seconds) {
    }

    static void row(Report report, int round, String what, Run r, int inFlight) {
        Stats s = new Stats(r.millis());
        report.line(Report.f("| %d | %s | %d | %d | %.2f | %.2f | %.2f | %.0f |", round, what, s.count(), inFlight, s.p(50), s.p(99), s.max(),
                s.count() / r.seconds()));
    }

    /** {@code n} decisions, {@code inFlight} at a time, each for a new session. */
    static Run decide(Vertx vertx, int n, int inFlight, String tag) throws Exception {
        List<Double> millis = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long t0 = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<Void>> lanes = new ArrayList<>();
        for (int l = 0; l < inFlight; l++) {
            lanes.add(lane(() -> {
                int i = next.getAndIncrement();
                if (i >= n) {
                    return null;
                }
                long t = System.nanoTime();
                return vertx.eventBus().<JsonObject>request(AdDecisionRequest.ADDRESS,
                                new AdDecisionRequest(tag + "-s" + i, "bench", "b" + i, 30_000, 0).toJson(), new DeliveryOptions().setSendTimeout(10_000))
                        .map(m -> {
                            if (AdPod.fromJson(m.body()).ads().isEmpty()) {
                                failed.incrementAndGet();
                            }
                            millis.add((System.nanoTime() - t) / 1e6);
                            return null;
                        });
            }));
        }
        for (var lane : lanes) {
            lane.get(10, TimeUnit.MINUTES);
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " decisions had no ad");
        }
        return new Run(millis, (System.nanoTime() - t0) / 1e9);
    }

    static Run vast(HttpClient client, int port, int n, int inFlight) throws Exception {
        List<Double> millis = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<Void>> lanes = new ArrayList<>();
        for (int l = 0; l < inFlight; l++) {
            lanes.add(lane(() -> {
                int i = next.getAndIncrement();
                if (i >= n) {
                    return null;
                }
                long t = System.nanoTime();
                return client.request(HttpMethod.GET, port, "127.0.0.1", "/ads/vast?duration=30&session=ref-" + i + "&stream=bench")
                        .compose(req -> req.send()).compose(res -> res.body().map(b -> {
                            if (res.statusCode() != 200) {
                                throw new IllegalStateException("/ads/vast answered " + res.statusCode());
                            }
                            millis.add((System.nanoTime() - t) / 1e6);
                            return null;
                        }));
            }));
        }
        for (var lane : lanes) {
            lane.get(10, TimeUnit.MINUTES);
        }
        return new Run(millis, (System.nanoTime() - t0) / 1e9);
    }

    /** Runs {@code step} one after another until it gives null. */
    static java.util.concurrent.CompletableFuture<Void> lane(java.util.function.Supplier<Future<Void>> step) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        Runnable[] again = new Runnable[1];
        again[0] = () -> {
            Future<Void> f = step.get();
            if (f == null) {
                done.complete(null);
                return;
            }
            f.onComplete(ar -> {
                if (ar.failed()) {
                    done.completeExceptionally(ar.cause());
                } else {
                    again[0].run();
                }
            });
        };
        again[0].run();
        return done;
    }

    /** Seconds for {@code n} URLs through the sender, and how many failed. */
    static double[] beaconsThrough(AdBeacons sender, String url, int n) throws Exception {
        long t0 = System.nanoTime();
        List<Future<Void>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(sender.send(List.of(url + i), "impression", null, "s"));
        }
        int failed = 0;
        for (Future<Void> f : all) {
            try {
                f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
            }
        }
        return new double[] {(System.nanoTime() - t0) / 1e9, failed};
    }

    static double[] directGets(Vertx vertx, HttpClient client, int port, int n) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long t0 = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<Void>> lanes = new ArrayList<>();
        for (int l = 0; l < 32; l++) {
            lanes.add(lane(() -> {
                int i = next.getAndIncrement();
                if (i >= n) {
                    return null;
                }
                Promise<Void> p = Promise.promise();
                client.request(HttpMethod.GET, port, "127.0.0.1", "/t?cb=12345678&e=" + i).compose(req -> req.send())
                        .compose(res -> res.end()).onComplete(ar -> {
                            if (ar.failed()) {
                                failed.incrementAndGet();
                            }
                            p.complete();
                        });
                return p.future();
            }));
        }
        for (var lane : lanes) {
            lane.get(10, TimeUnit.MINUTES);
        }
        return new double[] {(System.nanoTime() - t0) / 1e9, failed.get()};
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static void upload(String base, Path file) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/assets?tags=ad&title=" + file.getFileName()))
                .POST(HttpRequest.BodyPublishers.ofFile(file)).header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("upload: " + r.statusCode() + " " + r.body());
        }
        long job = new JsonObject(r.body()).getLong("job");
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < until) {
            String state = new JsonObject(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs/" + job)).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).getString("state");
            if (state.equals("done")) {
                return;
            }
            if (state.equals("failed")) {
                throw new IllegalStateException("transcode of " + file + " failed");
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("transcode of " + file + " did not finish");
    }

    /** A 320x180 25 fps H.264 MP4 of {@code seconds}, a shade per ad. */
    static Path source(Path file, int shade, int seconds) throws Exception {
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toString(), 320, 180, 0)) {
            rec.setFormat("mp4");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(25);
            rec.setVideoOption("preset", "ultrafast");
            rec.start();
            Frame frame = new Frame(320, 180, Frame.DEPTH_UBYTE, 3);
            ByteBuffer px = (ByteBuffer) frame.image[0];
            for (int i = 0; i < seconds * 25; i++) {
                for (int y = 0; y < 180; y++) {
                    for (int x = 0; x < 320; x++) {
                        int at = y * frame.imageStride + 3 * x;
                        px.put(at, (byte) (60 * shade + x / 4)).put(at + 1, (byte) (y + i)).put(at + 2, (byte) (255 - 60 * shade));
                    }
                }
                rec.record(frame);
            }
            rec.stop();
        }
        return file;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
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
