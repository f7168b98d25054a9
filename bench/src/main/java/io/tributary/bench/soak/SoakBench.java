package io.tributary.bench.soak;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import io.tributary.media.MediaSample;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak: N publishers looping real media over RTMP (the seed ladder on some of them), LL-HLS
 * players doing blocking reloads and part downloads, and QoE beacons over WebSocket, for M
 * minutes against one node in its own JVM. Every sample: heap after a full GC, RSS, threads, open
 * fds, and direct buffers (count and bytes: Netty 4.2's adaptive allocator and Vert.x's buffers live
 * there; the pooled-allocator meters stay at zero). The verdict is the trend (least-squares slope over the
 * samples after the first fifth), not first against last.
 *
 * <p>Args: [--minutes 30] [--publishers 20] [--ladders 2] [--players 500] [--beacons-per-second 500]
 * [--sample-seconds 30] [--out results/soak.md]
 */
public final class SoakBench {

    private static final Pattern PART = Pattern.compile("#EXT-X-PART:[^\\n]*URI=\"([^\"]+)\"");
    private static final Pattern HINT = Pattern.compile("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"");

    /** One sample of the server process. */
    record Sample(double minute, double heapMiB, double rssMiB, int threads, int fds, double directMiB, long directBuffers,
                  long playlists, long parts, long failures, long beacons) {
    }

    public static void main(String[] args) throws Exception {
        double minutes = 30;
        int publishers = 20;
        int ladders = 2;
        int players = 500;
        int beaconsPerSecond = 500;
        int sampleSeconds = 30;
        String out = "results/soak.md";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--publishers" -> publishers = Integer.parseInt(args[++i]);
                case "--ladders" -> ladders = Integer.parseInt(args[++i]);
                case "--players" -> players = Integer.parseInt(args[++i]);
                case "--beacons-per-second" -> beaconsPerSecond = Integer.parseInt(args[++i]);
                case "--sample-seconds" -> sampleSeconds = Integer.parseInt(args[++i]);
                case "--out" -> out = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        // a passthrough source (360p, 1 s GOP) and a 720p one for the streams that run the seed ladder
        EncodedMedia small = EncodedMedia.encode(640, 360, 30, 30, true, "nal-hrd=cbr:bitrate=800:vbv-maxrate=800:vbv-bufsize=800", 20);
        EncodedMedia hd = ladders > 0 ? EncodedMedia.encode(1280, 720, 30, 30, true, null, 20) : null;

        Report r = new Report("Soak: publishers, ladders, LL-HLS players and beacons against one node");
        r.section("Machine").line(Machine.describe()).line("date: " + LocalDateTime.now().withNano(0));
        r.line(String.format("load: %d RTMP publishers looping 20 s of media in real time (%d of them 1280x720 with the seed ladder,"
                        + " the rest 640x360 passthrough), %d LL-HLS players (blocking reload of the next part, then the newest part),"
                        + " %d QoE beacons/s over 20 WebSockets; %.0f min; a sample every %d s (jcmd GC.run then GC.heap_info; /proc)",
                publishers, ladders, players, beaconsPerSecond, minutes, sampleSeconds));
        r.line("uptime before the run: " + uptime());
        List<Sample> samples = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        List<Thread> pushers = new ArrayList<>();
        try (BenchLock lock = BenchLock.acquire("soak");
             ServerProcess server = ServerProcess.start("soak", List.of("-Xms512m", "-Xmx2g"), Map.of(
                     "TRIBUTARY_TRANSCODE_LADDER", "none",
                     "TRIBUTARY_TRANSCODE_LADDER_RULES", "hd-*=seed",
                     "TRIBUTARY_HLS_PART_TARGET", "0.333"))) {
            long end = System.nanoTime() + (long) (minutes * 60e9);
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < publishers; i++) {
                String key = (i < ladders ? "hd-" : "sd-") + i;
                keys.add(key);
                EncodedMedia media = i < ladders ? hd : small;
                Thread t = new Thread(() -> loop(server.rtmpPort(), key, media, end), "push-" + key);
                t.setDaemon(true);
                t.start();
                pushers.add(t);
            }
            HttpClient jdk = HttpClient.newHttpClient();
            List<String> paths = new ArrayList<>();
            for (String key : keys) {
                // players start on the first variant the multivariant lists (the ladder's top rung, or the source)
                String multivariant = awaitPlaylist(jdk, server, "/live/" + key + "/index.m3u8", 60);
                String variant = multivariant.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElseThrow();
                paths.add("/live/" + key + "/" + variant.replaceFirst("\\?.*$", ""));
            }
            Players load = new Players(vertx, server.httpPort(), keys, paths, players, beaconsPerSecond);
            load.start();
            long started = System.nanoTime();
            while (System.nanoTime() < end) {
                ServerProcess.sleep(sampleSeconds * 1000L);
                double minute = (System.nanoTime() - started) / 60e9;
                Sample s = sample(server, jdk, minute, load);
                samples.add(s);
                System.out.printf("[soak] %.1f min: heap %.1f MiB, rss %.1f MiB, threads %d, fds %d, direct %.1f MiB in %d buffers, "
                                + "playlists %d, parts %d, failures %d, beacons %d%n", s.minute, s.heapMiB, s.rssMiB, s.threads, s.fds,
                        s.directMiB, s.directBuffers, s.playlists, s.parts, s.failures, s.beacons);
            }
            load.stop();
            for (Thread t : pushers) {
                t.join(5000);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        r.section("Samples");
        r.line("| minute | heap after GC MiB | RSS MiB | threads | fds | direct MiB | direct buffers | playlists answered | parts fetched | failures | beacons sent |");
        r.line("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Sample s : samples) {
            r.line(String.format("| %.1f | %.1f | %.1f | %d | %d | %.1f | %d | %d | %d | %d | %d |", s.minute, s.heapMiB, s.rssMiB,
                    s.threads, s.fds, s.directMiB, s.directBuffers, s.playlists, s.parts, s.failures, s.beacons));
        }
        r.section("Trend (least-squares slope over the samples after the first fifth, per 10 minutes)");
        List<Sample> steady = samples.subList(samples.size() / 5, samples.size());
        r.line("| figure | slope per 10 min | bound | verdict |");
        r.line("|---|---|---|---|");
        boolean flat = true;
        flat &= verdict(r, "heap after GC (MiB)", steady, Sample::heapMiB, 4);
        flat &= verdict(r, "RSS (MiB)", steady, Sample::rssMiB, 16);
        flat &= verdict(r, "threads", steady, s -> s.threads, 1);
        flat &= verdict(r, "fds", steady, s -> s.fds, 4);
        flat &= verdict(r, "direct memory (MiB)", steady, Sample::directMiB, 4);
        flat &= verdict(r, "direct buffers", steady, s -> s.directBuffers, 50);
        long failures = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).failures;
        r.section("Result");
        r.line(String.format("%d samples over %.1f min; player request failures %d; every figure flat: %s",
                samples.size(), samples.isEmpty() ? 0 : samples.get(samples.size() - 1).minute, failures,
                steady.size() < 3 ? "too few samples" : flat ? "PASS" : "FAIL"));
        r.line("uptime after the run: " + uptime());
        Path file = Path.of(out);
        r.write(file);
        System.out.println("[soak] wrote " + file.toAbsolutePath());
    }

    private static boolean verdict(Report r, String name, List<Sample> steady, java.util.function.ToDoubleFunction<Sample> f, double bound) {
        if (steady.size() < 3) {
            r.line("| " + name + " | - | " + bound + " | too few samples |");
            return false;
        }
        double slope = slopePerMinute(steady, f) * 10;
        boolean ok = slope <= bound;
        r.line(String.format("| %s | %+.2f | <= %.0f | %s |", name, slope, bound, ok ? "flat" : "GROWS"));
        return ok;
    }

    static double slopePerMinute(List<Sample> s, java.util.function.ToDoubleFunction<Sample> f) {
        double n = s.size();
        double mx = s.stream().mapToDouble(Sample::minute).sum() / n;
        double my = s.stream().mapToDouble(f).sum() / n;
        double num = 0;
        double den = 0;
        for (Sample x : s) {
            num += (x.minute - mx) * (f.applyAsDouble(x) - my);
            den += (x.minute - mx) * (x.minute - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    /** Loops {@code media} in real time on {@code key} until {@code end}, timestamps continuing; reconnects if cut. */
    private static void loop(int port, String key, EncodedMedia media, long end) {
        long offset = 0;
        long span = (long) (media.seconds() * 1000);
        while (System.nanoTime() < end) {
            try (RtmpPush push = RtmpPush.publish(port, key, media)) {
                while (System.nanoTime() < end) {
                    List<MediaSample> shifted = new ArrayList<>(media.samples().size());
                    for (MediaSample s : media.samples()) {
                        shifted.add(new MediaSample(s.track(), s.dts() + offset, s.compositionOffset(), s.keyframe(), s.data()));
                    }
                    push.sendPaced(shifted, end, null);
                    offset += span;
                }
                push.unpublish();
            } catch (RuntimeException e) {
                System.out.println("[soak] publisher " + key + " cut: " + e + "; reconnecting");
                ServerProcess.sleep(1000);
            }
        }
    }

    private static String awaitPlaylist(HttpClient jdk, ServerProcess server, String path, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create(server.httpUrl(path))).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return r.body();
            }
            ServerProcess.sleep(250);
        }
        throw new IllegalStateException(path + " did not become playable in " + seconds + " s");
    }

    private static Sample sample(ServerProcess server, HttpClient jdk, double minute, Players load) throws Exception {
        double heap = server.heapUsedAfterGc() / 1048576.0;
        Map<String, String> status = procStatus(server.pid());
        double rss = kib(status.get("VmRSS")) / 1024.0;
        int threads = Integer.parseInt(status.getOrDefault("Threads", "0").trim());
        int fds;
        try (var list = Files.list(Path.of("/proc/" + server.pid() + "/fd"))) {
            fds = (int) list.count();
        }
        String metrics = jdk.send(HttpRequest.newBuilder(URI.create(server.httpUrl("/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double direct = 0;
        double buffers = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_buffer_memory_used_bytes{id=\"direct\"}")) {
                direct = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("jvm_buffer_count_buffers{id=\"direct\"}")) {
                buffers = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new Sample(minute, heap, rss, threads, fds, direct / 1048576.0, (long) buffers, load.playlists.get(), load.parts.get(),
                load.failures.get(), load.beacons.get());
    }

    private static Map<String, String> procStatus(long pid) throws IOException {
        Map<String, String> m = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int c = line.indexOf(':');
            if (c > 0) {
                m.put(line.substring(0, c), line.substring(c + 1).trim());
            }
        }
        return m;
    }

    private static long kib(String v) {
        return v == null ? 0 : Long.parseLong(v.replace("kB", "").trim());
    }

    private static String uptime() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** LL-HLS players (blocking reload of the next part, then the newest listed part) and beacon senders. */
    static final class Players {
        private final Vertx vertx;
        private final List<String> keys;
        private final List<String> paths;
        private final int count;
        private final int beaconsPerSecond;
        private final HttpClientAgent http;
        private final WebSocketClient ws;
        private final List<WebSocket> sockets = new ArrayList<>();
        final AtomicLong playlists = new AtomicLong();
        final AtomicLong parts = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong beacons = new AtomicLong();
        private volatile boolean stopped;
        private long beaconTimer = -1;

        Players(Vertx vertx, int port, List<String> keys, List<String> paths, int count, int beaconsPerSecond) {
            this.vertx = vertx;
            this.keys = keys;
            this.paths = paths;
            this.count = count;
            this.beaconsPerSecond = beaconsPerSecond;
            this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
                    .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(count + 16));
            this.ws = vertx.createWebSocketClient(new WebSocketClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
        }

        void start() throws Exception {
            for (int i = 0; i < 20; i++) {
                sockets.add(ws.connect(new WebSocketConnectOptions().setURI("/ws/qoe")).toCompletionStage().toCompletableFuture()
                        .get(10, TimeUnit.SECONDS));
            }
            for (int p = 0; p < count; p++) {
                String path = paths.get(p % paths.size());
                int player = p;
                vertx.setTimer(1 + p * 5L, t -> reload(player, path, ""));
            }
            long period = 50;
            long perTick = Math.max(1, beaconsPerSecond * period / 1000);
            beaconTimer = vertx.setPeriodic(period, t -> {
                for (int i = 0; i < perTick; i++) {
                    long n = beacons.getAndIncrement();
                    int player = (int) (n % count);
                    String key = keys.get(player % keys.size());
                    sockets.get((int) (n % sockets.size())).writeTextMessage("{\"sid\":\"soak-" + player + "\",\"stream\":\"" + key
                            + "\",\"events\":[{\"type\":\"heartbeat\",\"playhead\":12.3,\"buffer\":1.1,\"playing_seconds\":1.0},"
                            + "{\"type\":\"latency\",\"seconds\":1.2}]}");
                }
            });
        }

        private void reload(int player, String path, String query) {
            if (stopped) {
                return;
            }
            get(path + query).onComplete(ar -> {
                if (ar.failed()) {
                    failures.incrementAndGet();
                    vertx.setTimer(500, t -> reload(player, path, ""));
                    return;
                }
                playlists.incrementAndGet();
                String text = ar.result().toString();
                Matcher hint = HINT.matcher(text);
                String next = hint.find() ? "?_HLS_msn=" + hint.group(1) + "&_HLS_part=" + hint.group(2) : "";
                String newest = null;
                Matcher part = PART.matcher(text);
                while (part.find()) {
                    newest = part.group(1);
                }
                String base = path.substring(0, path.lastIndexOf('/') + 1);
                if (newest == null) {
                    reload(player, path, next);
                    return;
                }
                get(base + newest).onComplete(p -> {
                    if (p.succeeded()) {
                        parts.incrementAndGet();
                    } else {
                        failures.incrementAndGet();
                    }
                    reload(player, path, next);
                });
            });
        }

        private io.vertx.core.Future<Buffer> get(String uri) {
            return http.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri).setTimeout(20_000))
                    .compose(req -> req.send().compose(resp -> resp.statusCode() == 200 ? resp.body()
                            : io.vertx.core.Future.failedFuture("HTTP " + resp.statusCode() + " for " + uri)));
        }

        void stop() {
            stopped = true;
            if (beaconTimer >= 0) {
                vertx.cancelTimer(beaconTimer);
            }
        }
    }
}
