package io.tributary.bench.latency;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Fmp4;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import io.tributary.bench.support.Stats;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.bench.support.Report.f;

/**
 * Glass-to-fetchable latency of LL-HLS parts. A sans-IO RTMP publisher sends pre-encoded
 * 30 fps video (+AAC) paced in real time and records when each video frame left; an
 * LL-HLS client follows the media playlist with blocking reloads for the preload-hinted
 * part and, when a part first appears in a playlist response, notes the time and GETs the
 * part. Each part's samples (tfdt + trun) name the frames it holds, so every frame gets
 * latency = part visible (or part fetched) - frame sent.
 *
 * <p>Args: [seconds per setting (default 60)] [part targets, comma separated (default 0.5,0.333)]
 */
public final class LatencyBench {

    private static final String KEY = "lat";
    private static final Pattern PART = Pattern.compile("#EXT-X-PART:DURATION=([0-9.]+),URI=\"(part-(\\d+)\\.(\\d+)\\.m4s)\"");
    private static final Pattern HINT = Pattern.compile("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"");
    private static final long WARMUP_MS = 5000;

    record Result(double partTarget, int frames, int parts, int parts200, double maxPartMs, double meanPartMs,
                  Stats visible, Stats fetched, Stats floor, Stats excessVisible, Stats excessFetched) {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 60;
        String[] targets = (args.length > 1 ? args[1] : "0.5,0.333").split(",");
        int fps = 30;
        int gop = 60;
        EncodedMedia media = EncodedMedia.encode(640, 360, fps, gop, true, null, seconds + 1);

        Report r = new Report("Latency: frame sent over RTMP → LL-HLS part visible / fetched");
        r.section("Machine").line(Machine.describe());
        r.section("Parameters");
        r.line(f("- media: pre-encoded (SyntheticAvSource, libx264 veryfast, no B-frames) %dx%d @ %d fps, GOP %d frames (%.1f s), AAC 48 kHz stereo; %.2f Mbit/s video",
                media.width(), media.height(), fps, gop, gop / (double) fps, media.videoBytes() * 8 / media.seconds() / 1e6));
        r.line(f("- publisher: sans-IO RtmpClientSession on a blocking socket (TCP_NODELAY), paced in real time by timestamp; %.0f s per setting", seconds));
        r.line("- server: `verticles/target/tributary.jar` in its own JVM (default JVM flags), `hls.segment-target` 2.0, `transcode.ladder: none` (the source rendition's latency), everything else default; one node start per part target");
        r.line("- player: java.net.http HttpClient (HTTP/1.1, same JVM as the publisher, same clock), blocking reloads `?_HLS_msn=M&_HLS_part=P` for the part of the last `EXT-X-PRELOAD-HINT`; each newly listed part is GET at once (async)");
        r.line("- visible = when the blocking playlist response listing the part was received; fetched = when the GET of the part completed (status checked)");
        r.line(f("- frames in the first %d ms of each run are warm-up and not counted", WARMUP_MS));
        r.line("- floor (reference, same run): per frame, the send time of the first frame of the *next* part minus the frame's own send time. The packager can only close a part when the next sample arrives (it needs the last sample's duration), so no server can do better with this cut rule; excess = latency − floor is what the server, HTTP and client add.");

        List<Result> results = new ArrayList<>();
        for (String t : targets) {
            double pt = Double.parseDouble(t.trim());
            try (BenchLock lock = BenchLock.acquire("latency part " + pt)) {
                results.add(run(media, pt, seconds));
            }
        }

        for (Result x : results) {
            r.section(f("Part target %.3f s", x.partTarget()));
            r.line(f("- frames measured: %d; parts: %d (GET 200: %d); part duration from playlist: mean %.1f ms, max %.1f ms",
                    x.frames(), x.parts(), x.parts200(), x.meanPartMs(), x.maxPartMs()));
            r.line("");
            r.line("| ms | p50 | p99 | max |");
            r.line("|---|---:|---:|---:|");
            row(r, "latency to part visible in playlist", x.visible());
            row(r, "latency to part fetched (GET 200 done)", x.fetched());
            row(r, "floor (reference)", x.floor());
            row(r, "excess over floor, visible", x.excessVisible());
            row(r, "excess over floor, fetched", x.excessFetched());
        }

        r.section("Summary");
        r.line("| part target | p50 visible | p99 visible | p99 fetched | p99 floor | p99 excess (fetched) | target p99 ≤ part + 50 ms | part+frame floor | result |");
        r.line("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Result x : results) {
            double target = x.partTarget() * 1000 + 50;
            boolean pass = x.visible().p(99) <= target && x.fetched().p(99) <= target && x.parts200() == x.parts();
            r.line(f("| %.3f s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | ≤ %.0f ms | %.1f ms | %s |",
                    x.partTarget(), x.visible().p(50), x.visible().p(99), x.fetched().p(99), x.floor().p(99),
                    x.excessFetched().p(99), target, x.partTarget() * 1000 + 1000.0 / fps, pass ? "PASS" : "FAIL"));
        }
        r.line("");
        r.line("PASS needs p99 of both visible and fetched latency ≤ part target + 50 ms, and every part GET answered 200.");
        r.write(ServerProcess.root().resolve("bench/results/latency.md"));
        System.exit(0);
    }

    private static void row(Report r, String name, Stats s) {
        r.line(f("| %s | %.1f | %.1f | %.1f |", name, s.p(50), s.p(99), s.max()));
    }

    private static Result run(EncodedMedia media, double partTarget, double seconds) throws Exception {
        Map<String, String> env = Map.of("TRIBUTARY_HLS_PART_TARGET", Double.toString(partTarget),
                "TRIBUTARY_HLS_SEGMENT_TARGET", "2.0", "TRIBUTARY_TRANSCODE_LADDER", "none"); // passthrough latency
        try (ServerProcess server = ServerProcess.start("latency-" + partTarget, List.of(), env);
             RtmpPush push = RtmpPush.publish(server.rtmpPort(), KEY, media)) {
            // video frames in send order, and their send times by timestamp
            List<MediaSample> video = media.samples().stream().filter(s -> s.track() == Track.VIDEO).toList();
            Map<Long, Integer> indexByTs = new HashMap<>();
            for (int i = 0; i < video.size(); i++) {
                indexByTs.put(video.get(i).dts(), i);
            }
            long[] sentAt = new long[video.size()];
            Map<Long, Long> visibleAt = new ConcurrentHashMap<>();   // frame ts -> nanos
            Map<Long, Long> fetchedAt = new ConcurrentHashMap<>();
            List<Double> partDurations = new CopyOnWriteArrayList<>();
            int[] partCounts = new int[2]; // parts seen, parts answered 200
            List<Long> partStarts = new CopyOnWriteArrayList<>(); // first frame timestamp of every part
            long deadline = System.nanoTime() + (long) ((seconds + 8) * 1e9);

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            Thread player = new Thread(() -> play(server, http, deadline, visibleAt, fetchedAt, partDurations, partCounts, partStarts),
                    "llhls-player");
            player.setDaemon(true);
            player.start();
            Thread.sleep(300); // the first playlist request is held until the first part exists

            long sendDeadline = System.nanoTime() + (long) (seconds * 1e9);
            push.sendPaced(media.samples(), sendDeadline, (s, nanos) -> {
                if (s.track() == Track.VIDEO) {
                    sentAt[indexByTs.get(s.dts())] = nanos;
                }
            });
            Thread.sleep(1500); // last parts: the part holding the last frames only closes on the disconnect
            player.interrupt();
            player.join(5000);

            // map each frame to its part: fetchedAt/visibleAt are keyed by frame timestamp
            List<Double> vis = new ArrayList<>();
            List<Double> fet = new ArrayList<>();
            List<Double> floor = new ArrayList<>();
            List<Double> exV = new ArrayList<>();
            List<Double> exF = new ArrayList<>();
            // next-part first frame for each frame: walk frames grouped by visible time
            java.util.TreeSet<Long> starts = new java.util.TreeSet<>(partStarts);
            for (int i = 0; i < video.size(); i++) {
                long ts = video.get(i).dts();
                Long v = visibleAt.get(ts);
                Long fe = fetchedAt.get(ts);
                if (ts < WARMUP_MS || v == null || fe == null || sentAt[i] == 0) {
                    continue;
                }
                Long nextStart = starts.higher(ts);
                Integer ni = nextStart == null ? null : indexByTs.get(nextStart);
                if (ni == null || sentAt[ni] == 0) {
                    continue;
                }
                double fl = (sentAt[ni] - sentAt[i]) / 1e6;
                double lv = (v - sentAt[i]) / 1e6;
                double lf = (fe - sentAt[i]) / 1e6;
                vis.add(lv);
                fet.add(lf);
                floor.add(fl);
                exV.add(lv - fl);
                exF.add(lf - fl);
            }
            double maxPart = partDurations.stream().mapToDouble(d -> d).max().orElse(Double.NaN) * 1000;
            double meanPart = partDurations.stream().mapToDouble(d -> d).average().orElse(Double.NaN) * 1000;
            System.out.printf("[latency] part %.3f: %d frames measured, %d parts%n", partTarget, vis.size(), partCounts[0]);
            return new Result(partTarget, vis.size(), partCounts[0], partCounts[1], maxPart, meanPart,
                    new Stats(vis), new Stats(fet), new Stats(floor), new Stats(exV), new Stats(exF));
        }
    }

    private static void play(ServerProcess server, HttpClient http, long deadline, Map<Long, Long> visibleAt,
                             Map<Long, Long> fetchedAt, List<Double> partDurations, int[] partCounts, List<Long> starts) {
        String base = server.httpUrl("/live/" + KEY + "/video/");
        java.util.Set<String> seen = new java.util.HashSet<>();
        String query = "";
        List<java.util.concurrent.CompletableFuture<?>> gets = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "index.m3u8" + query))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                long now = System.nanoTime();
                if (res.statusCode() != 200) {
                    System.out.println("[player] playlist " + query + " -> " + res.statusCode() + " " + res.body().trim());
                    Thread.sleep(100);
                    continue;
                }
                String body = res.body();
                Matcher m = PART.matcher(body);
                while (m.find()) {
                    String uri = m.group(2);
                    if (!seen.add(uri)) {
                        continue;
                    }
                    partDurations.add(Double.parseDouble(m.group(1)));
                    partCounts[0]++;
                    gets.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + uri)).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofByteArray()).thenAccept(pr -> {
                        long got = System.nanoTime();
                        if (pr.statusCode() != 200) {
                            System.out.println("[player] " + uri + " -> " + pr.statusCode());
                            return;
                        }
                        synchronized (partCounts) {
                            partCounts[1]++;
                        }
                        List<Long> times = Fmp4.sampleDecodeTimes(pr.body());
                        if (!times.isEmpty()) {
                            starts.add(times.get(0) / 90);
                        }
                        for (long t : times) {
                            long ts = t / 90; // 90 kHz video timescale, ms timestamps from RTMP
                            visibleAt.put(ts, now);
                            fetchedAt.put(ts, got);
                        }
                    }));
                }
                Matcher h = HINT.matcher(body);
                if (h.find()) {
                    query = "?_HLS_msn=" + h.group(1) + "&_HLS_part=" + h.group(2);
                } else {
                    Thread.sleep(50);
                    query = "";
                }
            }
        } catch (InterruptedException e) {
            // done
        } catch (Exception e) {
            if (!Thread.currentThread().isInterrupted()) {
                System.out.println("[player] stopped: " + e);
            }
        }
        for (var g : gets) {
            try {
                g.get(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // counted as not 200
            }
        }
    }
}
