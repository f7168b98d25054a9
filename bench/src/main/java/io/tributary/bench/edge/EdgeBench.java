package io.tributary.bench.edge;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import io.tributary.bench.support.Wrk;
import io.tributary.media.MediaSample;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.bench.support.Report.f;

/**
 * An origin node and an edge node, clustered, each in its own JVM, one live stream published
 * to the origin in real time.
 * <ol>
 * <li>Origin requests per object: {@code clients} players at the live edge play through the
 * edge (half LL-HLS part players, half segment players, all with blocking reloads); the
 * origin's own delivery counters before and after, divided by the distinct parts and segments
 * the players fetched. Target: exactly 1.</li>
 * <li>Cached-segment throughput: wrk on one complete segment through the edge, and the same
 * segment straight from the origin (the single-node delivery path), same wrk parameters.</li>
 * </ol>
 * Args: [player seconds (default 30)] [clients (default 1000)] [wrk seconds (default 10)] [wrk connections (default 64)]
 */
public final class EdgeBench {

    private static final String KEY = "edgebench";
    private static final Pattern SEG = Pattern.compile("^(seg-\\d+\\.m4s)$", Pattern.MULTILINE);

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int wrkSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int conns = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int wrkWarmup = 3;
        // 10 s of 640x360 at ~600 kbit/s, GOP 2 s, looped in real time with shifted timestamps
        EncodedMedia media = EncodedMedia.encode(640, 360, 30, 60, false,
                "nal-hrd=cbr:bitrate=600:vbv-maxrate=600:vbv-bufsize=600", 10);

        Report r = new Report("Edge: origin requests per object, and cached-segment throughput through the edge");
        r.section("Machine").line(Machine.describe());

        Map<String, Double> o0, o1, e0, e1;
        LivePlayer.Shared players;
        double playSeconds;
        double originCpu, edgeCpu;
        Wrk viaEdge, viaOrigin;
        String segPath;
        int segSize;
        String rendition;
        try (BenchLock lock = BenchLock.acquire("edge")) {
            int p0 = ServerProcess.freePort();
            int p1 = ServerProcess.freePort();
            int edgePort = ServerProcess.freePort();
            String members = "127.0.0.1:" + p0 + ",127.0.0.1:" + p1;
            List<String> jvm = List.of("-Xmx1g", "-Dhazelcast.wait.seconds.before.join=0");
            Map<String, String> common = new HashMap<>(Map.of("TRIBUTARY_CLUSTER", "true", "TRIBUTARY_CLUSTER_MEMBERS", members,
                    "TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_CLUSTER_SECRET", "edge-bench-join-secret"));
            Map<String, String> originEnv = new HashMap<>(common);
            originEnv.putAll(Map.of("TRIBUTARY_ROLES", "origin", "TRIBUTARY_CLUSTER_PORT", Integer.toString(p0)));
            Map<String, String> edgeEnv = new HashMap<>(common);
            edgeEnv.putAll(Map.of("TRIBUTARY_ROLES", "edge", "TRIBUTARY_CLUSTER_PORT", Integer.toString(p1),
                    "TRIBUTARY_EDGE_PORT", Integer.toString(edgePort), "TRIBUTARY_EDGE_HOST", "127.0.0.1",
                    // the measure is request collapsing: the S1 pre-warmer would add fetches no player asked for
                    // (the plain playlist every second, the segment completed after the players stopped)
                    "TRIBUTARY_HOTNESS_PREWARM_RENDITIONS", "0"));
            try (ServerProcess origin = ServerProcess.start("edge-origin", jvm, originEnv);
                 ServerProcess edge = ServerProcess.start("edge-edge", jvm, edgeEnv);
                 RtmpPush push = RtmpPush.publish(origin.rtmpPort(), KEY, media)) {
                AtomicBoolean live = new AtomicBoolean(true);
                Thread publisher = new Thread(() -> publish(push, media.samples(), live), "publisher");
                publisher.setDaemon(true);
                publisher.start();

                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String edgeBase = "http://127.0.0.1:" + edgePort;
                // the edge finds the stream through the cluster registry; wait for 3 complete segments
                String mv = await(http, edgeBase + "/live/" + KEY + "/index.m3u8", body -> true, Duration.ofSeconds(30));
                rendition = renditionOf(mv);
                await(http, origin.httpUrl("/live/" + KEY + "/" + rendition + "/index.m3u8"),
                        body -> count(SEG, body) >= 3, Duration.ofSeconds(30));
                System.out.println("[edge] stream up through the edge, rendition " + rendition);

                Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
                HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                        .setMaxInitialLineLength(8192), new PoolOptions().setHttp1MaxSize(clients + 16));
                players = new LivePlayer.Shared(client, edgePort, "/live/" + KEY + "/" + rendition + "/");
                o0 = scrape(http, origin.httpUrl("/metrics"));
                e0 = scrape(http, edge.httpUrl("/metrics"));
                double oc0 = origin.cpuSeconds(), ec0 = edge.cpuSeconds();
                long t0 = System.nanoTime();
                long deadline = t0 + seconds * 1_000_000_000L;
                List<Future<Void>> all = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    LivePlayer p = new LivePlayer(players, i % 2 == 0, deadline);
                    // joins spread over the first second, as viewers arrive
                    Future<Void> started = Future.future(pr -> vertx.setTimer(1 + (long) (Math.random() * 1000), id -> pr.complete()));
                    all.add(started.compose(x -> p.play()));
                }
                Future.all(all).toCompletionStage().toCompletableFuture().get(seconds + 60L, TimeUnit.SECONDS);
                playSeconds = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(1000); // the last origin responses are counted
                o1 = scrape(http, origin.httpUrl("/metrics"));
                e1 = scrape(http, edge.httpUrl("/metrics"));
                originCpu = origin.cpuSeconds() - oc0;
                edgeCpu = edge.cpuSeconds() - ec0;
                client.close();
                vertx.close();

