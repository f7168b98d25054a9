package io.tributary.bench.ingest;

import io.tributary.media.flv.FlvFileReader;
import io.tributary.media.flv.FlvTag;
import io.tributary.media.rtmp.RtmpClientEvent;
import io.tributary.media.rtmp.RtmpClientSession;
import io.tributary.media.rtmp.RtmpLimits;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ingest load generator (its own JVM, pinned to its own core by the caller): N RTMP
 * publishers on one NIO selector thread, each replaying the same FLV in real time with
 * timestamps continuing across loops. Connections are spread over a ramp so keyframes
 * are spread too. A monitor thread measures one window after warm-up: frames and bytes
 * the generator wrote, the server's counters from /metrics, the server's CPU from /proc,
 * and how far behind wall-clock a few streams' LL-HLS playlist edges are. It then stops
 * everything and prints one {@code RESULT k=v ...} line.
 *
 * <p>Usage: {@code IngestLoad --flv F --rtmp-port P --publishers N [--http-port H --server-pid PID]
 * [--server-cpu 0] [--ramp-ms 8000] [--warmup-s 10] [--measure-s 30] [--keys prefix]}.
 * Without --http-port the target is a plain sink (no metrics, no playlists).
 */
public final class IngestLoad {

    /** A publisher whose unsent bytes exceed this stops encoding (it is then "behind"). */
    private static final int MAX_PENDING = 4 << 20;

    private final Map<String, String> opt;
    private final List<FlvTag> media = new ArrayList<>();
    private FlvTag videoHeader;
    private FlvTag audioHeader;
    private long loopMs;
    private final List<Pub> pubs = new ArrayList<>();
    private Selector selector;
    private final ByteBuffer readBuf = ByteBuffer.allocate(64 * 1024);

    // written by the I/O thread, read by the monitor
    private volatile long framesQueued;
    private volatile long bytesWritten;
    private volatile int publishing;
    private volatile int dead;
    private volatile int failed;
    private volatile String firstFailure = "";
    private volatile boolean stop;
    private volatile long maxLagMs;

    private static final class Pub {
        final int index;
        final String key;
        final long connectAtNanos;
        SocketChannel ch;
        SelectionKey sk;
        RtmpClientSession session;
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        long pending;
        boolean connected;
        boolean publishing;
        boolean dead;
        long startNanos;
        int cursor;
        long loop;
        long lastVideoTs = -1;
        long lastAudioTs = -1;

        Pub(int index, String key, long connectAtNanos) {
            this.index = index;
            this.key = key;
            this.connectAtNanos = connectAtNanos;
        }
    }

    IngestLoad(Map<String, String> opt) {
        this.opt = opt;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = BenchSupport.options(args);
        new IngestLoad(opt).run();
    }

    private String opt(String k, String def) {
        String v = opt.get(k);
        if (v == null && def == null) {
            throw new IllegalArgumentException("--" + k + " is required");
        }
        return v != null ? v : def;
    }

    private void load(Path flv) throws IOException {
        long lastVideo = 0;
        List<Long> deltas = new ArrayList<>();
        for (FlvTag t : FlvFileReader.readAll(flv)) {
            byte[] p = t.payload();
            if (t.type() == FlvTag.VIDEO && p.length > 1 && (p[0] & 0x0F) == 7 && p[1] == 0) {
                videoHeader = videoHeader == null ? t : videoHeader;
            } else if (t.type() == FlvTag.AUDIO && p.length > 1 && ((p[0] & 0xF0) >> 4) == 10 && p[1] == 0) {
                audioHeader = audioHeader == null ? t : audioHeader;
            } else if (t.type() == FlvTag.VIDEO || t.type() == FlvTag.AUDIO) {
                if (t.type() == FlvTag.VIDEO) {
                    if (lastVideo > 0 || !deltas.isEmpty()) {
                        deltas.add(t.timestamp() - lastVideo);
                    }
                    lastVideo = t.timestamp();
                }
                media.add(t);
            }
        }
        Collections.sort(deltas);
        long frame = deltas.isEmpty() ? 33 : deltas.get(deltas.size() / 2);
        loopMs = lastVideo + frame;
        if (videoHeader == null || audioHeader == null) {
            throw new IOException(flv + " lacks an AVC or AAC sequence header");
        }
    }

