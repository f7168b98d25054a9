package io.tributary.bench.srt;

import io.tributary.bench.ingest.BenchSupport;
import io.tributary.bench.ingest.FlvRecording;
import io.tributary.media.MediaEvent;
import io.tributary.media.srt.SrtCaller;
import io.tributary.media.srt.SrtConnection;
import io.tributary.media.srt.SrtListener;
import io.tributary.media.srt.SrtListenerSettings;
import io.tributary.media.srt.SrtPeer;
import io.tributary.media.ts.TsDemuxer;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * CPU per received SRT datagram on the receive path alone, sans-IO: N simulated callers
 * ({@link SrtCaller}, the benchmark's TS clip at its own bit rate) feed one {@link SrtListener}
 * on a simulated clock (1 ms steps, the listener ticked every 5 ms as the verticle does), every
 * delivered payload goes through a {@link TsDemuxer}; the callers answer ACKs and NAKs. Only the
 * listener's work is timed (thread CPU time around its receive and tick calls, and the bytes
 * they allocate), not the callers'. Sockets, Vert.x and the publication are not in it: this is
 * the part the node's SRT loop adds over RTMP's.
 *
 * <p>Before and after in one run: with {@code --before-rev REV} the srt/ and ts/ packages of
 * that git revision are compiled into bench/target and measured in child JVMs with those classes
 * first on the class path, alternated with children on this checkout's classes, with and
 * without 5 % loss (both directions). Writes {@code bench/results/srt-receive.md}.
 *
 * <p>Usage: {@code SrtReceiveBench [--before-rev REV] [--connections 200] [--warmup-s 5] [--measure-s 20]
 * [--rounds 2] [--loss 0,0.05] [--latency-ms 120] [--child-heap 512m] [--out bench/results/srt-receive.md]}
 */
public final class SrtReceiveBench {