                // throughput: the stream stops growing (publisher stays connected), so one segment stays put
                live.set(false);
                publisher.join(5000);
                String pl = get(http, origin.httpUrl("/live/" + KEY + "/" + rendition + "/index.m3u8"));
                String best = null;
                int bestSize = -1;
                Matcher m = SEG.matcher(pl);
                while (m.find()) {
                    int n = getBytes(http, origin.httpUrl("/live/" + KEY + "/" + rendition + "/" + m.group(1))).length;
                    if (n > bestSize) {
                        best = m.group(1);
                        bestSize = n;
                    }
                }
                if (best == null) {
                    throw new IllegalStateException("no complete segment in\n" + pl);
                }
                segPath = "/live/" + KEY + "/" + rendition + "/" + best;
                segSize = bestSize;
                byte[] viaEdgeBytes = getBytes(http, edgeBase + segPath);
                if (viaEdgeBytes.length != segSize) {
                    throw new IllegalStateException("edge serves " + viaEdgeBytes.length + " bytes for " + segPath + ", origin " + segSize);
                }
                System.out.println("[edge] wrk segment " + segPath + " " + segSize + " bytes");
                viaEdge = Wrk.run(edgeBase + segPath, conns, wrkWarmup, wrkSeconds, edge.pid());
                viaOrigin = Wrk.run(origin.httpUrl(segPath), conns, wrkWarmup, wrkSeconds, origin.pid());
            }
        }

        double parts = players.parts.size();
        double segments = players.segments.size();
        double reloads = players.reloads.size();
        double oParts = delta(o0, o1, "tributary_delivery_requests_total", "kind=\"part\"");
        double oSegs = delta(o0, o1, "tributary_delivery_requests_total", "kind=\"segment\"");
        double oPls = delta(o0, o1, "tributary_delivery_requests_total", "kind=\"playlist\"");
        double oInits = delta(o0, o1, "tributary_delivery_requests_total", "kind=\"init\"");
        double eUp = delta(e0, e1, "tributary_edge_origin_requests_total", "");
        double eUpOk = delta(e0, e1, "tributary_edge_origin_requests_total", "outcome=\"ok\"");
        double hit = delta(e0, e1, "tributary_edge_requests_total", "result=\"hit\"");
        double miss = delta(e0, e1, "tributary_edge_requests_total", "result=\"miss\"");
        double coll = delta(e0, e1, "tributary_edge_requests_total", "result=\"collapsed\"");
        double perPart = oParts / parts;
        double perSeg = oSegs / segments;
        boolean pass = parts > 0 && segments > 0 && oParts == parts && oSegs == segments && players.errors.get() == 0;

        r.section("Parameters");
        r.line("- command: `bench/run.sh edge " + seconds + " " + clients + " " + wrkSeconds + " " + conns + "` (args: player seconds, clients, wrk seconds, wrk connections)");
        r.line("- two nodes, each `verticles/target/tributary.jar` in its own JVM (`-Xmx1g`), clustered on loopback (`TRIBUTARY_CLUSTER=true`, TCP-IP members " +
                "127.0.0.1), `transcode.ladder: none`: an origin (`TRIBUTARY_ROLES=origin`, RTMP ingest, `/live` on `http.port`) and an edge " +
                "(`TRIBUTARY_ROLES=edge`, `/live` on `edge.port`, default edge settings: 512 MB cache, request collapsing; S1 pre-warming off, " +
                "`hotness.prewarm-renditions: 0`, since it fetches objects no player asked for)");
        r.line(f("- media: pre-encoded 640x360 @ 30 fps H.264 (x264 CBR 600 kbit/s), no audio, GOP 2 s, a 10 s clip looped in real time with shifted timestamps; default LL-HLS settings (2 s segments, 0.5 s parts)"));
        r.line(f("- players: %d concurrent clients in the benchmark JVM (Vert.x HTTP client, one connection each), joining over 1 s, playing through the edge for %d s: " +
                "even ones are LL-HLS part players (`index.m3u8?_HLS_msn=M&_HLS_part=P`, then every new part), odd ones segment players " +
                "(`index.m3u8?_HLS_msn=M`, then every new segment); each first loads the plain playlist and the init segment; one request at a time per player", clients, seconds));
        r.line("- origin requests per object = the origin's `tributary_delivery_requests_total{kind}` after minus before the player phase (only the edge talks to the origin then), " +
                "divided by the distinct objects of that kind the players fetched; cross-checked with the edge's `tributary_edge_origin_requests_total`");
        r.line(f("- throughput: `wrk -t1 -c%d -d%ds --latency` after a %d s warm-up with the same parameters, on one complete segment (`%s`, %d bytes) " +
                "through the edge (`edge.port`) and straight from the origin (`http.port`, the single-node delivery path), after the stream stopped growing " +
                "(publisher connected and idle); wrk shares the cores with both servers", conns, wrkSeconds, wrkWarmup, segPath, segSize));

        r.section("Origin requests per object (" + clients + " players, " + seconds + " s)");
        r.line("| object | distinct objects the players fetched | origin requests (origin counter) | origin requests per object | target | result |");
        r.line("|---|---:|---:|---:|---:|---|");
        r.line(f("| part | %.0f | %.0f | %.3f | 1 | %s |", parts, oParts, perPart, oParts == parts ? "PASS" : "FAIL"));
        r.line(f("| segment | %.0f | %.0f | %.3f | 1 | %s |", segments, oSegs, perSeg, oSegs == segments ? "PASS" : "FAIL"));
        r.line(f("| media playlist (distinct keys: the plain one and each `_HLS_msn`/`_HLS_part` reload) | %.0f | %.0f | %.3f | | info (the plain one may be fetched again after its max-age=1) |",
                reloads, oPls, oPls / reloads));
        r.line(f("| init segment | %d | %.0f | %.3f | | info |", players.inits.size(), oInits, oInits / Math.max(1, players.inits.size())));
        r.line("");
        r.line(f("- players: %d requests in %.1f s (%.0f/s), %.1f MB received, %d errors%s", players.requests.get(), playSeconds,
                players.requests.get() / playSeconds, players.bytes.get() / 1e6, players.errors.get(),
                players.errorSamples.isEmpty() ? "" : " (e.g. " + String.join("; ", players.errorSamples) + ")"));
        r.line(f("- edge answers: %.0f from cache, %.0f by a fetch, %.0f joined to a fetch in flight; edge upstream requests %.0f (%.0f ok) vs origin responses counted %.0f",
                hit, miss, coll, eUp, eUpOk, oParts + oSegs + oPls + oInits));
        r.line(f("- server CPU over the player phase: edge %.2f cores, origin %.2f cores", edgeCpu / playSeconds, originCpu / playSeconds));

        r.section("Cached-segment throughput (" + segSize + " B segment)");
        r.line("| path | requests/s | body MB/s | p50 | p99 | errors | server CPU (cores) | requests per server CPU-s |");
        r.line("|---|---:|---:|---:|---:|---:|---:|---:|");
        row(r, "through the edge", viaEdge, segSize);
        row(r, "origin node directly (single-node delivery)", viaOrigin, segSize);
        r.line("");
        r.line(f("- edge / origin requests/s: **%.2f**; per server CPU-s: %.2f", viaEdge.rps() / viaOrigin.rps(),
                (viaEdge.requests() / viaEdge.serverCpu()) / (viaOrigin.requests() / viaOrigin.serverCpu())));

        r.section("Summary");
        r.line(f("- origin requests per part %.3f, per segment %.3f (target exactly 1, player errors %d): **%s**", perPart, perSeg,
                players.errors.get(), pass ? "PASS" : "FAIL"));
        r.line(f("- cached segment through the edge: %.0f req/s vs %.0f req/s from the origin node: ratio %.2f", viaEdge.rps(), viaOrigin.rps(),
                viaEdge.rps() / viaOrigin.rps()));
        r.write(ServerProcess.root().resolve("bench/results/edge.md"));
        System.exit(0);
    }

    /** Sends the clip over and over in real time (timestamps shifted each lap) while {@code live}; then idles connected. */
    private static void publish(RtmpPush push, List<MediaSample> samples, AtomicBoolean live) {
        long t0 = samples.get(0).dts();
        long lapMs = Math.round(samples.size() * 1000.0 / 30); // video only, 30 fps: the clip's length
        long start = System.nanoTime();
        try {
            for (long lap = 0; live.get(); lap++) {
                for (MediaSample s : samples) {
                    long ts = s.dts() - t0 + lap * lapMs;
                    long wait = start + ts * 1_000_000L - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    if (!live.get()) {
                        break;
                    }
                    push.send(s, lap * lapMs - t0);
                }
            }
            while (true) { // keeps RTMP from idling out; changes no media
                Thread.sleep(5_000);
                push.sendMetaData(Map.of("framerate", 30.0));
            }
        } catch (InterruptedException | RuntimeException e) {
            // stop
        }
    }

    private static void row(Report r, String path, Wrk w, int size) {
        r.line(f("| %s | %.0f | %.1f | %s | %s | %d | %.2f | %.0f |", path, w.rps(), w.rps() * size / 1e6, w.p50(), w.p99(),
                w.errors(), w.cores(), w.requests() / Math.max(1e-9, w.serverCpu())));
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name, String label) {
        double sum = 0;
        for (Map.Entry<String, Double> e : after.entrySet()) {
            if (e.getKey().startsWith(name + "{") && e.getKey().contains(label)) {
                sum += e.getValue() - before.getOrDefault(e.getKey(), 0.0);
            }
        }
        return sum;
    }

    private static Map<String, Double> scrape(HttpClient http, String url) throws Exception {
        Map<String, Double> out = new HashMap<>();
        for (String line : get(http, url).split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            try {
                out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            } catch (NumberFormatException e) {
                // not a sample
            }
        }
        return out;
    }

    private static String renditionOf(String multivariant) {
        for (String line : multivariant.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#") && line.contains("/")) {
                return line.substring(0, line.indexOf('/'));
            }
        }
        throw new IllegalStateException("no rendition in\n" + multivariant);
    }

    private static int count(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String await(HttpClient http, String url, java.util.function.Predicate<String> ok, Duration limit)
            throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        String last = null;
        while (System.nanoTime() < end) {
            try {
                last = get(http, url);
                if (ok.test(last)) {
                    return last;
                }
            } catch (Exception e) {
                last = e.getMessage();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("timed out waiting on " + url + ": " + last);
    }

    private static String get(HttpClient http, String url) throws Exception {
        return new String(getBytes(http, url));
    }

    private static byte[] getBytes(HttpClient http, String url) throws Exception {
        HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 200) {
            throw new IllegalStateException(url + " -> " + res.statusCode() + " " + new String(res.body()));
        }
        return res.body();
    }
}
