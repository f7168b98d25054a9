package io.tributary.bench.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Tributary node in its own JVM ({@code verticles/target/tributary.jar}), so that its CPU
 * and heap are its own. Ports are picked free; output goes to {@code bench/target/NAME.log}.
 */
public final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final int httpPort;
    private final int rtmpPort;
    private final Path log;
    /** With {@code TRIBUTARY_TLS_CERT}: the server speaks HTTPS, checked by a client trusting any certificate. */
    private final boolean tls;

    private ServerProcess(Process process, int httpPort, int rtmpPort, Path log, boolean tls) {
        this.tls = tls;
        this.process = process;
        this.httpPort = httpPort;
        this.rtmpPort = rtmpPort;
        this.log = log;
    }

    public static Path root() {
        return Path.of(System.getProperty("tributary.root", ".")).toAbsolutePath().normalize();
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the jar with {@code env} on top of the ports and a private data dir; waits for /health. */
    public static ServerProcess start(String name, List<String> jvmArgs, Map<String, String> env) {
        Path jar = root().resolve("verticles/target/tributary.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with mvn -B install -DskipTests");
        }
        int http = freePort();
        int rtmp = freePort();
        Path target = root().resolve("bench/target");
        Path log = target.resolve(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("TRIBUTARY_HTTP_PORT", Integer.toString(http));
        pb.environment().put("TRIBUTARY_RTMP_PORT", Integer.toString(rtmp));
        pb.environment().put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
        pb.environment().put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
        // the edge and router roles (on by default) must not collide with another server's ports
        pb.environment().put("TRIBUTARY_EDGE_PORT", "0");
        pb.environment().put("TRIBUTARY_ROUTER_PORT", "0");
        pb.environment().put("TRIBUTARY_DATA_DIR", target.resolve(name + "-data").toString());
        // a lab node: the benchmarks' publishers use any key, with no account or publish secret
        // (a benchmark about auth passes its own settings in env, which win)
        pb.environment().put("TRIBUTARY_RTMP_STREAM_KEYS", "any");
        pb.environment().put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port, not 50051
        pb.environment().put("TRIBUTARY_AUTH_ENABLED", "false");
        pb.environment().putAll(env);
        try {
            Files.createDirectories(target);
            Process p = pb.start();
            ServerProcess sp = new ServerProcess(p, http, rtmp, log, env.containsKey("TRIBUTARY_TLS_CERT"));
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            sp.awaitHealthy(Duration.ofSeconds(30));
            System.out.println("[server] " + name + " pid " + p.pid() + " http " + http + " rtmp " + rtmp + " env " + env);
            return sp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitHealthy(Duration limit) {
        HttpClient c = client();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + ", see " + log);
            }
            try {
                HttpResponse<Void> r = c.send(HttpRequest.newBuilder(URI.create(httpUrl("/health")))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("server not healthy within " + limit + ", see " + log);
    }

    public long pid() {
        return process.pid();
    }

    public int httpPort() {
        return httpPort;
    }

    public String httpUrl(String path) {
        return (tls ? "https" : "http") + "://127.0.0.1:" + httpPort + path;
    }

    /** An HTTP/1.1 client for this server: over TLS, one that trusts any certificate (a benchmark on loopback). */
    public HttpClient client() {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (tls) {
            b.sslContext(trustingAny());
        }
        return b.build();
    }

    /** A TLS context that accepts any server certificate: only for the benchmark's own servers on loopback. */
    public static javax.net.ssl.SSLContext trustingAny() {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[]{new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String rtmpUrl(String key) {
        return "rtmp://127.0.0.1:" + rtmpPort + "/live/" + key;
    }

    public int rtmpPort() {
        return rtmpPort;
    }

    /** Process CPU time (user+system) in seconds, from /proc/PID/stat. */
    public double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            return ticks / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Runs jcmd against the server and returns its output. */
    public String jcmd(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(Long.toString(process.pid()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Heap used after a full GC, in bytes (jcmd GC.run, then GC.heap_info). */
    public long heapUsedAfterGc() {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("cannot read heap use from: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
