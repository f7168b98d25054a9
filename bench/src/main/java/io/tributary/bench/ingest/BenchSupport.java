package io.tributary.bench.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Machine description, child processes and small helpers shared by the ingest and player benchmarks. */
public final class BenchSupport {

    /** Shared with the other benchmarks: every measurement phase runs under flock(1) on this file. */
    public static final String LOCK = "/tmp/tributary-bench.lock";

    private BenchSupport() {
    }

    /** The repository root: the working directory or a parent holding bench/pom.xml. */
    /** {@code --name value} pairs, in order (a lone trailing flag is ignored). */
    public static Map<String, String> options(String[] args) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return opt;
    }

    /**
     * The environment of an in-process lab node: loopback listeners, the origin role, its data under
     * {@code dataDir}, no accounts, gRPC and SRT on any free port. Benchmarks add their own keys.
     */
    public static Map<String, String> labNode(Path dataDir) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_SRT_HOST", "127.0.0.1");
        env.put("TRIBUTARY_SRT_PORT", "0");
        env.put("TRIBUTARY_ROLES", "origin");
        env.put("TRIBUTARY_DATA_DIR", dataDir.toString());
        env.put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port, not 50051
        env.put("TRIBUTARY_AUTH_ENABLED", "false");
        return env;
    }

    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isRegularFile(q.resolve("bench/pom.xml"))) {
                return q;
            }
        }
        throw new IllegalStateException("run from the repository (no bench/pom.xml above " + p + ")");
    }

    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static String classpath() {
        return System.getProperty("java.class.path");
    }

    public static String now() {
        return ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** nproc, CPU model, memory and JDK, as markdown list lines. */
    public static String machine() {
        String cpu = "?";
        long memKb = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "- nproc: " + Runtime.getRuntime().availableProcessors() + " (this JVM's view; " + run("nproc").trim() + " from nproc)\n"
                + "- CPU: " + cpu + "\n"
                + String.format("- memory: %.1f GiB%n", memKb / 1024.0 / 1024.0)
                + "- JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + "\n"
                + "- OS: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + "\n";
    }

    /** Runs a short command and returns its standard output (empty on failure). */
    public static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    public static void waitForPort(int port, long timeoutMs, Process owner) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            if (owner != null && !owner.isAlive()) {
                throw new IllegalStateException("process exited with " + owner.exitValue() + " before opening port " + port);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("port " + port + " not open after " + timeoutMs + " ms");
    }

    /** Stops a child process: SIGTERM, then SIGKILL after a grace period. */
    public static void stop(Process p, long graceMs) throws InterruptedException {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        if (!p.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The command prefixed with flock on {@link #LOCK}, so it never overlaps another benchmark's phase. */
    public static List<String> locked(List<String> cmd) {
        List<String> all = new ArrayList<>(List.of("flock", LOCK));
        all.addAll(cmd);
        return all;
    }

    /**
     * Runs a benchmark step as a child process under {@link #locked flock}, echoing its output with {@code label},
     * and gives its {@code RESULT k=v ...} line as a map ({@code error} when it printed none).
     */
    public static Map<String, String> runStep(List<String> cmd, String label) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(locked(cmd)).redirectErrorStream(true).start();
        Map<String, String> r = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                System.out.println("  [" + label + "] " + line);
                if (line.startsWith("RESULT ")) {
                    for (String kv : line.substring(7).split(" ")) {
                        int eq = kv.indexOf('=');
                        if (eq > 0) {
                            r.put(kv.substring(0, eq), kv.substring(eq + 1));
                        }
                    }
                }
            }
        }
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        if (r.isEmpty()) {
            r.put("error", "step_produced_no_result");
        }
        return r;
    }

    /** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
    public static double processCpuSeconds(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(3) ... utime(14) stime(15), 1-based in proc(5)
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** {busy, total} jiffies of one CPU from /proc/stat (busy excludes idle and iowait). */
    public static long[] cpuJiffies(int cpu) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/stat"))) {
                if (l.startsWith("cpu" + cpu + " ")) {
                    String[] f = l.trim().split("\\s+");
                    long total = 0;
                    for (int i = 1; i < f.length && i <= 8; i++) {
                        total += Long.parseLong(f[i]);
                    }
                    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                    return new long[]{total - idle, total};
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new long[]{0, 1};
    }

    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
