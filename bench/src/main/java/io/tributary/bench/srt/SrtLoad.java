package io.tributary.bench.srt;

import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.ingest.IngestLoad;
import io.tributary.media.srt.SrtCaller;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The SRT load generator (its own JVM, pinned by the caller): N publishers on one selector
 * thread, each a {@link SrtCaller} on its own UDP socket replaying {@link TsClip} in real time
 * (timestamps continuing across loops), answering ACKs with ACKACKs and NAKs with
 * retransmissions. Publishers start over a ramp so their keyframes are spread. A monitor
 * thread measures one window after warm-up exactly as {@code IngestLoad} does (generator
 * counters, the server's /metrics and /proc CPU, LL-HLS playlist edges of three streams) and
 * prints one {@code RESULT k=v ...} line.
 *
 * <p>With {@code --loss P} (0 too) each publisher goes through its own {@link LossRelay}; with
 * {@code --frame-log F} the send time (System.nanoTime, CLOCK_MONOTONIC: the same clock in
 * every process on the machine) of each video frame's first packet is written to F as
 * {@code key dtsMs nanos} lines, to be joined with the node's arrival times.
 */
public final class SrtLoad {

    private final Map<String, String> opt;
    private TsClip clip;
    private final List<Pub> pubs = new ArrayList<>();
    private final List<LossRelay> relays = new ArrayList<>();
    private Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(2048);
    private final List<String> frameLog = new ArrayList<>();
    private boolean logFrames;

    private volatile long framesSent;
    private volatile long bytesSent;
    private volatile long retransmitted;
    private volatile int publishing;
    private volatile int dead;
    private volatile String firstFailure = "";
    private volatile boolean stop;
    private volatile long maxLagMs;
    /** The largest lag since the monitor last reset it (the window's). */
    private volatile long windowMaxLagMs;

    private static final class Pub {
        final String key;
        final long connectAt;
        DatagramChannel ch;
        SrtCaller caller;
        long mediaStart;
        long next; // payload index across loops
        boolean dead;

        Pub(String key, long connectAt) {
            this.key = key;
            this.connectAt = connectAt;
        }
    }

    SrtLoad(Map<String, String> opt) {
        this.opt = opt;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = BenchSupport.options(args);
        new SrtLoad(opt).run();
        System.exit(0);
    }

    private String opt(String k, String def) {
        String v = opt.get(k);
        if (v == null && def == null) {
            throw new IllegalArgumentException("--" + k + " is required");
        }
        return v != null ? v : def;
    }

    void run() throws Exception {
        clip = TsClip.read(Path.of(opt("ts", null)));
        int port = Integer.parseInt(opt("srt-port", null));
        int n = Integer.parseInt(opt("publishers", null));
        long rampMs = Long.parseLong(opt("ramp-ms", Long.toString(Math.min(10_000, 40L * n))));
        double loss = Double.parseDouble(opt("loss", "-1")); // 0: through a relay that drops nothing (the loss runs' reference)
        logFrames = opt.containsKey("frame-log");
        System.out.printf(Locale.ROOT, "clip: %d payloads, %d video frames, %.2f s per loop, %.0f kbit/s%n",
                clip.payloads(), clip.videoFramesPerLoop(), clip.seconds(), clip.bitRate() / 1e3);
        selector = Selector.open();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pubs.add(new Pub(opt("keys", "srt") + "-" + i, t0 + rampMs * 1_000_000L * i / n));
        }
        Thread monitor = new Thread(() -> monitor(n, rampMs), "monitor");
        monitor.setDaemon(true);
        monitor.start();
        try {
            loop(port, loss);
        } finally {
            for (LossRelay r : relays) {
                r.close();
            }
        }
        monitor.join(60_000);
        if (logFrames) {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(opt("frame-log", null))))) {
                frameLog.forEach(w::println);
            }
        }
    }

    private void loop(int port, double loss) throws Exception {
        int nextConnect = 0;
        double bytesPerNano = clip.bitRate() / 8 / 1e9;
        long hardEnd = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long nextTick = 0;
        int minLoop = 0;
        while (!stop && System.nanoTime() < hardEnd) {
            long now = System.nanoTime();
            while (nextConnect < pubs.size() && pubs.get(nextConnect).connectAt <= now) {
                connect(pubs.get(nextConnect++), port, loss);
            }
            long lag = 0;
            int live = 0;
            int lowest = Integer.MAX_VALUE;
            for (Pub p : pubs) {
                if (p.dead || p.caller == null || p.caller.state() != SrtCaller.State.CONNECTED) {
                    continue;
                }
                if (p.mediaStart == 0) {
                    p.mediaStart = now;
                }
                live++;
                long due = (long) ((now - p.mediaStart) * bytesPerNano / TsClip.PAYLOAD);
                int sent = 0;
                while (p.next <= due && sent < 64) {
                    send(p, now);
                    sent++;
                }
                lag = Math.max(lag, (long) ((due - p.next) * TsClip.PAYLOAD / bytesPerNano / 1e6));
                lowest = Math.min(lowest, (int) (p.next / clip.payloads()));
            }
            if (lowest != Integer.MAX_VALUE && lowest > minLoop) {
                minLoop = lowest;
                clip.forgetBefore(minLoop);
            }
            maxLagMs = lag;
            if (lag > windowMaxLagMs) {
                windowMaxLagMs = lag;
            }
            publishing = live;
            if (now >= nextTick) {
                nextTick = now + 50_000_000L; // handshake repeats and keepalives
                long us = now / 1000;
                for (Pub p : pubs) {
                    if (p.caller != null && !p.dead) {
                        writeAll(p, p.caller.tick(us));
                    }
                }
            }
            selector.select(1);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                read((Pub) k.attachment());
            }
        }
        long us = System.nanoTime() / 1000;
        for (Pub p : pubs) {
            if (p.ch != null) {
                if (p.caller.state() == SrtCaller.State.CONNECTED) {
                    write(p, p.caller.shutdown(us));
                }
                p.ch.close();
            }
        }
        selector.close();
    }

    private void connect(Pub p, int port, double loss) {
        try {
            int target = port;
            if (loss >= 0) {
                LossRelay r = new LossRelay(port, loss);
                relays.add(r);
                target = r.port();
            }
            p.ch = DatagramChannel.open();
            p.ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            p.ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
            p.ch.configureBlocking(false);
            p.ch.register(selector, SelectionKey.OP_READ, p);
            long us = System.nanoTime() / 1000;
            p.caller = new SrtCaller("live/" + p.key, Integer.parseInt(opt("latency-ms", "120")), null, 512, new Random(), us);
            write(p, p.caller.induction(us));
        } catch (Exception e) {
            kill(p, e.toString());
        }
    }

    private void send(Pub p, long now) {
        int loop = (int) (p.next / clip.payloads());
        int i = (int) (p.next % clip.payloads());
        byte[] b = clip.loop(loop);
        write(p, p.caller.data(b, i * TsClip.PAYLOAD, TsClip.PAYLOAD, now / 1000));
        p.next++;
        int frames = clip.videoStarts(i);
        if (frames > 0) {
            framesSent += frames;
            if (logFrames) {
                frameLog.add(p.key + " " + clip.videoDtsMs(loop, i) + " " + now);
            }
        }
        bytesSent += TsClip.PAYLOAD;
    }

    private void read(Pub p) {
        if (p.dead) {
            return;
        }
        try {
            while (true) {
                in.clear();
                if (p.ch.receive(in) == null) {
                    return;
                }
                long before = p.caller.retransmitted();
                writeAll(p, p.caller.receive(in.array(), 0, in.position(), System.nanoTime() / 1000));
                retransmitted += p.caller.retransmitted() - before;
                if (p.caller.state() == SrtCaller.State.REJECTED || p.caller.state() == SrtCaller.State.CLOSED) {
                    kill(p, "server " + (p.caller.state() == SrtCaller.State.REJECTED ? "rejected, reason " + p.caller.rejectReason()
                            : "shut the connection down"));
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            kill(p, e.toString());
        }
    }

    private void writeAll(Pub p, List<byte[]> datagrams) {
        for (byte[] d : datagrams) {
            write(p, d);
        }
    }

    private void write(Pub p, byte[] d) {
        try {
            p.ch.write(ByteBuffer.wrap(d));
        } catch (IOException e) {
            // ECONNREFUSED from an earlier datagram (no listener yet) or a full buffer: SRT repeats what matters
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
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            long rampEnd = System.currentTimeMillis() + rampMs + 15_000;
            while (publishing < n && dead == 0 && System.currentTimeMillis() < rampEnd) {
                Thread.sleep(100);
            }
            r.put("publishing_after_ramp", publishing);
            Thread.sleep(warmup * 1000L);
            // a generator still catching up (its core is shared) would send faster than real time in the window
            long caughtUp = System.currentTimeMillis() + 10_000;
            while (maxLagMs > 100 && System.currentTimeMillis() < caughtUp) {
                Thread.sleep(50);
            }
            r.put("gen_lag_at_start_ms", maxLagMs);
            var myOs = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            IngestLoad.metrics(http, httpPort);
            long fa = framesSent;
            long ba = bytesSent;
            long ta = System.nanoTime();
            Map<String, Double> m0 = IngestLoad.metrics(http, httpPort);
            long genCpu0 = myOs.getProcessCpuTime();
            double srvCpu0 = serverPid > 0 ? BenchSupport.processCpuSeconds(serverPid) : 0;
            double srvSys0 = systemSeconds(serverPid);
            windowMaxLagMs = 0;
            long[] core0 = BenchSupport.cpuJiffies(serverCpu);
            long w0 = (ta + System.nanoTime()) / 2;
            long f0 = (fa + framesSent) / 2;
            long b0 = (ba + bytesSent) / 2;
            long rx0 = retransmitted;

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
                if (System.nanoTime() < measureEnd - 500_000_000L) {
                    for (String key : sampled) {
                        double[] edge = IngestLoad.playlistEdge(http, httpPort, key);
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
            double srvSys1 = systemSeconds(serverPid);
            long genCpu1 = myOs.getProcessCpuTime();
            fa = framesSent;
            ba = bytesSent;
            ta = System.nanoTime();
            Map<String, Double> m1 = IngestLoad.metrics(http, httpPort);
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
            r.put("gen_max_lag_ms", Math.max(lagAtEnd, windowMaxLagMs));
            r.put("gen_retransmitted", retransmitted - rx0);
            r.put("target_cpu_pct", serverPid > 0 ? round((srvCpu1 - srvCpu0) / secs * 100) : Double.NaN);
            r.put("target_sys_pct", round((srvSys1 - srvSys0) / secs * 100));
            r.put("core_busy_pct", round(100.0 * (core1[0] - core0[0]) / Math.max(1, core1[1] - core0[1])));
            double frames = sum(m1, "tributary_ingest_frames_total", "track=\"video\"") - sum(m0, "tributary_ingest_frames_total", "track=\"video\"");
            double bytes = sum(m1, "tributary_ingest_bytes_total", "") - sum(m0, "tributary_ingest_bytes_total", "");
            r.put("srv_frames_per_s", round(frames / secs));
            r.put("srv_mbit_per_s", round(bytes * 8 / secs / 1e6));
            r.put("frames_ratio", round(frames / Math.max(1, f1 - f0)));
            r.put("bytes_ratio", round(bytes / Math.max(1, b1 - b0)));
            r.put("srv_publishers", (long) sum(m1, "tributary_srt_connections", ""));
            r.put("srv_rejected", (long) sum(m1, "tributary_srt_rejected_total", ""));
            r.put("srt_lost", (long) (sum(m1, "tributary_srt_packets_lost_total", "") - sum(m0, "tributary_srt_packets_lost_total", "")));
            r.put("srt_dropped", (long) (sum(m1, "tributary_srt_packets_dropped_total", "") - sum(m0, "tributary_srt_packets_dropped_total", "")));
            r.put("srt_retransmitted", (long) (sum(m1, "tributary_srt_packets_retransmitted_total", "")
                    - sum(m0, "tributary_srt_packets_retransmitted_total", "")));
            r.put("srt_mean_rtt_ms", round(sum(m1, "tributary_srt_rtt_seconds", "") * 1000 / Math.max(1, n)));
            IngestLoad.edgeFigures(r, edgeLags, sampled, firstMsn, lastMsn, playlistErrors);
        } catch (Exception e) {
            r.put("monitor_error", e.toString().replace(' ', '_'));
        } finally {
            r.put("first_failure", firstFailure.isEmpty() ? "-" : firstFailure.replaceAll("\\s+", "_"));
            StringBuilder b = new StringBuilder("RESULT");
            r.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            System.out.println(b);
            System.out.flush();
            try {
                Thread.sleep(Long.parseLong(opt("drain-ms", "0"))); // loss runs: let the last retransmissions through
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop = true;
        }
    }

    /** Kernel-mode CPU seconds of a process (stime), from /proc/PID/stat. */
    static double systemSeconds(long pid) {
        try {
            String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Long.parseLong(st.substring(st.lastIndexOf(')') + 2).split(" ")[12]) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double sum(Map<String, Double> m, String name, String label) {
        double s = 0;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            String k = e.getKey();
            if ((k.equals(name) || k.startsWith(name + "{")) && k.contains(label)) {
                s += e.getValue();
            }
        }
        return s;
    }

}
