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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Player benchmark: hls.js's own live latency ({@code hls.latency}, sampled every 500 ms by
 * the player page into {@code window.playerStats.latency}) in headless Chromium, for the
 * {@code --demo} stream with 0.333 s parts, and with 0.5 s parts as the reference, in one
 * run. Each run is one phase under flock: a fresh node with {@code --demo}, a wait until the
 * stream has two complete segments, then {@code bench/player/latency.mjs} plays
 * {@code /play/demo} for the sampling window.
 *
 * <p>Usage: {@code PlayerBench [--seconds 60] [--runs "0.333;0.5"]}, where a run is
 * {@code PART_TARGET[|HLS_CONFIG_JSON]} (the JSON, if any, is merged into the page's hls.js
 * options in the browser, as a what-if experiment). Writes bench/results/player-latency.md.
 */
public final class PlayerBench {

    static final double TARGET_MEDIAN_S = 1.5;
    /**
     * The page as served with 0.333 s and 0.5 s parts, then two what-if runs with 0.333 s parts:
     * without the page's liveSyncDurationCount (so hls.js targets PART-HOLD-BACK), and that plus
     * catch-up by playback rate.
     */
    static final String DEFAULT_RUNS = "0.333;0.5;0.333|{\"liveSyncDurationCount\":null};"
            + "0.333|{\"liveSyncDurationCount\":null,\"maxLiveSyncPlaybackRate\":1.5}";

    private PlayerBench() {
    }

