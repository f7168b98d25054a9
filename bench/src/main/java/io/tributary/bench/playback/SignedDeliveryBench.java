package io.tributary.bench.playback;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import io.tributary.bench.support.Wrk;
import io.tributary.playback.PlaybackToken;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.bench.support.Report.f;

/**
 * What the signed-URL check costs a media request: wrk against one node serving the same media as
 * a public stream and as a signed one (every request carries a token: HMAC-SHA256 verified, and
 * for playlists the token rendered into every URI), same process, same run, alternating runs.
 * Target: signed throughput at least 0.95 of public.
 *
 * <p>Args: [wrk seconds (default 15)] [connections (default 64)] [rounds (default 2)]
 */
public final class SignedDeliveryBench {

    private static final String SECRET = "bench-playback-secret-0123456789";
    private static final Pattern SEG = Pattern.compile("^(seg-(\\d+)\\.m4s)", Pattern.MULTILINE);

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int warmup = Math.min(5, seconds);
        EncodedMedia media = EncodedMedia.encode(1280, 720, 30, 60, true,
                "nal-hrd=cbr:bitrate=4200:vbv-maxrate=4200:vbv-bufsize=4200", 9);
        String token = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8)).mint(new PlaybackToken.Claims(
                PlaybackToken.Kind.STREAM, "sig-b", System.currentTimeMillis() / 1000 + 86_400, ""));

        Report r = new Report("Signed playback URLs: delivery with tokens vs without, same node, same run");
        r.section("Machine").line(Machine.describe());
        double[][] rps = new double[4][rounds]; // public seg, signed seg, public playlist, signed playlist
        long errors = 0;
        String segName;
        int segSize;
        int plSize;
        try (BenchLock lock = BenchLock.acquire("signed-delivery");
             ServerProcess server = ServerProcess.start("signed-delivery", List.of("-Xmx2g"), Map.of(
                     "TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_PLAYBACK_SECRET", SECRET,
                     "TRIBUTARY_PLAYBACK_ACCESS_RULES", "sig-*=signed"));
             RtmpPush pub = RtmpPush.publish(server.rtmpPort(), "pub-a", media);
             RtmpPush sig = RtmpPush.publish(server.rtmpPort(), "sig-b", media)) {
            pub.sendAll(media.samples());
            sig.sendAll(media.samples());
            Thread.sleep(500);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String q = "?token=" + token;
            String pubPl = "/live/pub-a/video/index.m3u8";
            String sigPl = "/live/sig-b/video/index.m3u8";
            byte[] playlist = get(http, server.httpUrl(pubPl));
            Matcher m = SEG.matcher(new String(playlist, StandardCharsets.UTF_8));
            String best = null;
            int bestSize = -1;
            while (m.find()) {
                int size = get(http, server.httpUrl("/live/pub-a/video/" + m.group(1))).length;
                if (size > bestSize) {
                    best = m.group(1);
                    bestSize = size;
                }
            }
            if (best == null) {
                throw new IllegalStateException("no complete segment in the public playlist");
            }
            segName = best;
            segSize = bestSize;
            plSize = get(http, server.httpUrl(sigPl + q)).length;
            int signedSeg = get(http, server.httpUrl("/live/sig-b/video/" + segName + q)).length;
            if (status(http, server.httpUrl("/live/sig-b/video/" + segName)) != 403) {
                throw new IllegalStateException("the signed stream answers without a token");
            }
            System.out.printf("[signed-delivery] %s: public %d bytes, signed %d bytes; signed playlist %d bytes%n",
                    segName, segSize, signedSeg, plSize);
            Thread keepAlive = new Thread(() -> {
                try {
                    while (true) {
                        Thread.sleep(10_000);
                        pub.sendMetaData(Map.of("framerate", 30.0));
                        sig.sendMetaData(Map.of("framerate", 30.0));
                    }
                } catch (InterruptedException | RuntimeException e) {
                    // stop
                }
            }, "keepalive");
            keepAlive.setDaemon(true);
            keepAlive.start();
            String[] urls = {server.httpUrl("/live/pub-a/video/" + segName), server.httpUrl("/live/sig-b/video/" + segName + q),
                    server.httpUrl(pubPl), server.httpUrl(sigPl + q)};
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < urls.length; i++) {
                    // alternate which goes first, so neither side always runs on a warmer JVM
                    int k = round % 2 == 0 ? i : (i ^ 1);
                    Wrk w = Wrk.run(urls[k], conns, warmup, seconds, server.pid());
                    rps[k][round] = w.rps();
                    errors += w.errors();
                }
            }
            keepAlive.interrupt();
        }
        r.section("Parameters");
        r.line(f("- media: pre-encoded 1280x720 @ 30 fps H.264 CBR 4.2 Mbit/s + AAC, published twice: `pub-a` (public) and `sig-b` (`playback.access-rules: [sig-*=signed]`)"));
        r.line(f("- objects: `%s` of each (%d bytes) and each media playlist (signed: %d bytes, the token in every URI)", segName, segSize, plSize));
        r.line(f("- load: `wrk -t1 -c%d -d%ds` after a %d s warm-up, %d rounds alternating the order; one node, loopback", conns, seconds, warmup, rounds));
        r.section("Results (requests/s, mean of rounds)");
        r.line("| object | public | signed (token checked) | ratio | target | result |");
        r.line("|---|---:|---:|---:|---:|---|");
        row(r, "segment", mean(rps[0]), mean(rps[1]), errors);
        row(r, "media playlist", mean(rps[2]), mean(rps[3]), errors);
        r.write(ServerProcess.root().resolve("bench/results/signed-delivery.md"));
        System.exit(0);
    }

    private static void row(Report r, String what, double pub, double signed, long errors) {
        double ratio = signed / pub;
        r.line(f("| %s | %.0f | %.0f | %.3f | ≥ 0.95 | %s |", what, pub, signed, ratio, ratio >= 0.95 && errors == 0 ? "PASS" : "FAIL"));
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static byte[] get(HttpClient http, String url) throws Exception {
        HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 200) {
            throw new IllegalStateException(url + " -> " + res.statusCode() + " " + new String(res.body(), StandardCharsets.UTF_8));
        }
        return res.body();
    }

    private static int status(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
