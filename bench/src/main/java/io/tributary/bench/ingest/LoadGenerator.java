package io.tributary.bench.ingest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the ingest load generators ({@link IngestLoad} for RTMP, {@code SrtLoad} for SRT) share: their options
 * ({@code --publishers N [--ramp-ms] [--keys prefix] [--http-port H --server-pid PID] [--server-cpu 0]
 * [--warmup-s 10] [--measure-s 30]}), the state their I/O thread shows the monitor, and the monitor. It waits
 * for the ramp and the warm-up, then measures one window: frames and bytes the generator sent, the server's
 * counters from /metrics, the server's CPU from /proc, and how far behind wall-clock the LL-HLS playlist edges
 * of three streams are; then it stops the I/O thread and prints one {@code RESULT k=v ...} line. Without
 * --http-port the target is a plain sink (no metrics, no playlists).
 */
public abstract class LoadGenerator {

    private final Map<String, String> opt;
    private final Protocol protocol;
    /** The server process whose CPU the window measures (0: none), read from --server-pid when the monitor starts. */
    protected long serverPid;

    // written by the I/O thread, read by the monitor
    /** Frames sent (or queued) so far: those the server counts under {@link Protocol#framesLabel}. */
    protected volatile long framesSent;
    protected volatile long bytesSent;
    protected volatile int publishing;
    protected volatile int dead;
    protected volatile String firstFailure = "";
    protected volatile boolean stop;
    protected volatile long maxLagMs;

    /**
     * What differs between the protocols' windows.
     *
     * @param defaultKeys      the stream keys' prefix without --keys
     * @param scrapeVersion    how /metrics and the playlists are fetched
     * @param framesLabel      the label of the server's frame counts that match the generator's ("" for all)
     * @param publishersMetric the gauge of the server's publishers of the protocol
     * @param rejectedMetric   the counter of the server's refusals of the protocol
     */
    public record Protocol(String defaultKeys, HttpClient.Version scrapeVersion, String framesLabel, String publishersMetric,
                              String rejectedMetric) {
    }

    protected LoadGenerator(Map<String, String> opt, Protocol protocol) {
        this.opt = opt;
        this.protocol = protocol;
    }

    /** Option {@code k}, or {@code def}; required when {@code def} is null. */
    protected final String opt(String k, String def) {
        String v = opt.get(k);
        if (v == null && def == null) {
            throw new IllegalArgumentException("--" + k + " is required");
        }
        return v != null ? v : def;
    }

    protected final boolean hasOpt(String k) {
        return opt.containsKey(k);
    }

    protected final int publishers() {
        return Integer.parseInt(opt("publishers", null));
    }

    /** Over how long the publishers connect (spreading their keyframes): 40 ms each, at most 10 s, unless given. */
    protected final long rampMs(int publishers) {
        return Long.parseLong(opt("ramp-ms", Long.toString(Math.min(10_000, 40L * publishers))));
    }

    /** The stream key of publisher {@code i}. */
    protected final String key(int i) {
        return opt("keys", protocol.defaultKeys()) + "-" + i;
    }

    /** Runs {@code io} (the I/O loop, until {@link #stop}) beside the monitor, then waits for the monitor's report. */
    protected final void measure(int n, long rampMs, IoLoop io) throws Exception {
        Thread monitor = new Thread(() -> monitor(n, rampMs), "monitor");
        monitor.setDaemon(true);
        monitor.start();
        io.run();
        monitor.join(60_000);
    }

    @FunctionalInterface
    protected interface IoLoop {
        void run() throws Exception;
    }

    /** After the warm-up, before the window: a generator may wait here until it is steady. */
    protected void settle(Map<String, Object> r) throws InterruptedException {
    }

    /** At the start of the window, beside the CPU readings. */
    protected void windowStarts() {
    }

    /** At the end of the window, beside the CPU readings. */
    protected void windowEnds() {
    }

    /** The lag reported as the window's: by default the lag at its end. */
    protected long windowLagMs(long lagAtEnd) {
        return lagAtEnd;
    }

    /** The generator's own figures of a {@code secs} window. */
    protected void generatorFigures(Map<String, Object> r, double secs) {
    }

    /** The protocol's own server figures, from the scrapes at the window's start and end. */
    protected void serverFigures(Map<String, Object> r, Map<String, Double> m0, Map<String, Double> m1, int n) {
    }

    /** After the RESULT line, before the I/O thread is stopped. */
    protected void reported() {
    }

