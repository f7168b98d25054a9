package io.tributary.bench.srt;

import io.tributary.Node;
import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.RtmpPush;
import io.tributary.config.TributaryConfig;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.testing.SrtTsPush;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * SRT ingest benchmark, one process: a node (origin only, no transcoding) and a generator
 * thread pushing N publishers of a 2.5 Mbit/s clip, SRT ({@link SrtTsPush}: TS in 1316-byte
 * payloads over the plain-Java caller) and, in the same run, RTMP ({@link RtmpPush}) for the
 * reference. Server CPU = process CPU minus the generator thread's CPU over the window (GC and
 * JIT of both count as server's: the figure is pessimistic). Sustained = every video frame
 * sent is ingested (ratio >= 0.98) and server CPU under one core. A loss run sends one SRT
 * publisher through a 5 % loss (both ways) relay at 120 ms latency.
 *
 * <p>Usage: {@code SrtIngestBench [--steps 25,50,100,200] [--seconds 12]}; writes bench/results/srt-ingest.md.
 * Unlike {@code IngestBench} the server is not pinned to its own core: run it on a quiet machine.
 */
public final class SrtIngestBench {

    static final int FPS = 25;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(java.time.Duration.ofSeconds(5)).build();
    static volatile double lastLost;
    static volatile double lastDropped;
    static volatile double lastRtt;
    static final int W = 640;
    static final int H = 360;

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<Integer> steps = new ArrayList<>();
        for (String s : opt.getOrDefault("steps", "25,50,100,200").split(",")) {
            steps.add(Integer.parseInt(s.trim()));
        }
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "12"));
        String started = BenchSupport.now();
        byte[] ts = encodeTs(seconds + 2);
        double tsRate = ts.length * 8.0 / (seconds + 2);
        EncodedMedia media = EncodedMedia.encode(W, H, FPS, 2 * FPS, true,
                "bitrate=2300:vbv-maxrate=2300:vbv-bufsize=2300:nal-hrd=cbr", seconds + 2);
        System.out.printf(Locale.ROOT, "TS clip %.2f Mbit/s, %d bytes%n", tsRate / 1e6, ts.length);
        List<String> rows = new ArrayList<>();
        for (int n : steps) {
            Map<String, String> srt = step("srt", n, seconds, ts, tsRate, media);
            Map<String, String> rtmp = step("rtmp", n, seconds, ts, tsRate, media);
            double ratio = Double.parseDouble(srt.get("cpu_per_pub_ms")) / Double.parseDouble(rtmp.get("cpu_per_pub_ms"));
            String row = String.format(Locale.ROOT, "| %d | %s | %s / %s / %s ms | %s %% | %s | %s | %s %% | %s | %.2f |", n,
                    srt.get("frames_ratio"), srt.get("srt_lost"), srt.get("srt_dropped"), srt.get("srt_mean_rtt_ms"),
                    srt.get("server_cpu_pct"), srt.get("cpu_per_pub_ms"), rtmp.get("frames_ratio"), rtmp.get("server_cpu_pct"),
                    rtmp.get("cpu_per_pub_ms"), ratio);
            System.out.println(row + "  srt " + srt + "  rtmp " + rtmp);
            rows.add(row);
        }
        Map<String, String> clean = lossStep(0.0, ts, tsRate, seconds);
        Map<String, String> lossy = lossStep(0.05, ts, tsRate, seconds);
        StringBuilder md = new StringBuilder();
        md.append("# SRT ingest benchmark\n\n").append("Run ").append(started).append(" on ").append(BenchSupport.machine())
                .append(".\n\nOne process: node (origin, transcode.ladder none) + one generator thread. ")
                .append(String.format(Locale.ROOT, "SRT clip: MPEG-TS %.2f Mbit/s, %dx%d@%d H.264+AAC; RTMP clip: the same size/rate ", tsRate / 1e6, W, H, FPS))
                .append("from SyntheticAvSource (x264 CBR 2.3 Mbit/s + AAC). Window ").append(seconds).append(" s per step. ")
                .append("Server CPU = process CPU - generator thread CPU (GC/JIT of both included). The server is NOT pinned to one core ")
                .append("(unlike bench/results/ingest.md): the lead reruns this on a quiet machine.\n\n")
                .append("| publishers | SRT frames in/sent | SRT lost / dropped too late / mean RTT | SRT server CPU | SRT CPU ms per publisher-second | RTMP frames in/sent | RTMP server CPU | RTMP CPU ms per publisher-second | SRT/RTMP CPU |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        rows.forEach(r -> md.append(r).append('\n'));
        md.append("\n## Loss: one SRT publisher through a relay dropping 5 % both ways, latency 120 ms\n\n")
                .append("| loss | frames in/sent | packets lost | retransmitted | dropped too late |\n|---|---|---|---|---|\n")
                .append(lossRow("0 %", clean)).append(lossRow("5 %", lossy))
                .append("\nAdded latency: TSBPD delivers every packet at its send time + 120 ms whether or not it was retransmitted, ")
                .append("so loss adds no latency to delivered packets; a packet not repaired in time is dropped (counted above). ")
                .append("p50/p99 of end-to-end frame latency were not measured in this harness.\n");
        md.append("\nLoad average when written: ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append('\n');
        Path out = BenchSupport.root().resolve("bench/results/srt-ingest.md");
        Files.writeString(out, md.toString());
        System.out.println(md);
        System.out.println("written to " + out);
        System.exit(0);
    }

    static String lossRow(String name, Map<String, String> r) {
        return "| " + name + " | " + r.get("frames_ratio") + " | " + r.get("lost") + " | " + r.get("retransmitted") + " | "
                + r.get("dropped") + " |\n";
    }

    static Node startNode() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_SRT_HOST", "127.0.0.1");
        env.put("TRIBUTARY_SRT_PORT", "0");
        env.put("TRIBUTARY_SRT_MAX_CONNECTIONS_PER_ADDRESS", "10000"); // every publisher is 127.0.0.1
        env.put("TRIBUTARY_HTTP_INSTANCES", "1");
        env.put("TRIBUTARY_ROLES", "origin");
        env.put("TRIBUTARY_TRANSCODE_LADDER", "none");
        env.put("TRIBUTARY_DATA_DIR", Files.createTempDirectory("srt-bench").toString());
        TributaryConfig config = TributaryConfig.load(null, env).withPorts(0, 0);
        return Node.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /** N publishers of one protocol for {@code seconds}; frames ingested over frames sent, server CPU. */
    static Map<String, String> step(String protocol, int n, int seconds, byte[] ts, double tsRate, EncodedMedia media) throws Exception {
        Node node = startNode();
        Map<String, String> r = new LinkedHashMap<>();
        try {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long[] result = new long[3];
            Thread gen = new Thread(() -> {
                try {
                    result[0] = protocol.equals("srt") ? pushSrt(node, n, seconds, ts, tsRate) : pushRtmp(node, n, seconds, media);
                } catch (Exception e) {
                    e.printStackTrace();
                    result[0] = -1;
                }
            }, "generator");
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            gen.start();
            long genCpu = 0;
            while (gen.isAlive()) {
                long c = threads.getThreadCpuTime(gen.getId());
                if (c > 0) {
                    genCpu = c;
                }
                Thread.sleep(20);
            }
            long wall = System.nanoTime() - wall0;
            long serverCpu = os.getProcessCpuTime() - cpu0 - genCpu;
            Thread.sleep(1500); // the last frames through TSBPD and the demuxer
            double ingested = scrapeSum(node, "tributary_ingest_frames_total", "track=\"video\"");
            double sent = (double) result[0];
            r.put("frames_ratio", String.format(Locale.ROOT, "%.3f", ingested / sent));
            r.put("server_cpu_pct", String.format(Locale.ROOT, "%.0f", serverCpu * 100.0 / wall));
            r.put("cpu_per_pub_ms", String.format(Locale.ROOT, "%.2f", serverCpu / 1e6 / n / (wall / 1e9)));
            r.put("gen_cpu_pct", String.format(Locale.ROOT, "%.0f", genCpu * 100.0 / wall));
            if (protocol.equals("srt")) {
                r.put("srt_lost", String.format(Locale.ROOT, "%.0f", lastLost));
                r.put("srt_dropped", String.format(Locale.ROOT, "%.0f", lastDropped));
                r.put("srt_mean_rtt_ms", String.format(Locale.ROOT, "%.1f", lastRtt * 1000));
            }
        } finally {
            node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        return r;
    }

    /** Video frames sent. */
    static long pushSrt(Node node, int n, int seconds, byte[] ts, double tsRate) throws Exception {
        List<SrtTsPush> pubs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pubs.add(SrtTsPush.connect(node.srtPort(), "live/srt" + i, 120, null));
        }
        int[] offset = new int[n];
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            int dueBytes = (int) Math.min(ts.length, elapsed * tsRate / 8);
            for (int i = 0; i < n; i++) {
                SrtTsPush p = pubs.get(i);
                while (offset[i] + SrtTsPush.PAYLOAD <= dueBytes) {
                    p.send(ts, offset[i], SrtTsPush.PAYLOAD);
                    offset[i] += SrtTsPush.PAYLOAD;
                }
                p.poll();
            }
            Thread.sleep(1);
        }
        long drainEnd = System.nanoTime() + 500_000_000L;
        while (System.nanoTime() < drainEnd) {
            pubs.forEach(SrtTsPush::poll);
            Thread.sleep(1);
        }
        // the SRT figures go with their connections: read them before closing
        lastLost = scrapeSum(node, "tributary_srt_packets_lost_total", "");
        lastDropped = scrapeSum(node, "tributary_srt_packets_dropped_total", "");
        lastRtt = scrapeSum(node, "tributary_srt_rtt_seconds", "") / n;
        pubs.forEach(SrtTsPush::close);
        // frames: the clip has FPS frames a second; the sent share of it, less the last (possibly incomplete) one
        return (long) n * (long) Math.floor((double) offset[0] / ts.length * (seconds + 2) * FPS - 1);
    }

    static long pushRtmp(Node node, int n, int seconds, EncodedMedia media) throws Exception {
        List<RtmpPush> pubs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pubs.add(RtmpPush.publish(node.rtmpPort(), "rtmp" + i, media));
        }
        int[] next = new int[n];
        long frames = 0;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<MediaSample> samples = media.samples();
        while (System.nanoTime() < end) {
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            for (int i = 0; i < n; i++) {
                while (next[i] < samples.size() && samples.get(next[i]).dts() <= elapsedMs) {
                    MediaSample s = samples.get(next[i]++);
                    pubs.get(i).send(s, 0);
                    if (s.track() == Track.VIDEO) {
                        frames++;
                    }
                }
            }
            Thread.sleep(1);
        }
        pubs.forEach(RtmpPush::close);
        return frames;
    }

    /** One SRT publisher through a relay dropping {@code loss} of the datagrams both ways. */
    static Map<String, String> lossStep(double loss, byte[] ts, double tsRate, int seconds) throws Exception {
        Node node = startNode();
        Map<String, String> r = new LinkedHashMap<>();
        try (LossRelay relay = new LossRelay(node.srtPort(), loss)) {
            try (SrtTsPush p = SrtTsPush.connect(relay.port(), "live/lossy", 120, null)) {
                p.sendPaced(java.util.Arrays.copyOf(ts, (int) Math.min(ts.length, (long) (tsRate / 8 * seconds)) / 1316 * 1316), tsRate);
                p.finish(1000);
                r.put("lost", String.format(Locale.ROOT, "%.0f", scrapeSum(node, "tributary_srt_packets_lost_total", "")));
                r.put("retransmitted", String.format(Locale.ROOT, "%.0f", scrapeSum(node, "tributary_srt_packets_retransmitted_total", "")));
                r.put("dropped", String.format(Locale.ROOT, "%.0f", scrapeSum(node, "tributary_srt_packets_dropped_total", "")));
            }
            Thread.sleep(1500);
            double sent = Math.floor((double) seconds / (seconds + 2) * (seconds + 2) * FPS - 1);
            r.put("frames_ratio", String.format(Locale.ROOT, "%.0f/%.0f",
                    scrapeSum(node, "tributary_ingest_frames_total", "track=\"video\""), sent));
        } finally {
            node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        System.out.println("loss " + loss + ": " + r);
        return r;
    }

    static double scrapeSum(Node node, String name, String label) throws Exception {
        // HTTP/1.1: the JDK client's default h2c upgrade can hang (see TestNode.HTTP)
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/metrics")))
                .timeout(java.time.Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : res.body().split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** The clip as MPEG-TS at about 2.5 Mbit/s. */
    static byte[] encodeTs(int seconds) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(out, W, H, 2)) {
            rec.setFormat("mpegts");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(FPS);
            rec.setGopSize(2 * FPS);
            rec.setVideoOption("preset", "ultrafast");
            rec.setVideoOption("x264-params", "bitrate=2300:vbv-maxrate=2300:vbv-bufsize=2300:nal-hrd=cbr");
            rec.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            rec.setSampleRate(48000);
            rec.setAudioChannels(2);
            rec.setAudioBitrate(128_000);
            rec.start();
            Frame image = new Frame(W, H, Frame.DEPTH_UBYTE, 3);
            ByteBuffer px = (ByteBuffer) image.image[0];
            java.util.Random noise = new java.util.Random(1);
            ShortBuffer pcm = ShortBuffer.allocate(48000 / FPS * 2);
            for (int f = 0; f < seconds * FPS; f++) {
                for (int i = 0; i < H * image.imageStride; i++) {
                    px.put(i, (byte) (((i / 3 + f * 7) & 0xFF) ^ (noise.nextInt(64))));
                }
                rec.record(image, avutil.AV_PIX_FMT_BGR24);
                pcm.clear();
                for (int s = 0; s < 48000 / FPS; s++) {
                    short v = (short) (Math.sin(2 * Math.PI * 440 * (f * 1920 + s) / 48000.0) * 8000);
                    pcm.put(v).put(v);
                }
                pcm.flip();
                rec.recordSamples(48000, 2, pcm);
            }
            rec.stop();
        }
        return out.toByteArray();
    }
}
