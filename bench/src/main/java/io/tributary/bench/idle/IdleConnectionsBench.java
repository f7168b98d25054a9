package io.tributary.bench.idle;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.ServerProcess;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.bench.support.Report.f;

/**
 * What an idle connection costs the node: N HTTP/1.1 keep-alive connections that made one request
 * ({@code GET /health}) and then wait, and N WebSockets upgraded on {@code /ws/qoe} that send nothing.
 * Per kind a fresh server: RSS (VmRSS), heap after a full GC and Netty's pooled direct memory before
 * and with the N connections held; the difference divided by N. The reference is the same server with
 * no client connection, in the same run.
 *
 * <p>Args: [N (default 2000)] [transport: epoll (default) or nio] [results file (default idle-connections.md)]
 */
public final class IdleConnectionsBench {

    private static final Pattern DIRECT = Pattern.compile(
            "(?m)^netty_allocator_memory_used_bytes\\{[^}]*memory_type=\"direct\"[^}]*} ([0-9.eE+]+)");

    record Sample(long rssBytes, long heapBytes, double directBytes) {
    }

    record Kind(String name, Sample before, Sample held, int open, List<String> grown) {
    }

    /** Bytes per class from {@code jcmd GC.class_histogram} (after the full GC that sampling did). */
    private static Map<String, Long> histogram(ServerProcess server) {
        Map<String, Long> bytes = new java.util.HashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)").matcher(server.jcmd("GC.class_histogram"));
        while (m.find()) {
            bytes.merge(m.group(3), Long.parseLong(m.group(2)), Long::sum);
        }
        return bytes;
    }

    /** The classes that grew most between two histograms, as "class: bytes per connection". */
    private static List<String> grown(Map<String, Long> before, Map<String, Long> after, int n, int top) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top)
                .map(e -> f("`%s` %.0f B", e.getKey(), (double) e.getValue() / n)).toList();
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        String transport = args.length > 1 ? args[1] : "epoll";
        String out = args.length > 2 ? args[2] : "idle-connections.md";
        String loadBefore = loadAverage();
        List<Kind> kinds = new ArrayList<>();
        try (BenchLock lock = BenchLock.acquire("idle-connections")) {
            kinds.add(measure("HTTP/1.1 keep-alive after one request", n, transport, false));
            kinds.add(measure("WebSocket on /ws/qoe", n, transport, true));
        }
        Report r = new Report("RSS per idle connection: " + n + " HTTP connections, " + n + " WebSockets");
        r.section("Machine").line(Machine.describe());
        r.line("- load average (1, 5, 15 min) before: " + loadBefore + "; after: " + loadAverage());
        if (loaded(loadBefore)) {
            r.line("- **the machine was loaded** (a 1-minute load average above its cores): smoke figures, not quiet-machine figures");
        }
        r.section("Parameters");
        r.line("- server: `verticles/target/tributary.jar` in its own JVM (`-Xmx1g`, G1), transport " + transport
                + ", `transcode.ladder: none`, no stream; a fresh server per kind");
        r.line(f("- limits raised past N so that none refuses: `http.max-connections`, `http.max-connections-per-address`, `http.max-websockets-per-address`; `http.idle-timeout` and `http.header-timeout` 300 s (their maximum) (the defaults, 60 s and 10 s, close such connections: the node's own protection, not measured here)"));
        r.line("- client: blocking sockets from the benchmark JVM over loopback; HTTP: `GET /health` once, response read, then nothing; WebSocket: the upgrade (101) read, then nothing");
        r.line("- a sample: `jcmd GC.run` then `GC.heap_info` (heap used after a full GC), VmRSS from /proc, Netty's pooled direct memory (`netty_allocator_memory_used_bytes{memory_type=\"direct\"}` summed); before = the server up with no client connection, held = N connections open for 3 s");
        r.section("Results");
        r.line("| kind | open | RSS before → held (MiB) | RSS per connection | heap after GC before → held (MiB) | heap per connection | Netty direct before → held (MiB) |");
        r.line("|---|---:|---|---:|---|---:|---|");
        for (Kind k : kinds) {
            r.line(f("| %s | %d | %.1f → %.1f | %.1f KiB | %.1f → %.1f | %.1f KiB | %.1f → %.1f |", k.name(), k.open(),
                    k.before().rssBytes() / 1048576.0, k.held().rssBytes() / 1048576.0,
                    (k.held().rssBytes() - k.before().rssBytes()) / 1024.0 / k.open(),
                    k.before().heapBytes() / 1048576.0, k.held().heapBytes() / 1048576.0,
                    (k.held().heapBytes() - k.before().heapBytes()) / 1024.0 / k.open(),
                    k.before().directBytes() / 1048576.0, k.held().directBytes() / 1048576.0));
        }
        r.line("");
        r.line("Netty direct: `PooledByteBufAllocator.DEFAULT`, the allocator the node's metrics bind; Vert.x's own allocator is not in it.");
        r.section("What an idle connection holds (heap, per connection, from the class histograms)");
        for (Kind k : kinds) {
            r.line("- " + k.name() + ": " + String.join(", ", k.grown()));
        }
        r.write(ServerProcess.root().resolve("bench/results/" + out));
        System.exit(0);
    }

    private static Kind measure(String name, int n, String transport, boolean webSocket) throws Exception {
        String limit = Integer.toString(2 * n + 100);
        Map<String, String> env = Map.of("TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_NET_NATIVE_TRANSPORT", Boolean.toString(transport.equals("epoll")),
                "TRIBUTARY_HTTP_MAX_CONNECTIONS", limit, "TRIBUTARY_HTTP_MAX_CONNECTIONS_PER_ADDRESS", limit,
                "TRIBUTARY_HTTP_MAX_WEBSOCKETS_PER_ADDRESS", limit, "TRIBUTARY_HTTP_MAX_REQUEST_RATE_PER_ADDRESS", "0",
                "TRIBUTARY_HTTP_IDLE_TIMEOUT", "300s", "TRIBUTARY_HTTP_HEADER_TIMEOUT", "300s", "TRIBUTARY_SRT_ENABLED", "false");
        try (ServerProcess server = ServerProcess.start("idle-" + (webSocket ? "ws" : "http"), List.of("-Xmx1g"), env)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Thread.sleep(2000);
            Sample before = sample(server, http);
            Map<String, Long> histBefore = histogram(server);
            List<SocketChannel> conns = new ArrayList<>(n);
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", server.httpPort());
            byte[] req = (webSocket
                    ? "GET /ws/qoe HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                    : "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            String expect = webSocket ? "HTTP/1.1 101" : "HTTP/1.1 200";
            try {
                for (int i = 0; i < n; i++) {
                    SocketChannel ch = SocketChannel.open(addr);
                    conns.add(ch);
                    ch.write(ByteBuffer.wrap(req));
                    String head = readHead(ch);
                    if (!head.startsWith(expect)) {
                        throw new IllegalStateException("connection " + i + ": " + head.lines().findFirst().orElse(head));
                    }
                }
                Thread.sleep(3000);
                Sample held = sample(server, http);
                List<String> grown = grown(histBefore, histogram(server), n, 12);
                int open = 0;
                for (SocketChannel ch : conns) {
                    ch.configureBlocking(false);
                    if (ch.read(ByteBuffer.allocate(256)) == 0) { // nothing, and not closed
                        open++;
                    }
                }
                System.out.printf("[idle] %s: %d of %d still open; RSS %d -> %d KiB, heap %d -> %d KiB%n", name, open, n,
                        before.rssBytes() / 1024, held.rssBytes() / 1024, before.heapBytes() / 1024, held.heapBytes() / 1024);
                return new Kind(name, before, held, open, grown);
            } finally {
                for (SocketChannel ch : conns) {
                    ch.close();
                }
            }
        }
    }

    /** Reads up to the end of the response head (and whatever of the body came with it). */
    private static String readHead(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        StringBuilder s = new StringBuilder();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.indexOf("\r\n\r\n") < 0 && System.nanoTime() < deadline) {
            b.clear();
            if (ch.read(b) < 0) {
                break;
            }
            s.append(new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1));
        }
        return s.toString();
    }

    private static Sample sample(ServerProcess server, HttpClient http) throws Exception {
        long heap = server.heapUsedAfterGc();
        long rss = rss(server.pid());
        String metrics = http.send(HttpRequest.newBuilder(URI.create(server.httpUrl("/metrics"))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double direct = 0;
        Matcher m = DIRECT.matcher(metrics);
        while (m.find()) {
            direct += Double.parseDouble(m.group(1));
        }
        return new Sample(rss, heap, direct);
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
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
            String[] v = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return v[0] + ", " + v[1] + ", " + v[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
