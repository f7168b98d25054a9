package io.tributary.bench.dvr;

import io.tributary.Node;
import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.ServerProcess;
import io.tributary.bench.support.Stats;
import io.tributary.bench.support.Wrk;
import io.tributary.config.TributaryConfig;
import io.tributary.dvr.DvrTimes;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * DVR playback: (1) a catch-up playlist over 24 h of 2 s segments (43,200 index rows per
 * rendition seeded in the node's PostgreSQL) requested over HTTP, p50/p99 of the whole answer
 * (index query + render + transfer), target p99 <= 20 ms; (2) one recorded segment served by the
 * node's /dvr route against nginx serving the same file from the same directory, wrk in the same
 * run, target ratio >= 0.9.
 *
 * <p>Args: [seconds per wrk run, default 10] [playlist requests, default 200]. PostgreSQL: the
 * external server at 127.0.0.1:5432 when it listens (a database of its own, dropped after),
 * else the embedded one under the bench's data-dir.
 */
public final class DvrPlaybackBench {

    private static final String KEY = "bench24h";
    private static final int ROWS = 43_200;
    private static final List<String> RENDITIONS = List.of("720p", "360p", "audio");

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int conns = 64;
        Path work = ServerProcess.root().resolve("bench/target/dvr-playback-bench");
        deleteTree(work);
        Files.createDirectories(work);
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_DVR_ENABLED", "true");
        env.put("TRIBUTARY_DATA_DIR", work.resolve("data").toString());
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any"); // a lab node: any key publishes, no accounts
        env.put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port, not 50051
        env.put("TRIBUTARY_AUTH_ENABLED", "false");
        env.put("TRIBUTARY_EDGE_PORT", Integer.toString(freePort()));
        env.put("TRIBUTARY_ROUTER_PORT", Integer.toString(freePort()));
        String db = null;
        if (listening(5432)) {
            db = "tributary_dvrbench_" + Long.toHexString(System.nanoTime());
            env.put("TRIBUTARY_PG_URL", "postgresql://postgres@127.0.0.1:5432/" + db);
        }
        TributaryConfig config = TributaryConfig.load(null, env).withPorts(freePort(), freePort());
        Node node = Node.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        Report r = new Report("DVR playback: 24 h catch-up playlist render, recorded segment from disk vs nginx");
        try {
            Pool pool = node.dvr().postgres().pool();
            // one real file every row names (its bytes are what is served; the index is what is measured)
            Path root = work.resolve("data/dvr");
            Path segFile = root.resolve(KEY + "/720p/seg.m4s");
            Files.createDirectories(segFile.getParent());
            byte[] bytes = new byte[1_083_505];
            new Random(7).nextBytes(bytes);
            Files.write(segFile, bytes);
            long t0 = (System.currentTimeMillis() - 86_400_000L - 60_000) / 1000 * 1000;
            // rows name this node as the holder: another node's rows would be fetched from it
            String self = ((io.tributary.dvr.PgDvrIndex) node.dvr().index()).node();
            for (String rendition : RENDITIONS) {
                boolean audio = rendition.equals("audio");
                await(pool.preparedQuery("INSERT INTO dvr_rendition (stream, rendition, codecs, width, height, bandwidth, audio) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7)").execute(Tuple.of(KEY, rendition,
                        audio ? "mp4a.40.2" : "avc1.64001f", audio ? 0 : rendition.equals("720p") ? 1280 : 640,
                        audio ? 0 : rendition.equals("720p") ? 720 : 360, audio ? 128_000L : 2_500_000L, audio)));
                await(pool.preparedQuery("INSERT INTO dvr_segment (stream, rendition, pdt_ms, end_ms, msn, duration, size, "
                        + "file, init_version, discontinuity, base_media_time, timescale, node) "
                        + "SELECT $1, $2, $3::bigint + i * 2000, $3::bigint + i * 2000 + 2000, i, 2.0, $4::bigint, $5, 0, i = 0, "
                        + "i * $6::bigint, $7::int, $9 FROM generate_series(0::bigint, $8::bigint - 1) AS i").execute(Tuple.of(KEY, rendition, t0, (long) bytes.length,
                        KEY + "/720p/seg.m4s", audio ? 96_000L : 180_000L, audio ? 48_000 : 90_000, (long) ROWS).addValue(self)));
            }
            await(pool.query("ANALYZE dvr_segment").execute());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + node.httpPort();
            String window = "from=" + DvrTimes.seconds(t0) + "&to=" + DvrTimes.seconds(t0 + 86_400_000L);
            String playlist = base + "/dvr/" + KEY + "/720p/index.m3u8?" + window;
            String mpd = base + "/dvr/" + KEY + "/manifest.mpd?" + window;
            String segment = base + "/dvr/" + KEY + "/720p/seg-" + (t0 + 2000L * 100) + ".m4s";

            Stats pl;
            Stats dash;
            int plBytes;
            int mpdBytes;
            Wrk ours;
            Wrk nginx;
            Stats cold;
            double first;
            Stats render;
            Stats query;
            List<Wrk> runs;
            try (BenchLock lock = BenchLock.acquire("dvr")) {
                long firstT = System.nanoTime();
                String body = get(http, playlist);
                first = (System.nanoTime() - firstT) / 1e6;
                plBytes = body.length();
                long listed = body.lines().filter(l -> l.startsWith("seg-")).count();
                if (listed != ROWS) {
                    throw new IllegalStateException("the 24 h playlist lists " + listed + " segments, not " + ROWS);
                }
                LeanGet lean = new LeanGet(node.httpPort());
                pl = timed(lean, playlist, requests);
                // a window of its own per request (1 ms later), so no rendering is reused: the closed blocks come
                // from the blocks the first request read, the edges from the index
                List<Double> coldMs = new ArrayList<>();
                for (int i = 1; i <= requests; i++) {
                    String url = base + "/dvr/" + KEY + "/720p/index.m3u8?from=" + DvrTimes.seconds(t0 + i)
                            + "&to=" + DvrTimes.seconds(t0 + 86_400_000L - 60_000 + i);
                    long t = System.nanoTime();
                    lean.get(url);
                    coldMs.add((System.nanoTime() - t) / 1e6);
                }
                cold = new Stats(coldMs);
                // the render alone, over the rows the index gave
                List<io.tributary.dvr.RecordedSegment> rows = await(node.dvr().index().segments(KEY, "720p", t0,
                        t0 + 86_400_000L, 200_000));
                List<Double> renderMs = new ArrayList<>();
                List<Double> queryMs = new ArrayList<>();
                for (int i = 0; i < Math.max(20, requests / 2); i++) {
                    long t = System.nanoTime();
                    io.tributary.dvr.DvrPlaylists.media(rows, false, false);
                    renderMs.add((System.nanoTime() - t) / 1e6);
                    t = System.nanoTime();
                    await(node.dvr().index().segments(KEY, "720p", t0, t0 + 86_400_000L, 200_000));
                    queryMs.add((System.nanoTime() - t) / 1e6);
                }
                render = new Stats(renderMs);
                query = new Stats(queryMs);
                mpdBytes = get(http, mpd).length();
                dash = timed(lean, mpd, Math.max(20, requests / 4));
                lean.close();

                if (!java.util.Arrays.equals(bytes, getBytes(http, segment))) {
                    throw new IllegalStateException("the node serves a different segment");
                }
                // alternated, best of two each: the machine is shared, its load moves within a minute
                Wrk o1 = Wrk.run(segment, conns, 3, seconds, ProcessHandle.current().pid());
                Wrk n1 = nginx(work, root, KEY + "/720p/seg.m4s", bytes, conns, seconds);
                Wrk o2 = Wrk.run(segment, conns, 2, seconds, ProcessHandle.current().pid());
                Wrk n2 = nginx(work, root, KEY + "/720p/seg.m4s", bytes, conns, seconds);
                runs = List.of(o1, n1, o2, n2);
                ours = o1.rps() >= o2.rps() ? o1 : o2;
                nginx = n1.rps() >= n2.rps() ? n1 : n2;
            }
            r.section("Machine").line(Machine.describe());
            r.section("Parameters");
            r.line("- index: " + ROWS + " rows per rendition (" + RENDITIONS + "), 2 s segments over 24 h, in "
                    + (db != null ? "the external PostgreSQL at 127.0.0.1:5432" : "the embedded PostgreSQL") + ", ANALYZEd");
            r.line("- node: in this JVM, default config (`http.instances` = one delivery verticle per core), DVR on");
            r.line("- playlist: `GET /dvr/" + KEY + "/720p/index.m3u8?from=&to=` over the whole 24 h ("
                    + plBytes + " bytes, " + ROWS + " segments), " + requests + " sequential requests after one warm-up; "
                    + "time = request sent to body read (index query, render, transfer) by a lean HTTP/1.1 client "
                    + "(one kept-alive socket, body read into a reused buffer)");
            r.line("- MPD: the same window as DASH, 3 renditions (" + mpdBytes + " bytes)");
            r.line("- segment: " + bytes.length + " bytes, `wrk -t1 -c" + conns + " -d" + seconds + "s` after a 3 s warm-up; nginx "
                    + "serves the same file from the same directory (`bench/nginx/nginx.conf`, worker_processes = cores, sendfile on)");
            r.section("Results");
            r.line("| what | p50 | p99 | max | target | result |");
            r.line("|---|---:|---:|---:|---:|---|");
            r.line(Report.f("| 24 h catch-up media playlist | %.1f ms | %.1f ms | %.1f ms | p99 <= 20 ms | %s |",
                    pl.p(50), pl.p(99), pl.max(), pl.p(99) <= 20 ? "PASS" : "FAIL"));
            r.line(Report.f("| 24 h catch-up MPD (3 renditions) | %.1f ms | %.1f ms | %.1f ms | (none) | |",
                    dash.p(50), dash.p(99), dash.max()));
            r.line(Report.f("| 24 h playlist, a new window each request (edges from the index, closed 10-minute blocks from memory, render, transfer) | %.1f ms | %.1f ms | %.1f ms | p99 <= 20 ms | %s |",
                    cold.p(50), cold.p(99), cold.max(), cold.p(99) <= 20 ? "PASS" : "FAIL"));
            r.line(Report.f("| 24 h playlist, the first request after start (every block read from the index, JIT cold) | %.1f ms | | | | |", first));
            r.line(Report.f("| 24 h playlist render alone (43,200 rows in memory) | %.1f ms | %.1f ms | %.1f ms | | |",
                    render.p(50), render.p(99), render.max()));
            r.line(Report.f("| 24 h index query alone (43,200 rows from PostgreSQL) | %.1f ms | %.1f ms | %.1f ms | | |",
                    query.p(50), query.p(99), query.max()));
            r.line("");
            r.line("The first row repeats one window: a closed past window is cached rendered (DvrRenderedCache), "
                    + "so it measures what many viewers of one catch-up URL get. The second row moves the window by 1 ms per "
                    + "request: every rendering is new, the closed 10-minute blocks' lines are copied from memory (DvrBlocks) "
                    + "that the first request read from the index; only the block still open (the last 10 to 12 minutes) is read from the index each time.");
            r.line("");
            r.line("| server | requests/s | p50 | p99 | errors |");
            r.line("|---|---:|---:|---:|---:|");
            r.line(Report.f("| Tributary /dvr | %.0f | %s | %s | %d |", ours.rps(), ours.p50(), ours.p99(), ours.errors()));
            r.line(Report.f("| nginx | %.0f | %s | %s | %d |", nginx.rps(), nginx.p50(), nginx.p99(), nginx.errors()));
            r.line("");
            r.line("Runs in order (Tributary, nginx, Tributary, nginx), requests/s: " + runs.stream()
                    .map(x -> Report.f("%.0f", x.rps())).toList());
            double ratio = ours.rps() / nginx.rps();
            r.line("");
            r.line(Report.f("Segment ratio Tributary/nginx: %.2f (target >= 0.90: %s)", ratio, ratio >= 0.9 ? "PASS" : "FAIL"));
        } finally {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            if (db != null) {
                dropDatabase(db);
            }
        }
        Path out = ServerProcess.root().resolve("bench/results/dvr-playback.md");
        r.write(out);
        System.out.println("wrote " + out);
        System.exit(0);
    }

    private static Stats timed(LeanGet http, String url, int n) throws Exception {
        List<Double> ms = new ArrayList<>();
        http.get(url);
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            http.get(url);
            ms.add((System.nanoTime() - t) / 1e6);
        }
        return new Stats(ms);
    }

    /**
     * GETs over one kept-alive connection, the body read into a reused buffer: the timings are the server's and
     * the loopback's, not a client's decoding of 3.8 MB into a String (java.net.http took ~15 ms of that).
     */
    static final class LeanGet implements AutoCloseable {
        private final int port;
        private java.net.Socket socket;
        private java.io.InputStream in;
        private java.io.OutputStream out;
        private byte[] body = new byte[1 << 20];

        LeanGet(int port) throws java.io.IOException {
            this.port = port;
            connect();
        }

        private void connect() throws java.io.IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
        }

        /** The body's length; fails on a status other than 200. A connection the server closed while idle is reopened. */
        int get(String url) throws java.io.IOException {
            URI u = URI.create(url);
            byte[] request = ("GET " + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery())
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String status;
            try {
                out.write(request);
                out.flush();
                status = line();
            } catch (java.io.IOException idleClosed) {
                socket.close();
                connect();
                out.write(request);
                out.flush();
                status = line();
            }
            long length = -1;
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(h.substring(colon + 1).trim());
                }
            }
            if (length < 0 || length > Integer.MAX_VALUE - 8) {
                throw new java.io.IOException(url + ": no usable content-length (" + status + ")");
            }
            if (body.length < length) {
                body = new byte[(int) length];
            }
            int read = in.readNBytes(body, 0, (int) length);
            if (read != length) {
                throw new java.io.IOException(url + ": body cut at " + read + " of " + length);
            }
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException(url + ": " + status);
            }
            return read;
        }

        private String line() throws java.io.IOException {
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new java.io.EOFException("connection closed");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    private static Wrk nginx(Path work, Path root, String file, byte[] bytes, int conns, int seconds) throws Exception {
        int port = freePort();
        int cores = Runtime.getRuntime().availableProcessors();
        Path prefix = work.resolve("nginx");
        Files.createDirectories(prefix.resolve("tmp"));
        String conf = Files.readString(ServerProcess.root().resolve("bench/nginx/nginx.conf"))
                .replace("WORKERS", Integer.toString(cores)).replace("PORT", Integer.toString(port))
                .replace("ROOT", root.toString()).replace("PREFIX", prefix.toString());
        Path confFile = prefix.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("nginx.out").toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            String url = "http://127.0.0.1:" + port + "/" + file;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try {
                    if (java.util.Arrays.equals(bytes, getBytes(http, url))) {
                        break;
                    }
                    throw new IllegalStateException("nginx serves a different file");
                } catch (java.io.IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("nginx did not come up", e);
                    }
                    Thread.sleep(100);
                }
            }
            return Wrk.run(url, conns, 3, seconds, p.pid());
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private static byte[] getBytes(HttpClient http, String url) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + ": " + r.statusCode());
        }
        return r.body();
    }

    private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void dropDatabase(String db) throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.sqlclient.SqlClient c = io.vertx.pgclient.PgBuilder.client()
                    .connectingTo(new io.vertx.pgclient.PgConnectOptions().setHost("127.0.0.1").setPort(5432)
                            .setUser("postgres").setDatabase("postgres")).using(vertx).build();
            await(c.query("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)").execute());
            c.close();
        } finally {
            vertx.close();
        }
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