    void run() throws Exception {
        Path flv = Path.of(opt("flv", null));
        int port = Integer.parseInt(opt("rtmp-port", null));
        int n = Integer.parseInt(opt("publishers", null));
        long rampMs = Long.parseLong(opt("ramp-ms", Long.toString(Math.min(10_000, 40L * n))));
        String prefix = opt("keys", "bench");
        load(flv);
        long mediaBytes = 0;
        long videoFrames = 0;
        for (FlvTag t : media) {
            mediaBytes += t.payload().length;
            videoFrames += t.type() == FlvTag.VIDEO ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "source %s: %d media tags (%d video) over %d ms per loop, %.0f kbit/s of tag payload%n",
                flv.getFileName(), media.size(), videoFrames, loopMs, mediaBytes * 8.0 / loopMs);
        selector = Selector.open();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pubs.add(new Pub(i, prefix + "-" + i, t0 + rampMs * 1_000_000L * i / n));
        }
        Thread monitor = new Thread(() -> monitor(n, rampMs), "monitor");
        monitor.setDaemon(true);
        monitor.start();
        ioLoop(port);
        monitor.join(60_000);
    }

    private void ioLoop(int port) throws IOException {
        int nextConnect = 0;
        long hardEnd = System.nanoTime() + Duration.ofMinutes(5).toNanos(); // bound, whatever the monitor does
        while (!stop && System.nanoTime() < hardEnd) {
            long now = System.nanoTime();
            while (nextConnect < pubs.size() && pubs.get(nextConnect).connectAtNanos <= now) {
                connect(pubs.get(nextConnect++), port);
            }
            long lag = 0;
            int live = 0;
            for (Pub p : pubs) {
                if (p.publishing && !p.dead) {
                    lag = Math.max(lag, pump(p, now));
                    live++;
                }
            }
            maxLagMs = lag;
            publishing = live;
            selector.select(1);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                Pub p = (Pub) k.attachment();
                try {
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isConnectable()) {
                        p.ch.finishConnect();
                        p.connected = true;
                        p.sk.interestOps(SelectionKey.OP_READ);
                        enqueue(p, p.session.drainOutbound());
                    }
                    if (k.isValid() && k.isReadable()) {
                        read(p);
                    }
                    if (k.isValid() && k.isWritable()) {
                        flush(p);
                    }
                } catch (IOException | RuntimeException e) {
                    kill(p, e.toString());
                }
            }
        }
        for (Pub p : pubs) {
            if (p.ch != null) {
                try {
                    p.ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        selector.close();
    }

    private void connect(Pub p, int port) {
        try {
            p.session = new RtmpClientSession("live", "rtmp://127.0.0.1:" + port + "/live", p.key, RtmpLimits.defaults());
            p.ch = SocketChannel.open();
            p.ch.configureBlocking(false);
            p.ch.socket().setTcpNoDelay(true);
            p.ch.connect(new InetSocketAddress("127.0.0.1", port));
            p.sk = p.ch.register(selector, SelectionKey.OP_CONNECT, p);
        } catch (IOException e) {
            kill(p, e.toString());
        }
    }

    private void read(Pub p) throws IOException {
        readBuf.clear();
        int r = p.ch.read(readBuf);
        if (r < 0) {
            kill(p, "server closed the connection");
            return;
        }
        if (r == 0) {
            return;
        }
        for (RtmpClientEvent e : p.session.receive(readBuf.array(), 0, r)) {
            if (e instanceof RtmpClientEvent.PublishStarted) {
                enqueue(p, p.session.drainOutbound());
                p.publishing = true;
                p.startNanos = System.nanoTime();
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("width", 1280.0);
                meta.put("height", 720.0);
                meta.put("framerate", 30.0);
                meta.put("videocodecid", 7.0);
                meta.put("audiocodecid", 10.0);
                meta.put("encoder", "tributary-bench IngestLoad");
                enqueue(p, p.session.encodeMetaData(meta));
                enqueue(p, p.session.encodeVideo(0, videoHeader.payload()));
                enqueue(p, p.session.encodeAudio(0, audioHeader.payload()));
            } else if (e instanceof RtmpClientEvent.Failed f) {
                failed++;
                kill(p, "publish failed: " + f.code() + " " + f.description());
                return;
            }
        }
        enqueue(p, p.session.drainOutbound());
    }

    /** Encodes every tag now due; returns how far behind schedule the publisher is (ms). */
    private long pump(Pub p, long now) {
        long mediaNow = (now - p.startNanos) / 1_000_000;
        long queued = 0;
        while (true) {
            FlvTag t = media.get(p.cursor);
            long ts = p.loop * loopMs + t.timestamp();
            if (ts > mediaNow) {
                break;
            }
            if (p.pending > MAX_PENDING) {
                framesQueued += queued;
                return mediaNow - ts;
            }
            if (t.type() == FlvTag.VIDEO) {
                if (ts > p.lastVideoTs) {
                    enqueue(p, p.session.encodeVideo(ts, t.payload()));
                    p.lastVideoTs = ts;
                    queued++;
                }
            } else if (ts > p.lastAudioTs) {
                enqueue(p, p.session.encodeAudio(ts, t.payload()));
                p.lastAudioTs = ts;
                queued++;
            }
            if (++p.cursor == media.size()) {
                p.cursor = 0;
                p.loop++;
            }
        }
        if (queued > 0) {
            framesQueued += queued;
            try {
                flush(p);
            } catch (IOException e) {
                kill(p, e.toString());
            }
        }
        return 0;
    }

    private void enqueue(Pub p, byte[] bytes) {
        if (bytes.length == 0 || p.dead) {
            return;
        }
        p.out.add(ByteBuffer.wrap(bytes));
        p.pending += bytes.length;
        if (p.connected) {
            try {
                flush(p);
            } catch (IOException e) {
                kill(p, e.toString());
            }
        }
    }

    private final ByteBuffer[] gather = new ByteBuffer[32];

    private void flush(Pub p) throws IOException {
        if (p.dead || !p.connected) {
            return;
        }
        while (!p.out.isEmpty()) {
            int k = 0;
            for (ByteBuffer b : p.out) {
                gather[k++] = b;
                if (k == gather.length) {
                    break;
                }
            }
            long w = p.ch.write(gather, 0, k);
            p.pending -= w;
            bytesWritten += w;
            while (!p.out.isEmpty() && !p.out.peek().hasRemaining()) {
                p.out.poll();
            }
            if (!p.out.isEmpty() && p.out.peek().hasRemaining() && w == 0) {
                break;
            }
            if (k < gather.length && !p.out.isEmpty()) {
                break; // partial write: the socket buffer is full
            }
        }
        int ops = p.out.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
        if (p.sk.interestOps() != ops) {
            p.sk.interestOps(ops);
        }
    }

    private void kill(Pub p, String why) {
        if (p.dead) {
            return;
        }
        p.dead = true;
        dead++;
        if (firstFailure.isEmpty()) {
            firstFailure = p.key + ": " + why;
        }
        try {
            if (p.ch != null) {
                p.ch.close();
            }
        } catch (IOException ignored) {
            // already failing
        }
    }

    // ---------------------------------------------------------------- monitor

    private void monitor(int n, long rampMs) {
        Map<String, Object> r = new LinkedHashMap<>();
        try {
            int httpPort = Integer.parseInt(opt("http-port", "0"));
            long serverPid = Long.parseLong(opt("server-pid", "0"));
            int serverCpu = Integer.parseInt(opt("server-cpu", "0"));
            int warmup = Integer.parseInt(opt("warmup-s", "10"));
            int measure = Integer.parseInt(opt("measure-s", "30"));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            long rampEnd = System.currentTimeMillis() + rampMs + 15_000;
            while (publishing < n && dead == 0 && System.currentTimeMillis() < rampEnd) {
                Thread.sleep(100);
            }
            r.put("publishing_after_ramp", publishing);
            Thread.sleep(warmup * 1000L);

            var myOs = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            if (httpPort > 0) {
                metrics(http, httpPort); // warms the client so both scrapes take alike
            }
            // generator counters and time are taken as the midpoint around each scrape
            long fa = framesQueued;
            long ba = bytesWritten;
            long ta = System.nanoTime();
            Map<String, Double> m0 = httpPort > 0 ? metrics(http, httpPort) : Map.of();
            long genCpu0 = myOs.getProcessCpuTime();
            double srvCpu0 = serverPid > 0 ? BenchSupport.processCpuSeconds(serverPid) : 0;
            long[] core0 = BenchSupport.cpuJiffies(serverCpu);
            long w0 = (ta + System.nanoTime()) / 2;
            long f0 = (fa + framesQueued) / 2;
            long b0 = (ba + bytesWritten) / 2;

            List<Double> edgeLags = new ArrayList<>();
            List<String> sampled = new ArrayList<>();
            for (int i = 0; i < Math.min(3, n); i++) {
                sampled.add(pubs.get(i * n / Math.min(3, n)).key);
            }
            long measureEnd = w0 + measure * 1_000_000_000L;
            Map<String, Long> firstMsn = new HashMap<>();
            Map<String, Long> lastMsn = new HashMap<>();
            int playlistErrors = 0;
            while (System.nanoTime() < measureEnd) {
                Thread.sleep(Math.min(2000, Math.max(1, (measureEnd - System.nanoTime()) / 1_000_000)));
                if (httpPort > 0 && System.nanoTime() < measureEnd - 500_000_000L) {
                    for (String key : sampled) {
                        double[] edge = playlistEdge(http, httpPort, key);
                        if (edge == null) {
                            playlistErrors++;
                            continue;
                        }
                        edgeLags.add(edge[0]);
                        firstMsn.putIfAbsent(key, (long) edge[1]);
                        lastMsn.put(key, (long) edge[1]);
                    }
                }
            }
            long lagAtEnd = maxLagMs;
            long[] core1 = BenchSupport.cpuJiffies(serverCpu);
            double srvCpu1 = serverPid > 0 ? BenchSupport.processCpuSeconds(serverPid) : 0;
            long genCpu1 = myOs.getProcessCpuTime();
            fa = framesQueued;
            ba = bytesWritten;
            ta = System.nanoTime();
            Map<String, Double> m1 = httpPort > 0 ? metrics(http, httpPort) : Map.of();
            long w1 = (ta + System.nanoTime()) / 2;
            long f1 = (fa + framesQueued) / 2;
            long b1 = (ba + bytesWritten) / 2;
            double secs = (w1 - w0) / 1e9;
            double cpuSecs = secs; // CPU readings bracket the same window to within one scrape

            r.put("publishers", n);
            r.put("publishing_at_end", publishing);
            r.put("dead", dead);
            r.put("failed", failed);
            r.put("window_s", round(secs));
            r.put("gen_frames_per_s", round((f1 - f0) / secs));
            r.put("gen_mbit_per_s", round((b1 - b0) * 8 / secs / 1e6));
            r.put("gen_cpu_pct", round((genCpu1 - genCpu0) / 1e9 / secs * 100));
            r.put("gen_max_lag_ms", lagAtEnd);
            r.put("target_cpu_pct", serverPid > 0 ? round((srvCpu1 - srvCpu0) / secs * 100) : Double.NaN);
            r.put("core_busy_pct", round(100.0 * (core1[0] - core0[0]) / Math.max(1, core1[1] - core0[1])));
            if (httpPort > 0) {
                double frames = sum(m1, "tributary_ingest_frames_total") - sum(m0, "tributary_ingest_frames_total");
                double bytes = sum(m1, "tributary_ingest_bytes_total") - sum(m0, "tributary_ingest_bytes_total");
                r.put("srv_frames_per_s", round(frames / secs));
                r.put("srv_mbit_per_s", round(bytes * 8 / secs / 1e6));
                r.put("frames_ratio", round(frames / Math.max(1, f1 - f0)));
                r.put("bytes_ratio", round(bytes / Math.max(1, b1 - b0)));
                r.put("srv_publishers", (long) sum(m1, "tributary_publishers"));
                r.put("srv_rejected", (long) sum(m1, "tributary_rtmp_rejected_total"));
                edgeFigures(r, edgeLags, sampled, firstMsn, lastMsn, playlistErrors);
            }
        } catch (Exception e) {
            r.put("monitor_error", e.toString().replace(' ', '_'));
        } finally {
            r.put("first_failure", firstFailure.isEmpty() ? "-" : firstFailure.replaceAll("\\s+", "_"));
            StringBuilder b = new StringBuilder("RESULT");
            r.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            System.out.println(b);
            System.out.flush();
            stop = true;
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double sum(Map<String, Double> m, String name) {
        double s = 0;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            String k = e.getKey();
            if (k.equals(name) || k.startsWith(name + "{")) {
                s += e.getValue();
            }
        }
        return s;
    }

    /** The window's LL-HLS edge figures, as both load generators report them: lag median and max, segments advanced. */
    public static void edgeFigures(Map<String, Object> r, List<Double> edgeLags, List<String> sampled,
                                   Map<String, Long> firstMsn, Map<String, Long> lastMsn, int playlistErrors) {
        Collections.sort(edgeLags);
        r.put("edge_lag_samples", edgeLags.size());
        r.put("edge_lag_median_s", edgeLags.isEmpty() ? Double.NaN : round(edgeLags.get(edgeLags.size() / 2)));
        r.put("edge_lag_max_s", edgeLags.isEmpty() ? Double.NaN : round(edgeLags.get(edgeLags.size() - 1)));
        long advanced = Long.MAX_VALUE;
        for (String key : sampled) {
            advanced = Math.min(advanced, lastMsn.getOrDefault(key, 0L) - firstMsn.getOrDefault(key, 0L));
        }
        r.put("min_segments_advanced", advanced == Long.MAX_VALUE ? 0 : advanced);
        r.put("playlist_errors", playlistErrors);
    }

    /** The Prometheus text, as series name{labels} to value (only tributary_ series). */
    public static Map<String, Double> metrics(HttpClient http, int port) throws IOException, InterruptedException {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Double> m = new HashMap<>();
        for (String line : res.body().split("\n")) {
            if (line.startsWith("tributary_")) {
                int sp = line.lastIndexOf(' ');
                m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return m;
    }

    /**
     * Fetches a video playlist; returns {seconds between now and the wall-clock end of its
     * last listed media (last PROGRAM-DATE-TIME plus the parts or EXTINF after it), last MSN},
     * or null. The server anchors PROGRAM-DATE-TIME to the first sample's arrival and advances
     * it with media time, so a server falling behind its publishers shows as a growing lag.
     */
    public static double[] playlistEdge(HttpClient http, int port, String key) {
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/live/" + key + "/video/index.m3u8"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            long fetched = System.currentTimeMillis();
            if (res.statusCode() != 200) {
                return null;
            }
            long pdt = -1;
            double after = 0;
            double extinf = -1;
            long msn = -1;
            long segIndex = -1;
            for (String l : res.body().split("\n")) {
                if (l.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
                    msn = Long.parseLong(l.substring(22).trim());
                    segIndex = msn - 1;
                } else if (l.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
                    pdt = OffsetDateTime.parse(l.substring(25).trim()).toInstant().toEpochMilli();
                    after = 0;
                    extinf = -1;
                } else if (l.startsWith("#EXT-X-PART:DURATION=")) {
                    String d = l.substring(21);
                    after += Double.parseDouble(d.substring(0, d.indexOf(',') > 0 ? d.indexOf(',') : d.length()));
                } else if (l.startsWith("#EXTINF:")) {
                    extinf = Double.parseDouble(l.substring(8, l.indexOf(',')));
                    segIndex++;
                }
            }
            if (pdt < 0) {
                return null;
            }
            double end = pdt + 1000 * (extinf >= 0 ? extinf : after);
            return new double[]{(fetched - end) / 1000.0, segIndex};
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
