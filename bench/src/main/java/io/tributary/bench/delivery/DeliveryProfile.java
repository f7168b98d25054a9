package io.tributary.bench.delivery;

import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Tributary's time goes while wrk fetches one cached object: the server runs with
 * JFR (execution samples every 10 ms), and the samples are summed by top frame and by
 * the first Tributary/Vert.x/Netty frame. A diagnostic, not a measurement.
 *
 * <p>Args: [segment|playlist (default segment)] [seconds (default 10)]
 */
public final class DeliveryProfile {

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "segment";
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        EncodedMedia media = EncodedMedia.encode(1280, 720, 30, 60, true,
                "nal-hrd=cbr:bitrate=4200:vbv-maxrate=4200:vbv-bufsize=4200", 7);
        Path jfr = ServerProcess.root().resolve("bench/target/delivery-" + what + ".jfr");
        try (BenchLock lock = BenchLock.acquire("delivery profile");
             ServerProcess server = ServerProcess.start("delivery-profile", List.of("-Xmx2g",
                     "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile"), Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
             RtmpPush push = RtmpPush.publish(server.rtmpPort(), "prof", media)) {
            push.sendAll(media.samples());
            Thread.sleep(500);
            String path = "/live/prof/video/index.m3u8";
            if (what.equals("segment")) {
                HttpClient http = HttpClient.newHttpClient();
                String pl = http.send(HttpRequest.newBuilder(URI.create(server.httpUrl(path))).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = Pattern.compile("(?m)^seg-\\d+\\.m4s$").matcher(pl);
                m.find();
                path = "/live/prof/video/" + m.group();
            }
            Process wrk = new ProcessBuilder("wrk", "-t1", "-c64", "-d" + seconds + "s", server.httpUrl(path))
                    .redirectErrorStream(true).start();
            System.out.println(new String(wrk.getInputStream().readAllBytes()));
            wrk.waitFor(seconds + 30L, TimeUnit.SECONDS);
            server.jcmd("JFR.dump", "filename=" + jfr);
        }
        Map<String, Integer> top = new HashMap<>();
        Map<String, Integer> any = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            total++;
            top.merge(name(frames.get(0)), 1, Integer::sum);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : frames) {
                String n = name(f);
                if (seen.add(n)) {
                    any.merge(n, 1, Integer::sum);
                }
            }
        }
        System.out.println("execution samples (Java threads on CPU): " + total);
        print("top frame", top, total, 15);
        print("on the stack (inclusive)", any, total, 40);
        System.exit(0);
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void print(String title, Map<String, Integer> m, int total, int n) {
        System.out.println("-- " + title);
        m.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(n)
                .forEach(e -> System.out.printf("%5.1f%%  %s%n", 100.0 * e.getValue() / total, e.getKey()));
    }
}