    record Run(double partTarget, String override) {
        String label() {
            return "parts " + partTarget + " s" + (override == null ? "" : ", hls.js " + override);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("phase")) {
            phase(args);
            return;
        }
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "60"));
        List<Run> runs = new ArrayList<>();
        for (String r : opt.getOrDefault("runs", DEFAULT_RUNS).split(";")) {
            String[] parts = r.split("\\|", 2);
            runs.add(new Run(Double.parseDouble(parts[0].trim()), parts.length > 1 ? parts[1].trim() : null));
        }
        Path root = BenchSupport.root();
        Path jar = root.resolve("verticles/target/tributary.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: build with mvn -q -B install -DskipTests");
        }
        String started = BenchSupport.now();
        List<JsonObject> results = new ArrayList<>();
        for (Run run : runs) {
            System.out.println("== " + run.label());
            List<String> cmd = new ArrayList<>(List.of(BenchSupport.javaBin(), "-cp", BenchSupport.classpath(),
                    PlayerBench.class.getName(), "phase", Double.toString(run.partTarget()), Integer.toString(seconds)));
            if (run.override() != null) {
                cmd.add(run.override());
            }
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
            res.put("label", run.label()).put("partTargetRun", run.partTarget());
            results.add(res);
            System.out.println("  -> " + summary(res));
        }
        String md = report(started, seconds, results);
        Path out = root.resolve("bench/results/player-latency.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        System.out.println();
        System.out.println(md);
        System.out.println("written to " + out);
    }

    /** Child, under flock: node with --demo, wait for media, play, stop. Prints "PHASE {json}". */
    static void phase(String[] a) throws Exception {
        double partTarget = Double.parseDouble(a[1]);
        int seconds = Integer.parseInt(a[2]);
        String override = a.length > 3 ? a[3] : null;
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
        Path log = root.resolve("bench/work/player-server-" + partTarget + (override == null ? "" : "-override") + ".log");
        Process srv = pb.directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        JsonObject res = new JsonObject();
        try {
            BenchSupport.waitForPort(httpPort, 60_000, srv);
            String base = "http://127.0.0.1:" + httpPort;
            String playlist = waitForSegments(base + "/live/demo/video/index.m3u8", 2, 30_000);
            res.put("playlistHead", head(playlist));
            Process node = new ProcessBuilder(override == null
                    ? List.of("node", "latency.mjs", base + "/play/demo", Integer.toString(seconds))
                    : List.of("node", "latency.mjs", base + "/play/demo", Integer.toString(seconds), override))
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
                res.put("failure", "latency.mjs printed no result (exit " + node.exitValue() + ")");
            } else {
                res.mergeIn(new JsonObject(last));
            }
            res.put("playlistEnd", head(get(base + "/live/demo/video/index.m3u8")));
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

    static Map<String, Integer> errors(JsonObject res) {
        Map<String, Integer> m = new TreeMap<>();
        for (Object e : res.getJsonArray("errors", new JsonArray())) {
            m.merge(String.valueOf(e), 1, Integer::sum);
        }
        return m;
    }

    static String summary(JsonObject r) {
        if (r.containsKey("failure")) {
            return "FAILED: " + r.getString("failure");
        }
        List<Double> lat = numbers(r.getJsonArray("latency"));
        return String.format(Locale.ROOT, "hls.latency median %.2f s, p90 %.2f s (%d samples), firstPlayingMs %.0f, errors %s",
                quantile(lat, 0.5), quantile(lat, 0.9), lat.size(), r.getDouble("firstPlayingMs", Double.NaN), errors(r));
    }

    static String f2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String report(String started, int seconds, List<JsonObject> results) {
        StringBuilder b = new StringBuilder();
        b.append("# Player: hls.js live latency in headless Chromium\n\n");
        b.append("Run `bench/run.sh player` (main class `io.tributary.bench.player.PlayerBench`, browser part "
                + "`bench/player/latency.mjs` with playwright-core and the system Chromium).\n\n");
        b.append("## Machine and run\n\n").append(BenchSupport.machine());
        b.append("- Chromium: ").append(BenchSupport.run("/usr/bin/chromium", "--version").trim())
                .append(", node ").append(BenchSupport.run("node", "--version").trim()).append('\n');
        b.append("- started: ").append(started).append(", finished: ").append(BenchSupport.now()).append('\n');
        b.append("- per run: a fresh `java -jar verticles/target/tributary.jar --demo` (built-in FFmpeg/JavaCV test pattern, "
                + "640x360 30 fps, 1 s GOP, x264 zerolatency, AAC) with `TRIBUTARY_HLS_PART_TARGET` as listed and `TRIBUTARY_TRANSCODE_LADDER=none`, other settings "
                + "default (2 s segment target); the page `/play/demo` is opened once the video playlist lists 2 complete "
                + "segments; samples of `window.playerStats.latency` (the page records `hls.latency` every 500 ms) are "
                + "taken from the moment the video first plays for ").append(seconds).append(" s. Processes are not pinned "
                + "(server, demo encoder and Chromium share the 2 cores); each run holds the benchmark lock.\n");
        b.append("- `hls.latency` is hls.js's estimate of the distance to the live edge of the playlist; "
                + "\"PDT latency\" is wall clock minus `hls.playingDate` (the PROGRAM-DATE-TIME at the playhead, which the "
                + "server anchors to the first sample's arrival), i.e. ingest-to-display without the encoder\n\n");
        b.append("## Figures\n\n");
        b.append("| run | hls.latency median s | p90 s | samples | PDT latency median / p90 s | hls.targetLatency s | "
                + "firstPlayingMs | page-load-to-playing ms | hls.js errors |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (JsonObject r : results) {
            if (r.containsKey("failure") && !r.containsKey("latency")) {
                b.append("| ").append(r.getString("label")).append(" | FAILED: ").append(r.getString("failure")).append(" |||||||| \n");
                continue;
            }
            List<Double> lat = numbers(r.getJsonArray("latency"));
            List<Double> pdt = field(r, "pdtLatency");
            List<Double> tgt = field(r, "targetLatency");
            Map<String, Integer> err = errors(r);
            b.append("| ").append(r.getString("label"))
                    .append(" | ").append(f2(quantile(lat, 0.5)))
                    .append(" | ").append(f2(quantile(lat, 0.9)))
                    .append(" | ").append(lat.size())
                    .append(" | ").append(f2(quantile(pdt, 0.5))).append(" / ").append(f2(quantile(pdt, 0.9)))
                    .append(" | ").append(f2(quantile(tgt, 0.5)))
                    .append(" | ").append(r.getValue("firstPlayingMs") instanceof Number n ? String.format(Locale.ROOT, "%.0f", n.doubleValue()) : "-")
                    .append(" | ").append(r.getValue("gotoToPlayingMs", "-"))
                    .append(" | ").append(err.isEmpty() ? "none" : err.toString())
                    .append(" |\n");
        }
        b.append("\n## Playlists and player settings seen\n\n");
        for (JsonObject r : results) {
            b.append("### ").append(r.getString("label")).append("\n\n```\n").append(r.getString("playlistEnd", r.getString("playlistHead", "")))
                    .append("\n```\n\n");
            JsonArray samples = r.getJsonArray("samples", new JsonArray());
            if (!samples.isEmpty()) {
                JsonObject s = samples.getJsonObject(samples.size() - 1);
                b.append("hls.js ").append(r.getString("hlsVersion", "?")).append(" config: `").append(r.getJsonObject("config", new JsonObject()).encode())
                        .append("`; playlist as parsed: partHoldBack ").append(s.getValue("partHoldBack"))
                        .append(", holdBack ").append(s.getValue("holdBack")).append(", partTarget ").append(s.getValue("partTarget"))
                        .append(", targetduration ").append(s.getValue("targetduration"))
                        .append(String.format(Locale.ROOT, "; forward buffer median %.2f s; dropped frames at end %s%n%n",
                                quantile(field(r, "buffer"), 0.5), s.getValue("dropped")));
            }
            if (r.containsKey("failure")) {
                b.append("failure: ").append(r.getString("failure")).append("\n\n");
            }
        }
        b.append("## Result\n\n");
        JsonObject main = results.stream().filter(r -> Math.abs(r.getDouble("partTargetRun") - 0.333) < 1e-6 && !r.getString("label").contains("hls.js"))
                .findFirst().orElse(null);
        if (main != null) {
            double med = quantile(numbers(main.getJsonArray("latency")), 0.5);
            JsonObject ref = results.stream().filter(r -> Math.abs(r.getDouble("partTargetRun") - 0.5) < 1e-6 && !r.getString("label").contains("hls.js"))
                    .findFirst().orElse(null);
            if (ref != null) {
                double refMed = quantile(numbers(ref.getJsonArray("latency")), 0.5);
                b.append(String.format(Locale.ROOT, "- median hls.latency, 0.333 s parts: %.2f s; 0.5 s parts (reference): %.2f s; ratio %.2f%n",
                        med, refMed, med / refMed));
            }
            b.append(String.format(Locale.ROOT, "- target: median <= %.1f s with 0.333 s parts, page as served -> **%s** (%.2f s)%n",
                    TARGET_MEDIAN_S, med <= TARGET_MEDIAN_S ? "PASS" : "FAIL", med));
            for (JsonObject r : results) {
                if (r.getString("label").contains("hls.js") && r.containsKey("latency")) {
                    double m = quantile(numbers(r.getJsonArray("latency")), 0.5);
                    b.append(String.format(Locale.ROOT, "- what-if (page options changed in the browser only), %s: median %.2f s -> would %s%n",
                            r.getString("label"), m, m <= TARGET_MEDIAN_S ? "PASS" : "FAIL"));
                }
            }
        }
        return b.toString();
    }
}
