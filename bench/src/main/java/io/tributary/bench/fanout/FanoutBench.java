package io.tributary.bench.fanout;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import io.tributary.bench.support.Stats;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.bench.support.Report.f;

/**
 * LL-HLS blocking-reload fan-out: N keep-alive HTTP/1.1 connections (raw NIO, one
 * selector thread, one outstanding request per connection) all ask for the next part of
 * one rendition with {@code _HLS_msn/_HLS_part}; the server holds them and answers when the
 * part is published. Per wave: spread between the first and the last response (first
 * byte). Then the heap cost of held requests, from jcmd GC.run + GC.heap_info on the
 * server process.
 *
 * <p>Args: see {@link #main}. One server per transport (epoll, NIO) in the same run.
 */
public final class FanoutBench {

    private static final String KEY = "fan";
    private static final Pattern HINT = Pattern.compile("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"");
    private static final Pattern RELEASE_BUCKET =
            Pattern.compile("(?m)^tributary_held_release_seconds_bucket\\{le=\"([^\"]+)\"} ([0-9.eE+]+)");
    private static final Pattern RELEASE_MAX = Pattern.compile("(?m)^tributary_held_release_seconds_max ([0-9.eE+]+)");
    private static final Pattern GAUGE = Pattern.compile("(?m)^tributary_blocked_requests(?:\\{[^}]*\\})? ([0-9.eE+]+)");

    static final class Conn {
        final SocketChannel ch;
        byte[] buf = new byte[8192];
        int len;
        int headerEnd = -1;
        int contentLength = -1;
        long firstByte;
        long done;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        void reset() {
            len = 0;
            headerEnd = -1;
            contentLength = -1;
            firstByte = 0;
            done = 0;
        }

        String body() {
            return new String(buf, headerEnd, len - headerEnd, StandardCharsets.UTF_8);
        }

        int status() {
            return Integer.parseInt(new String(buf, 9, 3, StandardCharsets.US_ASCII));
        }
    }

    record Wave(long msn, int part, double spreadMs, double lastDoneMs, double heldBeforeMs, double writeMs,
                int ok, int bad, int maxGauge, double serverCpuMs) {
    }

    private final Selector selector;
    private final List<Conn> conns = new ArrayList<>();
    private final ByteBuffer readBuf = ByteBuffer.allocateDirect(1 << 16);
    private final ServerProcess server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private FanoutBench(ServerProcess server) throws IOException {
        this.server = server;
        this.selector = Selector.open();
    }

    /** One transport's measurement: its waves, heap samples and the node's release histogram. */
    record Run(String transport, List<Wave> waves, long[] heapNone, long[] heapIdle, long[] heapHeld, int[] heldGauge,
               Map<String, Double> releaseBefore, Map<String, Double> releaseAfter, double releaseMax) {

        double total() {
            return releaseAfter.getOrDefault("+Inf", 0.0) - releaseBefore.getOrDefault("+Inf", 0.0);
        }

        double within(String le) {
            return releaseAfter.getOrDefault(le, 0.0) - releaseBefore.getOrDefault(le, 0.0);
        }
    }

    /**
     * Args: [connections (default 5000)] [waves (default 20)] [transports, comma-separated: epoll,nio (default)]
     * [results file under bench/results (default fanout.md; fanout-N.md for another N)].
     * {@code FANOUT_SERVER_JVM}: extra JVM options for the server (e.g. a JFR recording).
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int waves = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<String> transports = List.of((args.length > 2 ? args[2] : "epoll,nio").split(","));
        String out = args.length > 3 ? args[3] : n == 5000 ? "fanout.md" : "fanout-" + n + ".md";
        double partTarget = 0.5;
        double runSeconds = 90;
        EncodedMedia media = EncodedMedia.encode(320, 240, 30, 60, true, null, runSeconds);

        Report r = new Report("Fan-out: " + n + " blocked playlist requests on one rendition");
        r.section("Machine").line(Machine.describe());
        String loadBefore = loadAverage();
        List<Run> runs = new ArrayList<>();
        try (BenchLock lock = BenchLock.acquire("fanout")) {
            for (String transport : transports) {
                runs.add(measure(n, waves, transport, partTarget, runSeconds, media));
            }
        }
        String loadAfter = loadAverage();
        r.line("- load average (1, 5, 15 min) before the runs: " + loadBefore + "; after: " + loadAfter);
        if (loaded(loadBefore)) {
            r.line("- **the machine was loaded** (a 1-minute load average above its cores): smoke figures, not quiet-machine figures");
        }

        r.section("Parameters");
        r.line(f("- stream: pre-encoded 320x240 @ 30 fps H.264 + AAC published over RTMP in real time; `hls.part-target` %.1f s, `hls.segment-target` 2.0 s", partTarget));
        r.line("- server: `verticles/target/tributary.jar` in its own JVM (`-Xmx2g`, G1), default config but `transcode.ladder: none` (`http.instances` 0 = 2 delivery event loops on 2 cores), the HTTP connection limits raised past N (`http.max-connections`, `http.max-connections-per-address`), no request-rate limit per address and a header timeout of 120 s (every connection comes from 127.0.0.1 and waits between waves)");
        r.line("- transports, one server each, in this order: " + String.join(", ", transports) + " (`net.native-transport` true = epoll, false = Java NIO)");
        r.line(f("- client: %d HTTP/1.1 keep-alive connections over loopback, raw NIO on one selector thread in the benchmark JVM, one outstanding request per connection (no h2c); the same connections for every wave", n));
        r.line("- a wave: a blocking reload (separate connection) returns when part H is published; at once every connection sends `GET /live/fan/video/index.m3u8?_HLS_msn=M&_HLS_part=P` for the new preload-hinted part H' (the *next* part), which the server must hold ~0.5 s until H' exists");
        r.line("- response time = when the first byte of the response was read; spread = last − first response of the wave (the first response approximates the publish time); every response is checked: 200 and an `EXT-X-PART` line for part H'");
        r.line("- held = the server's `tributary_blocked_requests` gauge reached N before the first response (polled every ~10 ms from another connection); `held before` = how long before the first response that happened");
        r.line(f("- %d measured waves after 3 warm-up waves per transport", waves));
        r.line("- server CPU = user+system time of the server process (from /proc, 10 ms ticks) between the last reading before the first response and the last response: the cost of answering the wave");
        r.line("- heap: `jcmd PID GC.run` then `GC.heap_info` (used after full GC), 3 samples each: stream live and no client connections; N idle keep-alive connections; N connections each with a held request (a blocking reload two segments ahead, held ~2–4 s while jcmd runs)");

        for (Run run : runs) {
            report(r, run, n);
        }

        r.section("Summary");
        r.line("- server side: `tributary_held_release_seconds`, from the part's publication to the last response of the release written, one sample per event loop per wave");
        r.line("- client side: the spread also contains the benchmark's own single selector thread reading N responses on the same 2 cores as the server; it is reported as seen, not as the server's figure");
        r.line("");
        r.line("| transport | server: release samples within 50 ms | release max (ms) | client spread p50 / p99 / max (ms) | server CPU per wave p50 (ms) | waves all 200 + part listed | heap per held request (B) | target (server, all within 50 ms) |");
        r.line("|---|---:|---:|---:|---:|---:|---:|---|");
        for (Run run : runs) {
            Stats s = new Stats(run.waves().stream().map(Wave::spreadMs).toList());
            Stats cpu = new Stats(run.waves().stream().map(Wave::serverCpuMs).toList());
            long allOk = run.waves().stream().filter(w -> w.ok() == n).count();
            boolean serverPass = run.total() > 0 && run.within("0.05") == run.total();
            r.line(f("| %s | %.0f / %.0f | %.1f | %.1f / %.1f / %.1f | %.0f | %d / %d | %.0f | %s |", run.transport(), run.within("0.05"), run.total(),
                    run.releaseMax(), s.p(50), s.p(99), s.max(), cpu.p(50), allOk, run.waves().size(),
                    (median(run.heapHeld()) - median(run.heapIdle())) / n, serverPass ? "PASS" : "FAIL"));
        }
        r.write(ServerProcess.root().resolve("bench/results/" + out));
        System.exit(0);
    }

    private static Run measure(int n, int waves, String transport, double partTarget, double runSeconds, EncodedMedia media)
            throws Exception {
        if (!transport.equals("epoll") && !transport.equals("nio")) {
            throw new IllegalArgumentException("transport must be epoll or nio: " + transport);
        }
        List<Wave> results = new ArrayList<>();
        long[] heapNone = new long[3];
        long[] heapIdle = new long[3];
        long[] heapHeld = new long[3];
        int[] heldGauge = new int[3];
        Map<String, Double> releaseBefore = Map.of();
        Map<String, Double> releaseAfter;
        double releaseMax;
        List<String> jvm = new ArrayList<>(List.of("-Xmx2g"));
        String extra = System.getenv("FANOUT_SERVER_JVM");
        if (extra != null && !extra.isBlank()) {
            jvm.addAll(List.of(extra.trim().replace("{transport}", transport).split("\\s+")));
        }
        String limit = Integer.toString(2 * n + 100);
        Map<String, String> env = Map.of("TRIBUTARY_HLS_PART_TARGET", Double.toString(partTarget), "TRIBUTARY_HLS_SEGMENT_TARGET", "2.0",
                "TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_NET_NATIVE_TRANSPORT", Boolean.toString(transport.equals("epoll")),
                "TRIBUTARY_HTTP_MAX_CONNECTIONS", limit, "TRIBUTARY_HTTP_MAX_CONNECTIONS_PER_ADDRESS", limit,
                "TRIBUTARY_HTTP_MAX_REQUEST_RATE_PER_ADDRESS", "0", "TRIBUTARY_HTTP_HEADER_TIMEOUT", "120s",
                "TRIBUTARY_HTTP_IDLE_TIMEOUT", "300s");
        try (ServerProcess server = ServerProcess.start("fanout-" + transport, jvm, env);
             RtmpPush push = RtmpPush.publish(awaitListening(server.rtmpPort()), KEY, media)) {
            long deadline = System.nanoTime() + (long) (runSeconds * 1e9);
            Thread publisher = new Thread(() -> push.sendPaced(media.samples(), deadline, null), "publisher");
            publisher.setDaemon(true);
            publisher.start();
            FanoutBench b = new FanoutBench(server);
            b.waitLive();
            String version = b.get("/api/v1/version").body();
            if (!version.contains("\"transport\":\"" + transport + "\"")) {
                throw new IllegalStateException("the server does not run on " + transport + ": " + version);
            }
            Thread.sleep(3000); // a few segments in the playlist
            for (int i = 0; i < 3; i++) {
                heapNone[i] = server.heapUsedAfterGc();
            }
            b.connect(n);
            Thread.sleep(500);
            // warm-up waves, then measured waves
            for (int i = 0; i < 3 + waves && System.nanoTime() < deadline - 25_000_000_000L; i++) {
                Wave w = b.wave(false);
                System.out.println("[fanout] " + transport + " wave " + i + ": " + w);
                if (i >= 3) {
                    results.add(w);
                }
                if (i == 2) {
                    releaseBefore = b.releaseBuckets();
                }
            }
            releaseAfter = b.releaseBuckets();
            Matcher mx = RELEASE_MAX.matcher(b.get("/metrics").body());
            releaseMax = mx.find() ? Double.parseDouble(mx.group(1)) * 1000 : Double.NaN;
            for (int i = 0; i < 3; i++) {
                heapIdle[i] = server.heapUsedAfterGc();
            }
            for (int i = 0; i < 3 && System.nanoTime() < deadline - 8_000_000_000L; i++) {
                long[] held = b.heldHeap();
                heapHeld[i] = held[0];
                heldGauge[i] = (int) held[1];
            }
            b.close();
            publisher.interrupt();
        }
        return new Run(transport, results, heapNone, heapIdle, heapHeld, heldGauge, releaseBefore, releaseAfter, releaseMax);
    }

    private static void report(Report r, Run run, int n) {
        List<Wave> results = run.waves();
        r.section("Waves: " + run.transport());
        r.line("| wave | target part | write N requests (ms) | all held before first response (ms) | spread first→last response (ms) | first→last complete (ms) | 200 + part listed | bad | max gauge | server CPU from first to last response (ms) |");
        r.line("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<Double> spreads = new ArrayList<>();
        List<Double> dones = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Wave w = results.get(i);
            spreads.add(w.spreadMs());
            dones.add(w.lastDoneMs());
            r.line(f("| %d | %d.%d | %.1f | %s | %.1f | %.1f | %d | %d | %d | %.0f |", i + 1, w.msn(), w.part(), w.writeMs(),
                    w.heldBeforeMs() > 0 ? f("%.0f", w.heldBeforeMs()) : "NOT HELD", w.spreadMs(), w.lastDoneMs(), w.ok(), w.bad(), w.maxGauge(),
                    w.serverCpuMs()));
        }
        Stats s = new Stats(spreads);
        Stats d = new Stats(dones);
        r.line("");
        r.line("| ms | p50 | p99 | max |");
        r.line("|---|---:|---:|---:|");
        r.line(f("| spread first→last response | %.1f | %.1f | %.1f |", s.p(50), s.p(99), s.max()));
        r.line(f("| first response → last response complete | %.1f | %.1f | %.1f |", d.p(50), d.p(99), d.max()));

        r.section("Heap: " + run.transport());
        double none = median(run.heapNone());
        double idle = median(run.heapIdle());
        double held = median(run.heapHeld());
        r.line("| state | heap used after GC, 3 samples (MiB) | median (MiB) |");
        r.line("|---|---|---:|");
        r.line(f("| no client connections | %s | %.2f |", mib(run.heapNone()), none / 1048576));
        r.line(f("| %d idle keep-alive connections | %s | %.2f |", n, mib(run.heapIdle()), idle / 1048576));
        r.line(f("| %d connections, each with a held request (gauge %s) | %s | %.2f |", n, Arrays.toString(run.heldGauge()), mib(run.heapHeld()), held / 1048576));
        r.line("");
        r.line(f("- per held request (held − idle) / N: **%.0f bytes**", (held - idle) / n));
        r.line(f("- per connection with a held request (held − none) / N: %.0f bytes (of which the idle connection: %.0f bytes)", (held - none) / n, (idle - none) / n));

        r.section("Server-side release time: " + run.transport());
        r.line("`tributary_held_release_seconds`: from the part's publication (nanoTime in the stream's announcement) until the delivery event loop has written the response to every request the part released; one sample per event loop per wave (2 loops). Counts are the measured waves only (delta of the cumulative buckets).");
        r.line("");
        r.line("| ≤ ms | samples | share |");
        r.line("|---:|---:|---:|");
        double total = run.total();
        for (String le : run.releaseAfter().keySet()) {
            double c = run.within(le);
            r.line(f("| %s | %.0f | %.0f %% |", le.equals("+Inf") ? "∞" : f("%.0f", Double.parseDouble(le) * 1000), c, total > 0 ? 100 * c / total : 0));
        }
        r.line(f("- max over the last minutes (the node's decaying max): %.1f ms", run.releaseMax()));
    }

    /** /health answers before the RTMP listener is deployed: the port, once it accepts (within 30 s). */
    private static int awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return port;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("RTMP port " + port + " not listening", e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static boolean loaded(String loadAverage) {
        try {
            return Double.parseDouble(loadAverage.split(",")[0].trim()) > Runtime.getRuntime().availableProcessors();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String loadAverage() {
        try {
            String[] v = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
            return v[0] + ", " + v[1] + ", " + v[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static String mib(long[] v) {
        StringBuilder b = new StringBuilder();
        for (long x : v) {
            b.append(b.length() == 0 ? "" : ", ").append(f("%.2f", x / 1048576.0));
        }
        return b.toString();
    }

    private void waitLive() throws Exception {
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> res = get("/live/" + KEY + "/video/index.m3u8");
            if (res.statusCode() == 200 && HINT.matcher(res.body()).find()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("stream did not go live");
    }

    /** Cumulative bucket counts of the node's release-time histogram, by "le". */
    private Map<String, Double> releaseBuckets() throws Exception {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        Matcher m = RELEASE_BUCKET.matcher(get("/metrics").body());
        while (m.find()) {
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUrl(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void connect(int n) throws IOException, InterruptedException {
        InetSocketAddress addr = new InetSocketAddress("127.0.0.1", server.httpPort());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i += 250) {
            List<SocketChannel> batch = new ArrayList<>();
            for (int j = i; j < Math.min(n, i + 250); j++) {
                SocketChannel ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.connect(addr); // blocking connect, loopback
                ch.configureBlocking(false);
                batch.add(ch);
            }
            for (SocketChannel ch : batch) {
                Conn c = new Conn(ch);
                ch.register(selector, SelectionKey.OP_READ, c);
                conns.add(c);
            }
        }
        System.out.printf("[fanout] %d connections in %.1f s%n", conns.size(), (System.nanoTime() - t0) / 1e9);
    }

    /** Blocks on the current hint; returns the new hint (msn, part) right after that part was published. */
    private long[] nextHint() throws Exception {
        HttpResponse<String> res = get("/live/" + KEY + "/video/index.m3u8");
        Matcher m = HINT.matcher(res.body());
        if (!m.find()) {
            throw new IllegalStateException("no preload hint");
        }
        res = get("/live/" + KEY + "/video/index.m3u8?_HLS_msn=" + m.group(1) + "&_HLS_part=" + m.group(2));
        m = HINT.matcher(res.body());
        if (res.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("blocking reload failed: " + res.statusCode());
        }
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    private Wave wave(boolean unused) throws Exception {
        long[] h = nextHint();
        return fire(h[0], (int) h[1], true);
    }

    /** Sends the blocking reload for (msn, part) on every connection and collects the answers. */
    private Wave fire(long msn, int part, boolean poll) throws Exception {
        byte[] req = ("GET /live/" + KEY + "/video/index.m3u8?_HLS_msn=" + msn + "&_HLS_part=" + part
                + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.httpPort() + "\r\nUser-Agent: fanout\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (Conn c : conns) {
            c.reset();
        }
        AtomicLong heldAt = new AtomicLong();
        AtomicLong maxGauge = new AtomicLong();
        long t0 = System.nanoTime();
        for (Conn c : conns) {
            ByteBuffer bb = ByteBuffer.wrap(req);
            while (bb.hasRemaining()) {
                c.ch.write(bb);
            }
        }
        long written = System.nanoTime();
        Thread poller = null;
        if (poll) {
            int target = conns.size();
            poller = new Thread(() -> {
                long end = System.nanoTime() + 3_000_000_000L;
                try {
                    while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
                        HttpResponse<String> res = get("/metrics");
                        Matcher m = GAUGE.matcher(res.body());
                        if (m.find()) {
                            long g = (long) Double.parseDouble(m.group(1));
                            maxGauge.accumulateAndGet(g, Math::max);
                            if (g >= target && heldAt.get() == 0) {
                                heldAt.set(System.nanoTime());
                                return;
                            }
                        }
                        Thread.sleep(10);
                    }
                } catch (Exception e) {
                    // stop polling
                }
            }, "gauge-poller");
            poller.setDaemon(true);
            poller.start();
        }
        int remaining = collectAfterFirst(System.nanoTime() + 8_000_000_000L);
        double serverCpuMs = (server.cpuSeconds() - cpuAtFirst) * 1000;
        if (poller != null) {
            poller.interrupt();
            poller.join(2000);
        }
        long first = Long.MAX_VALUE;
        long last = 0;
        long lastDone = 0;
        int ok = 0;
        int bad = 0;
        String partUri = "URI=\"part-" + msn + "." + part + ".m4s\"";
        for (Conn c : conns) {
            if (c.done == 0) {
                bad++;
                continue;
            }
            first = Math.min(first, c.firstByte);
            last = Math.max(last, c.firstByte);
            lastDone = Math.max(lastDone, c.done);
            String body = c.body();
            boolean listed = false;
            int at = body.indexOf(partUri);
            if (at > 0) {
                int lineStart = body.lastIndexOf('\n', at) + 1;
                listed = body.startsWith("#EXT-X-PART:", lineStart);
            }
            if (c.status() == 200 && listed) {
                ok++;
            } else {
                bad++;
            }
        }
        double heldBefore = heldAt.get() == 0 || heldAt.get() > first ? -1 : (first - heldAt.get()) / 1e6;
        if (remaining > 0) {
            System.out.println("[fanout] " + remaining + " responses missing");
        }
        return new Wave(msn, part, (last - first) / 1e6, (lastDone - first) / 1e6, heldBefore, (written - t0) / 1e6,
                ok, bad, (int) maxGauge.get(), serverCpuMs);
    }

    private double cpuAtFirst;

    /** Like {@link #collect}, noting the server's CPU time when the first response shows up. */
    private int collectAfterFirst(long deadline) throws IOException {
        cpuAtFirst = Double.NaN;
        while (System.nanoTime() < deadline) {
            if (selector.select(1) > 0) {
                break;
            }
            cpuAtFirst = server.cpuSeconds(); // the last reading before the wave's first response
        }
        return collect(deadline);
    }

    /** Reads until every connection has a complete response or the deadline passes; returns how many are missing. */
    private int collect(long deadline) throws IOException {
        int remaining = conns.size();
        while (remaining > 0 && System.nanoTime() < deadline) {
            if (selector.select(100) == 0) {
                continue;
            }
            for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                while (true) {
                    readBuf.clear();
                    int r = c.ch.read(readBuf);
                    if (r <= 0) {
                        if (r < 0) {
                            k.cancel();
                        }
                        break;
                    }
                    long now = System.nanoTime();
                    if (c.len == 0) {
                        c.firstByte = now;
                    }
                    readBuf.flip();
                    if (c.len + r > c.buf.length) {
                        c.buf = Arrays.copyOf(c.buf, Math.max(c.buf.length * 2, c.len + r));
                    }
                    readBuf.get(c.buf, c.len, r);
                    c.len += r;
                    if (c.headerEnd < 0) {
                        int he = indexOf(c.buf, c.len, "\r\n\r\n");
                        if (he >= 0) {
                            c.headerEnd = he + 4;
                            String head = new String(c.buf, 0, he, StandardCharsets.US_ASCII).toLowerCase();
                            int cl = head.indexOf("content-length:");
                            c.contentLength = cl < 0 ? 0 : Integer.parseInt(head.substring(cl + 15, head.indexOf('\r', cl) < 0 ? head.length() : head.indexOf('\r', cl)).trim());
                        }
                    }
                    if (c.headerEnd >= 0 && c.done == 0 && c.len >= c.headerEnd + c.contentLength) {
                        c.done = now;
                        remaining--;
                    }
                }
            }
        }
        return remaining;
    }

    private static int indexOf(byte[] b, int len, String s) {
        byte[] p = s.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + p.length <= len; i++) {
            for (int j = 0; j < p.length; j++) {
                if (b[i + j] != p[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Holds N requests two segments ahead and reads the server heap while they wait: {heap, gauge}. */
    private long[] heldHeap() throws Exception {
        long[] h = nextHint();
        long msn = h[0] + 2;
        byte[] req = ("GET /live/" + KEY + "/video/index.m3u8?_HLS_msn=" + msn + "&_HLS_part=0"
                + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.httpPort() + "\r\nUser-Agent: fanout\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (Conn c : conns) {
            c.reset();
            ByteBuffer bb = ByteBuffer.wrap(req);
            while (bb.hasRemaining()) {
                c.ch.write(bb);
            }
        }
        long gauge = 0;
        for (int i = 0; i < 100 && gauge < conns.size(); i++) {
            Thread.sleep(20);
            Matcher m = GAUGE.matcher(get("/metrics").body());
            gauge = m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
        }
        long heap = server.heapUsedAfterGc();
        Matcher m = GAUGE.matcher(get("/metrics").body());
        long after = m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
        int missing = collect(System.nanoTime() + 10_000_000_000L);
        System.out.printf("[fanout] held heap %.2f MiB, gauge before %d after %d, %d unanswered%n", heap / 1048576.0, gauge, after, missing);
        return new long[]{heap, Math.min(gauge, after)};
    }

    private void close() {
        for (Conn c : conns) {
            try {
                c.ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
