package io.tributary.bench.srt;

import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.ingest.LoadGenerator;
import io.tributary.media.srt.SrtCaller;

import java.io.IOException;
import java.io.PrintWriter;
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
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The SRT load generator (its own JVM, pinned by the caller): N publishers on one selector
 * thread, each a {@link SrtCaller} on its own UDP socket replaying {@link TsClip} in real time
 * (timestamps continuing across loops), answering ACKs with ACKACKs and NAKs with
 * retransmissions. Publishers start over a ramp so their keyframes are spread. The monitor of
 * {@link LoadGenerator} measures one window after warm-up as for {@code IngestLoad}, waiting first
 * until the generator has caught up, and adds SRT's figures (retransmissions, losses, RTT).
 *
 * <p>With {@code --loss P} (0 too) each publisher goes through its own {@link LossRelay}; with
 * {@code --frame-log F} the send time (System.nanoTime, CLOCK_MONOTONIC: the same clock in
 * every process on the machine) of each video frame's first packet is written to F as
 * {@code key dtsMs nanos} lines, to be joined with the node's arrival times.
 */
public final class SrtLoad extends LoadGenerator {

    private TsClip clip;
    private final List<Pub> pubs = new ArrayList<>();
    private final List<LossRelay> relays = new ArrayList<>();
    private Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(2048);
    private final List<String> frameLog = new ArrayList<>();
    private boolean logFrames;

    private volatile long retransmitted;
    /** The largest lag since the monitor last reset it (the window's). */
    private volatile long windowMaxLagMs;
    // the monitor's own, at the window's start and end
    private long retransmitted0;
    private double srvSys0;
    private double srvSys1;

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
        super(opt, new Protocol("srt", HttpClient.Version.HTTP_1_1, "track=\"video\"", "tributary_srt_connections",
                "tributary_srt_rejected_total"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = BenchSupport.options(args);
        new SrtLoad(opt).run();
        System.exit(0);
    }

    void run() throws Exception {
        clip = TsClip.read(Path.of(opt("ts", null)));
        int port = Integer.parseInt(opt("srt-port", null));
        int n = publishers();
        long rampMs = rampMs(n);
        double loss = Double.parseDouble(opt("loss", "-1")); // 0: through a relay that drops nothing (the loss runs' reference)
        logFrames = hasOpt("frame-log");
        System.out.printf(Locale.ROOT, "clip: %d payloads, %d video frames, %.2f s per loop, %.0f kbit/s%n",
                clip.payloads(), clip.videoFramesPerLoop(), clip.seconds(), clip.bitRate() / 1e3);
        selector = Selector.open();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pubs.add(new Pub(key(i), t0 + rampMs * 1_000_000L * i / n));
        }
        measure(n, rampMs, () -> {
            try {
                loop(port, loss);
            } finally {
                for (LossRelay r : relays) {
                    r.close();
                }
            }
        });
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

    // ---------------------------------------------------------------- the monitor's window

    @Override
    protected void settle(Map<String, Object> r) throws InterruptedException {
        // a generator still catching up (its core is shared) would send faster than real time in the window
        long caughtUp = System.currentTimeMillis() + 10_000;
        while (maxLagMs > 100 && System.currentTimeMillis() < caughtUp) {
            Thread.sleep(50);
        }
        r.put("gen_lag_at_start_ms", maxLagMs);
    }

    @Override
    protected void windowStarts() {
        srvSys0 = systemSeconds(serverPid);
        windowMaxLagMs = 0;
        retransmitted0 = retransmitted;
    }

    @Override
    protected void windowEnds() {
        srvSys1 = systemSeconds(serverPid);
    }

    @Override
    protected long windowLagMs(long lagAtEnd) {
        return Math.max(lagAtEnd, windowMaxLagMs);
    }

    @Override
    protected void generatorFigures(Map<String, Object> r, double secs) {
        r.put("gen_retransmitted", retransmitted - retransmitted0);
        r.put("target_sys_pct", round((srvSys1 - srvSys0) / secs * 100));
    }

    @Override
    protected void serverFigures(Map<String, Object> r, Map<String, Double> m0, Map<String, Double> m1, int n) {
        r.put("srt_lost", (long) (sum(m1, "tributary_srt_packets_lost_total", "") - sum(m0, "tributary_srt_packets_lost_total", "")));
        r.put("srt_dropped", (long) (sum(m1, "tributary_srt_packets_dropped_total", "") - sum(m0, "tributary_srt_packets_dropped_total", "")));
        r.put("srt_retransmitted", (long) (sum(m1, "tributary_srt_packets_retransmitted_total", "")
                - sum(m0, "tributary_srt_packets_retransmitted_total", "")));
        r.put("srt_mean_rtt_ms", round(sum(m1, "tributary_srt_rtt_seconds", "") * 1000 / Math.max(1, n)));
    }

    @Override
    protected void reported() {
        try {
            Thread.sleep(Long.parseLong(opt("drain-ms", "0"))); // loss runs: let the last retransmissions through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
}