    private static final int BASE_PORT = 20_000;
    private static final long TICK_MICROS = 5_000;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("measure")) {
            measureMain(args);
            return;
        }
        Map<String, String> opt = BenchSupport.options(args);
        Path root = BenchSupport.root();
        Path work = root.resolve("bench/work");
        Path ts = SrtIngestBench.remux(FlvRecording.ensure(work), work);
        int n = Integer.parseInt(opt.getOrDefault("connections", "200"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup-s", "5"));
        int measure = Integer.parseInt(opt.getOrDefault("measure-s", "20"));
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "2"));
        int latencyMs = Integer.parseInt(opt.getOrDefault("latency-ms", "120"));
        String heap = opt.getOrDefault("child-heap", "512m"); // the callers' retransmission histories live there too
        String rev = opt.get("before-rev");
        Path out = root.resolve(opt.getOrDefault("out", "bench/results/srt-receive.md"));
        String head = BenchSupport.run("git", "-C", root.toString(), "rev-parse", "--short", "HEAD").trim();
        String dirty = BenchSupport.run("git", "-C", root.toString(), "status", "--porcelain", "--", "media-native/src/main").isBlank()
                ? "" : " (with uncommitted changes)";
        Path before = rev == null ? null : compileRevision(root, rev);
        String started = BenchSupport.now();
        List<String> lossList = List.of(opt.getOrDefault("loss", "0,0.05").split(","));
        Map<String, List<Map<String, String>>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (String loss : lossList) {
                // alternate which goes first, so a drift in the machine's load does not favour one
                List<String> order = before == null ? List.of("after") : round % 2 == 0 ? List.of("before", "after") : List.of("after", "before");
                for (String which : order) {
                    String cp = (which.equals("before") ? before + ":" : "") + BenchSupport.classpath();
                    List<String> cmd = List.of(BenchSupport.javaBin(), "-XX:+UseSerialGC", "-Xms" + heap, "-Xmx" + heap, "-cp", cp,
                            SrtReceiveBench.class.getName(), "measure", ts.toString(), Integer.toString(n), Integer.toString(warmup),
                            Integer.toString(measure), loss, "7", Integer.toString(latencyMs));
                    Map<String, String> r = BenchSupport.runStep(cmd, which + " loss " + loss + " round " + (round + 1));
                    results.computeIfAbsent(which + "|" + loss, k -> new ArrayList<>()).add(r);
                }
            }
        }
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        StringBuilder b = new StringBuilder();
        b.append("# SRT receive path: CPU per received datagram, sans-IO, before and after\n\n");
        b.append("Run `bench/run.sh srt-receive --before-rev ").append(rev == null ? "REV" : rev)
                .append("` (main class `io.tributary.bench.srt.SrtReceiveBench`).\n\n");
        b.append("## Machine and run\n\n").append(BenchSupport.machine());
        b.append("- started: ").append(started).append(", finished: ").append(BenchSupport.now()).append('\n');
        b.append("- load average at the end: ").append(load).append('\n');
        b.append("- after: this checkout, ").append(head).append(dirty).append("; before: the srt/ and ts/ packages of ")
                .append(rev == null ? "(none)" : rev).append(", compiled into bench/target/srt-receive-before\n");
        b.append(String.format(Locale.ROOT, "- %d simulated callers replaying the SRT benchmark's TS clip (2.7 Mbit/s with TS overhead, "
                + "1316-byte payloads), latency %d ms, %d s warm-up then %d s measured on a simulated clock in 1 ms steps, the listener "
                + "ticked every 5 ms; each child JVM -XX:+UseSerialGC -Xmx%s; %d rounds, before and after alternated%n", n, latencyMs,
                warmup, measure, heap, rounds));
        b.append("- timed: the listener's receive and tick calls (thread CPU time, `getCurrentThreadCpuTime`), which include the "
                + "TS demuxer of every delivered payload; not timed: the simulated callers, making the datagrams\n");
        b.append("- per datagram = over every datagram the listener was given (data, retransmissions, ACKACKs, keepalives)\n\n");
        b.append("| loss | code | datagrams / s (sim) | receive ns per datagram (rounds) | tick µs per tick | "
                + "receive path ns per datagram | bytes allocated per datagram | delivered / sent | dropped too late | after / before |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (String loss : lossList) {
            double beforeNs = Double.NaN;
            for (String which : List.of("before", "after")) {
                List<Map<String, String>> rs = results.get(which + "|" + loss);
                if (rs == null) {
                    continue;
                }
                double path = median(rs, "path_ns_per_datagram");
                if (which.equals("before")) {
                    beforeNs = path;
                }
                Map<String, String> last = rs.get(rs.size() - 1);
                b.append(String.format(Locale.ROOT, "| %s %% | %s | %s | %s | %.2f | **%.0f** | %.0f | %s | %s | %s |%n",
                        String.format(Locale.ROOT, "%.0f", Double.parseDouble(loss) * 100), which, last.getOrDefault("datagrams_per_s", "?"),
                        join(rs, "receive_ns_per_datagram"), median(rs, "tick_us") , path, median(rs, "alloc_bytes_per_datagram"),
                        last.getOrDefault("delivered_ratio", "?"), last.getOrDefault("dropped_too_late", "?"),
                        which.equals("after") && !Double.isNaN(beforeNs) ? String.format(Locale.ROOT, "%.2f", path / beforeNs) : ""));
            }
        }
        b.append("\nA sans-IO figure: it leaves out the kernel's receive and send, Netty, Vert.x and the publication, which the "
                + "200-publisher run of `bench/run.sh srt` (results/srt-ingest.md) includes.\n");
        Files.writeString(out, b.toString());
        System.out.println(b);
    }

    private static double median(List<Map<String, String>> rs, String key) {
        double[] v = rs.stream().mapToDouble(r -> Double.parseDouble(r.getOrDefault(key, "NaN"))).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String join(List<Map<String, String>> rs, String key) {
        List<String> v = new ArrayList<>();
        for (Map<String, String> r : rs) {
            v.add(r.getOrDefault(key, "?"));
        }
        return String.join(", ", v);
    }

    /** The srt/ and ts/ packages of {@code rev}, compiled against this checkout's other classes; gives the class directory. */
    private static Path compileRevision(Path root, String rev) throws IOException {
        Path dir = root.resolve("bench/target/srt-receive-before");
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        for (Path d : List.of(src, classes)) {
            if (Files.exists(d)) {
                try (var s = Files.walk(d)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(d);
        }
        List<String> files = new ArrayList<>();
        for (String pkg : List.of("srt", "ts")) {
            String listing = BenchSupport.run("git", "-C", root.toString(), "ls-tree", "-r", "--name-only", rev,
                    "media-native/src/main/java/io/tributary/media/" + pkg + "/");
            for (String f : listing.split("\n")) {
                if (!f.endsWith(".java")) {
                    continue;
                }
                Path to = src.resolve(f);
                Files.createDirectories(to.getParent());
                Process p = new ProcessBuilder("git", "-C", root.toString(), "show", rev + ":" + f).redirectOutput(to.toFile()).start();
                try {
                    if (p.waitFor() != 0) {
                        throw new IOException("git show " + rev + ":" + f + " failed");
                    }
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                files.add(to.toString());
            }
        }
        if (files.isEmpty()) {
            throw new IOException("no srt/ or ts/ sources at " + rev);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> argv = new ArrayList<>(List.of("-nowarn", "-d", classes.toString(), "-cp", BenchSupport.classpath()));
        argv.addAll(files);
        if (javac.run(null, null, null, argv.toArray(String[]::new)) != 0) {
            throw new IOException("compiling " + rev + "'s srt/ and ts/ failed");
        }
        System.out.println("before: " + files.size() + " sources of " + rev + " compiled into " + classes);
        return classes;
    }

    // ---- one measurement (a child JVM) ----

    private static void measureMain(String[] a) throws Exception {
        TsClip clip = TsClip.read(Path.of(a[1]));
        Sim sim = new Sim(clip, Integer.parseInt(a[2]), Double.parseDouble(a[5]), Long.parseLong(a[6]),
                a.length > 7 ? Integer.parseInt(a[7]) : 120);
        sim.connect();
        sim.run(Integer.parseInt(a[3]) * 1000, false);
        sim.run(Integer.parseInt(a[4]) * 1000, true);
        System.out.println("RESULT " + sim.result(Integer.parseInt(a[4])));
    }

    /** Callers and one listener on a simulated network and clock. */
    private static final class Sim implements SrtListener.Output {

        private final TsClip clip;
        private final double loss;
        private final Random random;
        private final SrtListener listener;
        private final SrtCaller[] callers;
        private final SrtPeer[] peers;
        private final long[] sent;
        private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        /** Caller index and datagram, each way. */
        private List<Object[]> toListener = new ArrayList<>();
        private final List<Object[]> toCallers = new ArrayList<>();
        private final List<SrtConnection> connecting = new ArrayList<>();
        private long now = 1_000_000_000_000L;
        private long mediaStart;
        private boolean measuring;
        private long datagrams;
        private long receiveNanos;
        private long tickNanos;
        private long ticks;
        private long allocated;
        private long payloadsSent;
        private long payloadsDelivered;
        private long samples;
        private long closed;

        Sim(TsClip clip, int n, double loss, long seed, int latencyMs) {
            this.clip = clip;
            this.loss = loss;
            this.random = new Random(seed);
            this.listener = new SrtListener(new SrtListenerSettings(latencyMs, 100_000, 5_000_000, 8192, 0, 100_000,
                    SrtListenerSettings.DEFAULT_MAX_HELD_BYTES), key -> null, this, new Random(seed));
            this.callers = new SrtCaller[n];
            this.peers = new SrtPeer[n];
            this.sent = new long[n];
            for (int i = 0; i < n; i++) {
                // the caller's history covers the latency: a NAK can always be answered
                callers[i] = new SrtCaller("live/bench" + i, latencyMs, null, Math.max(1024, latencyMs * 2), new Random(seed + i), now);
                peers[i] = new SrtPeer("10.1." + (i / 250) + "." + (i % 250 + 1), BASE_PORT + i);
            }
        }

        void connect() {
            for (int i = 0; i < callers.length; i++) {
                toListener.add(new Object[]{i, callers[i].induction(now)});
            }
            for (int step = 0; step < 50 && connected() < callers.length; step++) {
                exchange();
                now += 1000;
            }
            if (connected() < callers.length) {
                throw new IllegalStateException("only " + connected() + " of " + callers.length + " callers connected");
            }
            mediaStart = now;
        }

        /** Loss once media flows (the handshakes are not what is measured). */
        private boolean lossy() {
            return loss > 0 && mediaStart != 0;
        }

        private int connected() {
            int c = 0;
            for (SrtCaller caller : callers) {
                c += caller.state() == SrtCaller.State.CONNECTED ? 1 : 0;
            }
            return c;
        }

        /** Runs {@code steps} ms of media; timed when {@code measure}. */
        void run(int steps, boolean measure) {
            measuring = measure;
            double payloadsPerMicro = clip.bitRate() / 8 / 1e6 / TsClip.PAYLOAD;
            for (int s = 0; s < steps; s++) {
                now += 1000;
                for (int i = 0; i < callers.length; i++) {
                    // callers start spread over a second, so their keyframes and packets are not in step
                    long t = now - mediaStart - (1_000_000L * i / callers.length);
                    long due = t < 0 ? -1 : (long) (t * payloadsPerMicro);
                    while (sent[i] <= due) {
                        int loop = (int) (sent[i] / clip.payloads());
                        int k = (int) (sent[i] % clip.payloads());
                        toListener.add(new Object[]{i, callers[i].data(clip.loop(loop), k * TsClip.PAYLOAD, TsClip.PAYLOAD, now)});
                        sent[i]++;
                        if (measuring) {
                            payloadsSent++;
                        }
                    }
                }
                exchange();
                if (s % 1000 == 0) {
                    long lowest = Long.MAX_VALUE;
                    for (long x : sent) {
                        lowest = Math.min(lowest, x);
                    }
                    clip.forgetBefore((int) (lowest / clip.payloads()));
                }
            }
        }

        /** Delivers this step's datagrams to the listener (timed), ticks it, then lets the callers answer (not timed). */
        private void exchange() {
            List<Object[]> batch = toListener;
            toListener = new ArrayList<>();
            SrtPeer[] from = new SrtPeer[batch.size()];
            byte[][] copies = new byte[batch.size()][];
            int m = 0;
            for (Object[] d : batch) {
                byte[] datagram = (byte[]) d[1];
                if (lossy() && random.nextDouble() < loss) {
                    continue;
                }
                from[m] = peers[(int) d[0]];
                copies[m++] = datagram.clone(); // as the verticle hands over a fresh array per datagram
            }
            long cpu0 = threads.getCurrentThreadCpuTime();
            long alloc0 = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < m; i++) {
                listener.receiveOwned(from[i], copies[i], 0, copies[i].length, now);
            }
            long cpu1 = threads.getCurrentThreadCpuTime();
            boolean tick = now % TICK_MICROS == 0;
            if (tick) {
                listener.tick(now);
            }
            long cpu2 = threads.getCurrentThreadCpuTime();
            long alloc1 = threads.getCurrentThreadAllocatedBytes();
            if (measuring) {
                datagrams += m;
                receiveNanos += cpu1 - cpu0;
                tickNanos += cpu2 - cpu1;
                ticks += tick ? 1 : 0;
                allocated += alloc1 - alloc0;
            }
            for (SrtConnection c : connecting) {
                c.attach(new TsDemuxer());
                listener.accept(c, now);
            }
            connecting.clear();
            for (Object[] d : toCallers) {
                if (lossy() && random.nextDouble() < loss) {
                    continue;
                }
                int i = (int) d[0];
                byte[] datagram = (byte[]) d[1];
                for (byte[] answer : callers[i].receive(datagram, 0, datagram.length, now)) {
                    toListener.add(new Object[]{i, answer});
                }
            }
            toCallers.clear();
        }

        String result(int seconds) {
            return String.format(Locale.ROOT, "datagrams=%d datagrams_per_s=%d receive_ns_per_datagram=%.0f tick_us=%.2f "
                            + "path_ns_per_datagram=%.0f alloc_bytes_per_datagram=%.0f delivered_ratio=%.4f samples=%d "
                            + "dropped_too_late=%d closed=%d connections=%d",
                    datagrams, datagrams / seconds, receiveNanos / (double) datagrams, tickNanos / 1e3 / ticks,
                    (receiveNanos + tickNanos) / (double) datagrams, allocated / (double) datagrams,
                    payloadsDelivered / (double) payloadsSent, samples, droppedTooLate(), closed, listener.connections());
        }

        private long droppedTooLate() {
            long n = 0;
            for (SrtConnection c : listener.all()) {
                n += c.stats().droppedTooLate();
            }
            return n;
        }

        // ---- SrtListener.Output ----

        @Override
        public void send(SrtPeer peer, byte[] datagram) {
            toCallers.add(new Object[]{peer.port() - BASE_PORT, datagram});
        }

        @Override
        public void connecting(SrtConnection connection) {
            connecting.add(connection);
        }

        @Override
        public void delivered(SrtConnection connection, byte[] payload) {
            delivered(connection, payload, 0, payload.length);
        }

        @Override
        public void delivered(SrtConnection connection, byte[] buf, int off, int len) {
            if (measuring) {
                payloadsDelivered++;
            }
            if (connection.attachment() instanceof TsDemuxer demuxer) {
                for (MediaEvent e : demuxer.feed(buf, off, len)) {
                    if (e instanceof MediaEvent.Sample) {
                        samples++;
                    }
                }
            }
        }

        @Override
        public void closed(SrtConnection connection, String reason) {
            closed++;
        }
    }
}