    private void monitor(int n, long rampMs) {
        Map<String, Object> r = new LinkedHashMap<>();
        try {
            int httpPort = Integer.parseInt(opt("http-port", "0"));
            serverPid = Long.parseLong(opt("server-pid", "0"));
            int serverCpu = Integer.parseInt(opt("server-cpu", "0"));
            int warmup = Integer.parseInt(opt("warmup-s", "10"));
            int measure = Integer.parseInt(opt("measure-s", "30"));
            HttpClient http = HttpClient.newBuilder().version(protocol.scrapeVersion()).connectTimeout(Duration.ofSeconds(5)).build();
            long rampEnd = System.currentTimeMillis() + rampMs + 15_000;
            while (publishing < n && dead == 0 && System.currentTimeMillis() < rampEnd) {
                Thread.sleep(100);
            }
            r.put("publishing_after_ramp", publishing);
            Thread.sleep(warmup * 1000L);
            settle(r);

            var myOs = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            if (httpPort > 0) {
                metrics(http, httpPort); // warms the client so both scrapes take alike
            }
            // generator counters and time are taken as the midpoint around each scrape
            long fa = framesSent;
            long ba = bytesSent;
            long ta = System.nanoTime();
            Map<String, Double> m0 = httpPort > 0 ? metrics(http, httpPort) : Map.of();
            long genCpu0 = myOs.getProcessCpuTime();
            double srvCpu0 = serverPid > 0 ? BenchSupport.processCpuSeconds(serverPid) : 0;
            windowStarts();
            long[] core0 = BenchSupport.cpuJiffies(serverCpu);
            long w0 = (ta + System.nanoTime()) / 2;
            long f0 = (fa + framesSent) / 2;
            long b0 = (ba + bytesSent) / 2;

            List<Double> edgeLags = new ArrayList<>();
            List<String> sampled = new ArrayList<>();
            for (int i = 0; i < Math.min(3, n); i++) {
                sampled.add(key(i * n / Math.min(3, n)));
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
            windowEnds();
            long genCpu1 = myOs.getProcessCpuTime();
            fa = framesSent;
            ba = bytesSent;
            ta = System.nanoTime();
            Map<String, Double> m1 = httpPort > 0 ? metrics(http, httpPort) : Map.of();
            long w1 = (ta + System.nanoTime()) / 2;
            long f1 = (fa + framesSent) / 2;
            long b1 = (ba + bytesSent) / 2;
            double secs = (w1 - w0) / 1e9;

            r.put("publishers", n);
            r.put("publishing_at_end", publishing);
            r.put("dead", dead);
            r.put("window_s", round(secs));
            r.put("gen_frames_per_s", round((f1 - f0) / secs));
            r.put("gen_mbit_per_s", round((b1 - b0) * 8 / secs / 1e6));
            r.put("gen_cpu_pct", round((genCpu1 - genCpu0) / 1e9 / secs * 100));
            r.put("gen_max_lag_ms", windowLagMs(lagAtEnd));
            r.put("target_cpu_pct", serverPid > 0 ? round((srvCpu1 - srvCpu0) / secs * 100) : Double.NaN);
            r.put("core_busy_pct", round(100.0 * (core1[0] - core0[0]) / Math.max(1, core1[1] - core0[1])));
            generatorFigures(r, secs);
            if (httpPort > 0) {
                String frameSeries = "tributary_ingest_frames_total";
                double frames = sum(m1, frameSeries, protocol.framesLabel()) - sum(m0, frameSeries, protocol.framesLabel());
                double bytes = sum(m1, "tributary_ingest_bytes_total", "") - sum(m0, "tributary_ingest_bytes_total", "");
                r.put("srv_frames_per_s", round(frames / secs));
                r.put("srv_mbit_per_s", round(bytes * 8 / secs / 1e6));
                r.put("frames_ratio", round(frames / Math.max(1, f1 - f0)));
                r.put("bytes_ratio", round(bytes / Math.max(1, b1 - b0)));
                r.put("srv_publishers", (long) sum(m1, protocol.publishersMetric(), ""));
                r.put("srv_rejected", (long) sum(m1, protocol.rejectedMetric(), ""));
                serverFigures(r, m0, m1, n);
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
            reported();
            stop = true;
        }
    }

    protected static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** The sum of every series of {@code name} whose labels contain {@code label} ("" for all). */
    protected static double sum(Map<String, Double> m, String name, String label) {
        double s = 0;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            String k = e.getKey();
            if ((k.equals(name) || k.startsWith(name + "{")) && k.contains(label)) {
                s += e.getValue();
            }
        }
        return s;
    }

    /** The window's LL-HLS edge figures: lag median and max, segments advanced. */
    private static void edgeFigures(Map<String, Object> r, List<Double> edgeLags, List<String> sampled,
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
    private static Map<String, Double> metrics(HttpClient http, int port) throws IOException, InterruptedException {
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
    private static double[] playlistEdge(HttpClient http, int port, String key) {
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
