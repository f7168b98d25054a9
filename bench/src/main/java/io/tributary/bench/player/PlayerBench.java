package io.tributary.bench.player;

import io.tributary.bench.ingest.BenchSupport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Player benchmark: the live latency of the four player/format pairs (hls.js on LL-HLS, dash.js on
 * LL-DASH, Shaka on LL-HLS and on LL-DASH), each as the player itself reports it, in headless
 * Chromium, with 0.333 s parts, in one run. Each pair is one phase under flock: a fresh node with
 * {@code --demo}, a wait until the stream has two complete segments, then
 * {@code bench/player/matrix.mjs} plays the manifest through the player-matrix page (the one
 * PlayerMatrixTest uses; players from bench/player/package.json) for the sampling window.
 * The reference in the same run is hls.js on LL-HLS (the player the node's page ships).
 *
 * <p>Usage: {@code PlayerBench [--seconds 60] [--part 0.333] [--pairs "hlsjs:hls;dashjs:dash;shaka:hls;shaka:dash"]}.
 * Writes bench/results/player-latency.md.
 */
public final class PlayerBench {

    static final double TARGET_MEDIAN_S = 1.5;
    static final double TARGET_HLSJS_S = 1.0;
    static final String DEFAULT_PAIRS = "hlsjs:hls;dashjs:dash;shaka:hls;shaka:dash";

    private PlayerBench() {
    }

    private static String loadAtStart = "?";

    /** The 1-minute load average, as /proc/loadavg gives it. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    record Pair(String player, String format) {
        String label() {
            return Map.of("hlsjs", "hls.js", "dashjs", "dash.js", "shaka", "Shaka").get(player) + " / "
                    + (format.equals("dash") ? "LL-DASH" : "LL-HLS");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("phase")) {
            phase(args);
            return;
        }
        Map<String, String> opt = BenchSupport.options(args);
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "60"));
        double part = Double.parseDouble(opt.getOrDefault("part", "0.333"));
        List<Pair> pairs = new ArrayList<>();
        for (String r : opt.getOrDefault("pairs", DEFAULT_PAIRS).split(";")) {
            String[] pf = r.trim().split(":");
            pairs.add(new Pair(pf[0], pf[1]));
        }
        Path root = BenchSupport.root();
        Path jar = root.resolve("verticles/target/tributary.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: build with mvn -q -B install -DskipTests");
        }
        String started = BenchSupport.now();
        loadAtStart = loadAverage();
        List<JsonObject> results = new ArrayList<>();
        for (Pair pair : pairs) {
            System.out.println("== " + pair.label());
            List<String> cmd = new ArrayList<>(List.of(BenchSupport.javaBin(), "-cp", BenchSupport.classpath(),
                    PlayerBench.class.getName(), "phase", pair.player(), pair.format(), Double.toString(part),
                    Integer.toString(seconds)));
            Process p = new ProcessBuilder(BenchSupport.locked(cmd)).redirectErrorStream(true).start();
            JsonObject res = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("PHASE ")) {
                        res = new JsonObject(line.substring(6));
                    } else {
                        System.out.println("  " + line);
                    }
                }
            }
            p.waitFor(10, TimeUnit.MINUTES);
            if (res == null) {
                res = new JsonObject().put("failure", "phase produced no result (exit " + p.exitValue() + ")");
            }
            res.put("label", pair.label()).put("pair", pair.player() + ":" + pair.format());
            results.add(res);
            System.out.println("  -> " + summary(res));
        }
        String md = report(started, seconds, part, results);
        Path out = root.resolve("bench/results/player-latency.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        System.out.println();
        System.out.println(md);
        System.out.println("written to " + out);
    }

    /** Child, under flock: node with --demo, wait for media, play one pair, stop. Prints "PHASE {json}". */
    static void phase(String[] a) throws Exception {
        String player = a[1];
        String format = a[2];
        double partTarget = Double.parseDouble(a[3]);
        int seconds = Integer.parseInt(a[4]);
        Path root = BenchSupport.root();
        Path work = root.resolve("bench/work/player-run");
        Files.createDirectories(work);
        int httpPort = BenchSupport.freePort();
        int rtmpPort = BenchSupport.freePort();
        ProcessBuilder pb = new ProcessBuilder(BenchSupport.javaBin(), "-jar", root.resolve("verticles/target/tributary.jar").toString(), "--demo");
        pb.environment().put("TRIBUTARY_HTTP_PORT", Integer.toString(httpPort));
        pb.environment().put("TRIBUTARY_RTMP_PORT", Integer.toString(rtmpPort));
        pb.environment().put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
        pb.environment().put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
        pb.environment().put("TRIBUTARY_HLS_PART_TARGET", Double.toString(partTarget));
        pb.environment().put("TRIBUTARY_TRANSCODE_LADDER", "none"); // the demo's source alone, as rendition "video"
        pb.environment().put("TRIBUTARY_DATA_DIR", work.resolve("data").toString());
        pb.environment().put("TRIBUTARY_RTMP_STREAM_KEYS", "any"); // a lab node: any key publishes, no accounts
        pb.environment().put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port, not 50051
        pb.environment().put("TRIBUTARY_AUTH_ENABLED", "false");
        Path log = root.resolve("bench/work/player-server-" + player + "-" + format + ".log");
        Process srv = pb.directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        JsonObject res = new JsonObject();
        try {
            BenchSupport.waitForPort(httpPort, 60_000, srv);
            String base = "http://127.0.0.1:" + httpPort;
            String playlist = waitForSegments(base + "/live/demo/video/index.m3u8", 2, 30_000);
            res.put("playlistHead", head(playlist));
            String manifest = base + (format.equals("dash") ? "/live/demo/manifest.mpd" : "/live/demo/index.m3u8");
            Process node = new ProcessBuilder("node", "matrix.mjs", player, manifest, Integer.toString(seconds))
                    .directory(root.resolve("bench/player").toFile()).redirectErrorStream(true).start();
            String last = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream()))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("{")) {
                        last = line;
                    } else {
                        System.out.println("node: " + line);
                    }
                }
            }
            node.waitFor(seconds + 180L, TimeUnit.SECONDS);
            if (last == null) {
                res.put("failure", "matrix.mjs printed no result (exit " + node.exitValue() + ")");
            } else {
                res.mergeIn(new JsonObject(last));
            }
            if (format.equals("dash")) {
                String mpd = get(manifest);
                int i = mpd.indexOf("<MPD");
                res.put("mpdHead", i < 0 ? "" : mpd.substring(i, mpd.indexOf('>', i) + 1) + "\n"
                        + mpd.lines().filter(l -> l.contains("<Latency") || l.contains("<PlaybackRate")).map(String::trim)
                        .reduce("", (x, y) -> x + y + "\n"));
            }
        } catch (Exception e) {
            res.put("failure", e.toString());
        } finally {
            BenchSupport.stop(srv, 15_000);
        }
        System.out.println("PHASE " + res.encode());
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? r.body() : "";
    }

    static String waitForSegments(String url, int segments, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            String body = "";
            try {
                body = get(url);
            } catch (IOException e) {
                // not yet
            }
            if (body.split("#EXTINF:", -1).length - 1 >= segments) {
                return body;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("no " + segments + " segments in " + url + " after " + timeoutMs + " ms");
    }

    /** The playlist's header tags and its last complete segment's EXTINF lines, for the report. */
    static String head(String playlist) {
        List<String> keep = new ArrayList<>();
        List<String> extinf = new ArrayList<>();
        for (String l : playlist.split("\n")) {
            if (l.startsWith("#EXT-X-TARGETDURATION") || l.startsWith("#EXT-X-SERVER-CONTROL") || l.startsWith("#EXT-X-PART-INF")) {
                keep.add(l);
            } else if (l.startsWith("#EXTINF")) {
                extinf.add(l);
            }
        }
        if (!extinf.isEmpty()) {
            keep.add("last " + Math.min(3, extinf.size()) + " segments: " + String.join(" ", extinf.subList(Math.max(0, extinf.size() - 3), extinf.size())));
        }
        return String.join("\n", keep);
    }

    static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        // nearest rank
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    static List<Double> numbers(JsonArray a) {
        List<Double> out = new ArrayList<>();
        if (a != null) {
            for (Object o : a) {
                if (o instanceof Number n) {
                    out.add(n.doubleValue());
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    static List<Double> field(JsonObject res, String name) {
        JsonArray a = new JsonArray();
        JsonArray samples = res.getJsonArray("samples", new JsonArray());
        for (int i = 0; i < samples.size(); i++) {
            Object v = samples.getJsonObject(i).getValue(name);
            if (v instanceof Number) {
                a.add(v);
            }
        }
        return numbers(a);
    }

    static JsonObject matrix(JsonObject r) {
        return r.getJsonObject("matrix", new JsonObject());
    }

    static String summary(JsonObject r) {
        JsonObject m = matrix(r);
        List<Double> lat = numbers(m.getJsonArray("latency"));
        return String.format(Locale.ROOT, "%s latency median %.2f s, p90 %.2f s (%d samples), startup %.0f ms, stalls %d, "
                        + "gaps %d, dropped %d/%d%s",
                m.getString("version", "?"), quantile(lat, 0.5), quantile(lat, 0.9), lat.size(),
                m.getDouble("firstPlayingMs", Double.NaN), m.getInteger("stalls", -1), m.getInteger("gapsJumped", -1),
                m.getInteger("droppedFrames", -1), m.getInteger("decodedFrames", -1),
                r.containsKey("failure") ? ", FAILED: " + r.getString("failure") : m.getString("fatal") != null ? ", fatal: " + m.getString("fatal") : "");
    }

    static String f2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String report(String started, int seconds, double part, List<JsonObject> results) {
        StringBuilder b = new StringBuilder();
        b.append("# Player: live latency of hls.js, dash.js and Shaka in headless Chromium\n\n");
        b.append("Run `bench/run.sh player` (main class `io.tributary.bench.player.PlayerBench`, browser part "
                + "`bench/player/matrix.mjs` with playwright-core, the system Chromium and the page "
                + "`verticles/src/test/resources/player-matrix/harness.html`, the one `PlayerMatrixTest` uses).\n\n");
        b.append("## Machine and run\n\n").append(BenchSupport.machine());
        b.append("- Chromium: ").append(BenchSupport.run("/usr/bin/chromium", "--version").trim())
                .append(", node ").append(BenchSupport.run("node", "--version").trim()).append('\n');
        b.append("- started: ").append(started).append(", finished: ").append(BenchSupport.now()).append('\n');
        b.append("- load average (1 min) at the start and the end: ").append(loadAtStart).append(", ").append(loadAverage())
                .append(" (on two cores, anything much above 2 means other work shared the machine)\n");
        String overrides = System.getenv().entrySet().stream().filter(e -> e.getKey().startsWith("TRIBUTARY_"))
                .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`").sorted().collect(java.util.stream.Collectors.joining(", "));
        if (!overrides.isEmpty()) {
            b.append("- node settings from the bench's environment (every node inherits them): ").append(overrides).append('\n');
        }
        b.append("- per pair: a fresh `java -jar verticles/target/tributary.jar --demo` (built-in test pattern, 1280x720 30 fps, "
                + "1 s GOP, x264 zerolatency, AAC) with `TRIBUTARY_HLS_PART_TARGET=").append(part)
                .append("` and `TRIBUTARY_TRANSCODE_LADDER=none`, other settings default (2 s segments; "
                + "`dash.target-latency` derived: four parts); the page is opened (from its own origin) once the video "
                + "playlist lists 2 complete segments, and samples are taken every 500 ms from the first frame for ")
                .append(seconds).append(" s\n");
        b.append("- latency is each player's own figure: `hls.latency` (hls.js), `getCurrentLiveLatency()` (dash.js), "
                + "`getStats().liveLatency` (Shaka); \"wall\" is wall clock minus the PROGRAM-DATE-TIME / "
                + "ProducerReferenceTime at the playhead where the player exposes it; a stall is a `waiting` event after "
                + "the first frame; gaps are the player's own count (hls.js seek-over-hole/nudge errors, Shaka `gapsJumped`) "
                + "and seeks are `seeking` events the page did not ask for; \"settings\" are the player settings the page "
                + "applies for a player-side cause (Shaka: see the README and `player-shaka-notes.md`)\n\n");
        b.append("## Figures\n\n");
        b.append("| pair | version | latency median s | p90 s | wall median s | player target s | samples | startup ms | "
                + "stalls | gaps | seeks | dropped / decoded frames | settings | fatal |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        double reference = Double.NaN;
        for (JsonObject r : results) {
            JsonObject m = matrix(r);
            List<Double> lat = numbers(m.getJsonArray("latency"));
            List<Double> wall = numbers(m.getJsonArray("wallLatency"));
            if (r.getString("pair").equals("hlsjs:hls")) {
                reference = quantile(lat, 0.5);
            }
            b.append("| ").append(r.getString("label"))
                    .append(" | ").append(m.getString("version", "-"))
                    .append(" | ").append(f2(quantile(lat, 0.5)))
                    .append(" | ").append(f2(quantile(lat, 0.9)))
                    .append(" | ").append(f2(quantile(wall, 0.5)))
                    .append(" | ").append(m.getValue("targetLatency", "-"))
                    .append(" | ").append(lat.size())
                    .append(" | ").append(m.getValue("firstPlayingMs") instanceof Number n ? String.format(Locale.ROOT, "%.0f", n.doubleValue()) : "-")
                    .append(" | ").append(m.getValue("stalls", "-"))
                    .append(" | ").append(m.getValue("gapsJumped", "-"))
                    .append(" | ").append(m.getValue("seeksAfterStart", "-"))
                    .append(" | ").append(m.getValue("droppedFrames", "-")).append(" / ").append(m.getValue("decodedFrames", "-"))
                    .append(" | ").append(m.getString("workaround") == null ? "defaults" : "`" + m.getString("workaround") + "`")
                    .append(" | ").append(r.containsKey("failure") ? "FAILED: " + r.getString("failure")
                            : m.getString("fatal") == null ? "none" : m.getString("fatal"))
                    .append(" |\n");
        }
        b.append("\n## Manifests seen\n\n");
        for (JsonObject r : results) {
            b.append("### ").append(r.getString("label")).append("\n\n```\n").append(r.getString("playlistHead", ""));
            if (r.containsKey("mpdHead")) {
                b.append("\n").append(r.getString("mpdHead"));
            }
            b.append("\n```\n\n");
        }
        b.append("## Result\n\n");
        for (JsonObject r : results) {
            JsonObject m = matrix(r);
            double med = quantile(numbers(m.getJsonArray("latency")), 0.5);
            boolean hlsjs = r.getString("pair").equals("hlsjs:hls");
            double target = hlsjs ? TARGET_HLSJS_S : TARGET_MEDIAN_S;
            boolean noStall = m.getInteger("stalls", -1) == 0;
            b.append(String.format(Locale.ROOT, "- %s: median %s s (ratio to hls.js %s), stalls %s -> target median <= %.1f s, no stall: **%s**%n",
                    r.getString("label"), f2(med), f2(med / reference), m.getValue("stalls", "-"), target,
                    med <= target && noStall && !r.containsKey("failure") ? "PASS" : "FAIL"));
        }
        return b.toString();
    }
}
