package io.tributary.bench.qoe;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import io.tributary.bench.support.Stats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * The cost of the session/CMCD path on a segment request. One node at a time, same load:
 * 5,000 CMCD-tagged segment requests/s from 1,000 simulated players plus 10,000 beacons/s over
 * WebSocket; p99 of the segment requests with {@code sessions.enabled=false} (the same route,
 * no session work: the reference) against {@code true}, in the same run, twice each, alternating.
 * Then a soak with sessions on, sampling heap after a full GC.
 *
 * <p>Args: [--soak-minutes N (default 2; the figure is 10)] [--segment-rps N] [--beacon-rps N]
 * [--phase-seconds N (default 20)]
 */
public final class QoeBench {

    private static final String KEY = "qoe";
    private static final int PLAYERS = 1000;
    private static final Pattern SEG = Pattern.compile("^(seg-\\d+\\.m4s)$", Pattern.MULTILINE);

    record Phase(String name, Stats latencyMs, long sent, long ok, long failed, double segRps, double beaconRps,
                 double beaconsAccepted, double serverCpuCores) {
    }

    public static void main(String[] args) throws Exception {
        double soakMinutes = 2;
        int segRps = 5000;
        int beaconRps = 10_000;
        int phaseSeconds = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--soak-minutes" -> soakMinutes = Double.parseDouble(args[++i]);
                case "--segment-rps" -> segRps = Integer.parseInt(args[++i]);
                case "--beacon-rps" -> beaconRps = Integer.parseInt(args[++i]);
                case "--phase-seconds" -> phaseSeconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        // small segments (~70 kbit/s): the figure is the per-request cost of the session path, not bandwidth
        EncodedMedia media = EncodedMedia.encode(320, 180, 30, 60, true, "nal-hrd=cbr:bitrate=70:vbv-maxrate=70:vbv-bufsize=70", 21);

        Report r = new Report("QoE: the session/CMCD path on segment requests, sessions on vs off");
        r.section("Machine").line(Machine.describe()).line("date: " + LocalDateTime.now().withNano(0));
        r.line(String.format("load: %d CMCD-tagged segment requests/s from %d players (CMCD headers: sid, bl, mtp, br, d, ot) "
                + "+ %d beacons/s over 20 WebSockets (heartbeat + latency), one node, client in a separate JVM on the same cores",
                segRps, PLAYERS, beaconRps));
        List<Phase> phases = new ArrayList<>();
        List<long[]> heap = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        try (BenchLock lock = BenchLock.acquire("qoe")) {
            for (int round = 0; round < 2; round++) {
                for (boolean on : new boolean[]{false, true}) {
                    boolean soak = on && round == 1;
                    phases.add(run(vertx, media, on, segRps, beaconRps, phaseSeconds, soak ? soakMinutes : 0, heap));
                }
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        r.section("Segment request latency (intended send -> full body), per phase");
        r.line("| phase | sent | 200 | failed | segment req/s | beacons/s sent | beacons accepted | server CPU (cores) | p50 ms | p99 ms | p99.9 ms |");
        r.line("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Phase p : phases) {
            r.line(String.format("| %s | %d | %d | %d | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f |", p.name, p.sent, p.ok, p.failed,
                    p.segRps, p.beaconRps, p.beaconsAccepted, p.serverCpuCores, p.latencyMs.p(50), p.latencyMs.p(99), p.latencyMs.p(99.9)));
        }
        double offP99 = Math.max(phases.get(0).latencyMs.p(99), phases.get(2).latencyMs.p(99));
        double onP99 = Math.max(phases.get(1).latencyMs.p(99), phases.get(3).latencyMs.p(99));
        double offP99min = Math.min(phases.get(0).latencyMs.p(99), phases.get(2).latencyMs.p(99));
        double onP99min = Math.min(phases.get(1).latencyMs.p(99), phases.get(3).latencyMs.p(99));
        double added = onP99 - offP99;
        r.section("Result");
        r.line(String.format("p99 sessions off (reference): %.2f / %.2f ms; sessions on: %.2f / %.2f ms (rounds 1 / 2)",
                phases.get(0).latencyMs.p(99), phases.get(2).latencyMs.p(99), phases.get(1).latencyMs.p(99), phases.get(3).latencyMs.p(99)));
        r.line(String.format("p99 added by sessions + CMCD (worst on - worst off): %.2f ms; (best on - best off): %.2f ms; ratio on/off %.2f; target <= 2 ms: %s",
                added, onP99min - offP99min, onP99 / offP99, added <= 2.0 ? "PASS" : "FAIL"));
        r.section(String.format("Heap after full GC, sessions on, soak of %.1f min at the same load (jcmd GC.run; GC.heap_info)", soakMinutes));
        r.line("| minute | heap used after GC (MiB) | sessions on the node | segment 200s / failures since the previous sample |");
        r.line("|---|---|---|---|");
        for (long[] h : heap) {
            r.line(String.format("| %.1f | %.1f | %d | %d / %d |", h[0] / 60_000.0, h[1] / 1048576.0, h[2], h[3], h[4]));
        }
        if (heap.size() >= 3) {
            double first = heap.get(1)[1] / 1048576.0;
            double last = heap.get(heap.size() - 1)[1] / 1048576.0;
            r.line(String.format("from the second sample to the last: %+.1f MiB (%s)", last - first,
                    Math.abs(last - first) <= 16 ? "no growth beyond 16 MiB: PASS" : "growth: FAIL"));
        }
        Path out = ServerProcess.root().resolve("bench/results/qoe.md");
        r.write(out);
        System.out.println("wrote " + out);
    }

    private static boolean firstPhase = true;

    private static Phase run(Vertx vertx, EncodedMedia media, boolean on, int segRps, int beaconRps, int seconds,
                             double soakMinutes, List<long[]> heap) throws Exception {
        String name = (on ? "sessions on" : "sessions off");
        try (ServerProcess server = ServerProcess.start("qoe-" + (on ? "on" : "off"), List.of("-Xms512m", "-Xmx1g"),
                Map.of("TRIBUTARY_SESSIONS_ENABLED", Boolean.toString(on), "TRIBUTARY_QOE_BEACON_RATE", "1000000",
                        "TRIBUTARY_QOE_BEACON_BURST", "1000000", "TRIBUTARY_HLS_WINDOW_SEGMENTS", "10"));
             RtmpPush push = RtmpPush.publish(server.rtmpPort(), KEY, media)) {
            push.sendAll(media.samples());
            // the stream must stay live for the whole phase: RTMP closes a silent publisher after 30 s
            Thread keepalive = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(5000);
                        push.sendMetaData(Map.of("keepalive", 1));
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        System.out.println("[qoe] keepalive failed: " + e);
                        return;
                    }
                }
            }, "qoe-keepalive");
            keepalive.setDaemon(true);
            keepalive.start();
            Thread.sleep(1000);
            HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String playlist = jdk.send(HttpRequest.newBuilder(URI.create(server.httpUrl("/live/" + KEY + "/video/index.m3u8"))).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            List<String> segs = new ArrayList<>();
            Matcher m = SEG.matcher(playlist);
            while (m.find()) {
                segs.add("/live/" + KEY + "/video/" + m.group(1));
            }
            if (segs.size() < 3) {
                throw new IllegalStateException("too few segments:\n" + playlist);
            }
            // every player fetches the multivariant playlist once: that starts its session
            for (int p = 0; p < PLAYERS; p++) {
                jdk.send(HttpRequest.newBuilder(URI.create(server.httpUrl("/live/" + KEY + "/index.m3u8")))
                        .header("CMCD-Session", "sid=\"player-" + p + "\",sf=h,st=l").build(), HttpResponse.BodyHandlers.discarding());
            }
            Load load = new Load(vertx, server.httpPort(), segs, segRps, beaconRps);
            load.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            // warm-up at full load; the first phase also warms this client JVM up
            Thread.sleep(firstPhase ? 25_000 : 8000);
            firstPhase = false;
            load.reset();
            double accepted0 = metric(jdk, server, "tributary_qoe_beacons_total{result=\"accepted\",source=\"ws\"}");
            double cpu0 = server.cpuSeconds();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            Phase phase = new Phase(name + (soakMinutes > 0 ? " (round 2)" : ""), new Stats(load.latenciesMs()), load.sent.get(),
                    load.ok.get(), load.failed.get(), load.ok.get() / elapsed, load.beaconsSent.get() / elapsed,
                    metric(jdk, server, "tributary_qoe_beacons_total{result=\"accepted\",source=\"ws\"}") - accepted0,
                    (server.cpuSeconds() - cpu0) / elapsed);
            if (load.beaconErrors.get() > 0) {
                System.out.println("[qoe] the node answered " + load.beaconErrors.get() + " beacons with an error");
            }
            System.out.printf("[qoe] %s: %d sent, %d ok, %d failed, p50 %.2f p99 %.2f p99.9 %.2f ms, %.0f seg/s, %.0f beacons/s, cpu %.2f%n",
                    phase.name, phase.sent, phase.ok, phase.failed, phase.latencyMs.p(50), phase.latencyMs.p(99), phase.latencyMs.p(99.9),
                    phase.segRps, phase.beaconRps, phase.serverCpuCores);
            if (soakMinutes > 0) {
                long soakStart = System.currentTimeMillis();
                long end = soakStart + (long) (soakMinutes * 60_000);
                while (true) {
                    long at = System.currentTimeMillis() - soakStart;
                    long used = server.heapUsedAfterGc();
                    long sessions = (long) metric(jdk, server, "tributary_playback_sessions");
                    heap.add(new long[]{at, used, sessions, load.ok.get(), load.failed.get()});
                    System.out.printf("[qoe] soak %.1f min: heap after GC %.1f MiB, %d sessions, %d ok / %d failed since the last sample%n",
                            at / 60_000.0, used / 1048576.0, sessions, load.ok.get(), load.failed.get());
                    if (System.currentTimeMillis() >= end) {
                        break;
                    }
                    load.reset(); // counts per interval; keeps the latency buffer bounded
                    Thread.sleep(Math.min(15_000, Math.max(0, end - System.currentTimeMillis())));
                }
            }
            load.stop();
            keepalive.interrupt();
            return phase;
        }
    }

    private static double metric(HttpClient jdk, ServerProcess server, String series) throws Exception {
        String text = jdk.send(HttpRequest.newBuilder(URI.create(server.httpUrl("/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    /** Open-loop load at fixed rates: latency counts from when a request was due, not when a connection was free. */
    private static final class Load {
        private final Vertx vertx;
        private final int port;
        private final List<String> segs;
        private final int segRps;
        private final int beaconRps;
        private final HttpClientAgent http;
        private final WebSocketClient wsClient;
        private final List<WebSocket> sockets = new ArrayList<>();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong beaconsSent = new AtomicLong();
        final AtomicLong beaconErrors = new AtomicLong();
        private long[] latencyMicros = new long[1 << 20];
        private int latencyCount;
        private long timer = -1;
        private long startNanos;
        private long segIssued;
        private long beaconIssued;

        Load(Vertx vertx, int port, List<String> segs, int segRps, int beaconRps) {
            this.vertx = vertx;
            this.port = port;
            this.segs = segs;
            this.segRps = segRps;
            this.beaconRps = beaconRps;
            this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
                    .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(128).setMaxWaitQueueSize(-1));
            this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions());
        }

        Future<Void> start() {
            List<Future<WebSocket>> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                all.add(wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws/qoe"))
                        .onSuccess(ws -> {
                            ws.textMessageHandler(t -> beaconErrors.incrementAndGet()); // the node only answers problems
                            synchronized (sockets) {
                                sockets.add(ws);
                            }
                        }));
            }
            return Future.all(all).onSuccess(x -> vertx.runOnContext(v -> {
                startNanos = System.nanoTime();
                timer = vertx.setPeriodic(1, id -> tick());
            })).mapEmpty();
        }

        private void tick() {
            long now = System.nanoTime();
            double elapsed = (now - startNanos) / 1e9;
            long dueSegs = (long) (elapsed * segRps);
            while (segIssued < dueSegs) {
                long intended = startNanos + (long) (segIssued * 1e9 / segRps);
                int player = (int) (segIssued % PLAYERS);
                String path = segs.get((int) ((segIssued / PLAYERS) % segs.size()));
                segIssued++;
                segment(path, player, intended);
            }
            long dueBeacons = (long) (elapsed * beaconRps);
            while (beaconIssued < dueBeacons) {
                int player = (int) (beaconIssued % PLAYERS);
                WebSocket ws = sockets.get((int) (beaconIssued % sockets.size()));
                beaconIssued++;
                ws.writeTextMessage("{\"sid\":\"player-" + player + "\",\"stream\":\"" + KEY + "\",\"events\":[{\"type\":\"heartbeat\","
                        + "\"playhead\":12.3,\"buffer\":2.1,\"playing_seconds\":1.0},{\"type\":\"latency\",\"seconds\":1.6}]}");
                beaconsSent.incrementAndGet();
            }
        }

        private void segment(String path, int player, long intended) {
            sent.incrementAndGet();
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setURI(path)
                    .putHeader("CMCD-Session", "sid=\"player-" + player + "\",sf=h,st=l")
                    .putHeader("CMCD-Request", "bl=" + (1000 + player % 20 * 100) + ",mtp=" + (2000 + player % 50 * 100))
                    .putHeader("CMCD-Object", "br=70,d=2000,ot=v");
            http.request(o).compose(req -> req.send().compose(res -> res.body().map(b -> res.statusCode())))
                    .onComplete(ar -> {
                        if (ar.succeeded() && ar.result() == 200) {
                            ok.incrementAndGet();
                            record((System.nanoTime() - intended) / 1000);
                        } else {
                            failed.incrementAndGet();
                        }
                    });
        }

        private synchronized void record(long micros) {
            if (latencyCount == latencyMicros.length) {
                latencyMicros = java.util.Arrays.copyOf(latencyMicros, latencyMicros.length * 2);
            }
            latencyMicros[latencyCount++] = micros;
        }

        synchronized void reset() {
            latencyCount = 0;
            sent.set(0);
            ok.set(0);
            failed.set(0);
            beaconsSent.set(0);
        }

        synchronized double[] latenciesMs() {
            double[] out = new double[latencyCount];
            for (int i = 0; i < latencyCount; i++) {
                out[i] = latencyMicros[i] / 1000.0;
            }
            return out;
        }

        void stop() throws Exception {
            vertx.cancelTimer(timer);
            for (WebSocket ws : sockets) {
                ws.close();
            }
            http.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }
}
