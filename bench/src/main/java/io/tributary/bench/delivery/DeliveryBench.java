package io.tributary.bench.delivery;

import io.tributary.bench.support.Wrk;
import io.tributary.bench.support.BenchLock;
import io.tributary.bench.support.EncodedMedia;
import io.tributary.bench.support.Machine;
import io.tributary.bench.support.Report;
import io.tributary.bench.support.RtmpPush;
import io.tributary.bench.support.ServerProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.bench.support.Report.f;

/**
 * Cached-object throughput: wrk against Tributary (a ~1 MB segment and the media playlist,
 * served from memory) and against nginx serving the very same bytes from disk with
 * sendfile, same machine, same run, same wrk parameters.
 *
 * <p>With {@code tls}: the same over HTTPS, both servers with one self-signed certificate (made by
 * openssl) and TLS 1.3 only, Tributary's default; results in {@code delivery-tls.md}.
 *
 * <p>Args: [wrk seconds (default 15)] [connections (default 64)] [tls]
 */
public final class DeliveryBench {

    private static final String KEY = "dlv";
    private static final Pattern SEG = Pattern.compile("^(seg-(\\d+)\\.m4s)$", Pattern.MULTILINE);

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        boolean tls = args.length > 2 && args[2].equals("tls");
        int warmup = 5;
        int cores = Runtime.getRuntime().availableProcessors();
        // ~4.2 Mbit/s CBR (x264 filler keeps the rate up on a simple pattern): 2 s segments of ~1 MB
        EncodedMedia media = EncodedMedia.encode(1280, 720, 30, 60, true,
                "nal-hrd=cbr:bitrate=4200:vbv-maxrate=4200:vbv-bufsize=4200", 9);

        Report r = new Report("Delivery" + (tls ? " over HTTPS (TLS 1.3)" : "") + ": cached segment and media playlist, Tributary vs nginx");
        r.section("Machine").line(Machine.describe());
        Path work = ServerProcess.root().resolve("bench/target/delivery-nginx");
        Path certs = ServerProcess.root().resolve("bench/target/delivery-tls");
        Map<String, String> env = new java.util.HashMap<>(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none")); // the source alone
        if (tls) {
            selfSigned(certs);
            env.put("TRIBUTARY_TLS_CERT", certs.resolve("tls.crt").toString());
            env.put("TRIBUTARY_TLS_KEY", certs.resolve("tls.key").toString());
        }
        Path docroot = work.resolve("root");
        Wrk tSeg;
        Wrk nSeg;
        Wrk tPl;
        Wrk nPl;
        int segSize;
        int plSize;
        String segPath;
        String plPath = "/live/" + KEY + "/video/index.m3u8";
        try (BenchLock lock = BenchLock.acquire("delivery")) {
            try (ServerProcess server = ServerProcess.start("delivery", List.of("-Xmx2g"), env);
                 RtmpPush push = RtmpPush.publish(server.rtmpPort(), KEY, media)) {
                push.sendAll(media.samples());
                Thread.sleep(500);
                HttpClient http = server.client();
                byte[] playlist = get(http, server.httpUrl(plPath));
                String text = new String(playlist);
                // the largest complete segment
                Matcher m = SEG.matcher(text);
                String best = null;
                byte[] bestBytes = null;
                while (m.find()) {
                    byte[] b = get(http, server.httpUrl("/live/" + KEY + "/video/" + m.group(1)));
                    if (bestBytes == null || b.length > bestBytes.length) {
                        best = m.group(1);
                        bestBytes = b;
                    }
                }
                if (best == null) {
                    throw new IllegalStateException("no complete segment in\n" + text);
                }
                segPath = "/live/" + KEY + "/video/" + best;
                segSize = bestBytes.length;
                plSize = playlist.length;
                System.out.println("[delivery] segment " + segPath + " " + segSize + " bytes; playlist " + plSize + " bytes");
                // the same bytes for nginx
                deleteTree(work);
                Files.createDirectories(docroot.resolve("live/" + KEY + "/video"));
                Files.createDirectories(work.resolve("tmp"));
                Files.write(docroot.resolve(segPath.substring(1)), bestBytes);
                Files.write(docroot.resolve(plPath.substring(1)), playlist);

                // keep the publisher from idling out (30 s RTMP idle timeout) without changing the media
                Thread keepAlive = new Thread(() -> {
                    try {
                        while (true) {
                            Thread.sleep(10_000);
                            push.sendMetaData(Map.of("framerate", 30.0));
                        }
                    } catch (InterruptedException | RuntimeException e) {
                        // stop
                    }
                }, "keepalive");
                keepAlive.setDaemon(true);
                keepAlive.start();

                tSeg = wrk(server.httpUrl(segPath), conns, warmup, seconds, server.pid());
                tPl = wrk(server.httpUrl(plPath), conns, warmup, seconds, server.pid());
                // the objects did not change under load
                if (!java.util.Arrays.equals(get(http, server.httpUrl(plPath)), playlist)) {
                    System.out.println("[delivery] WARNING: the playlist changed during the run");
                }
                keepAlive.interrupt();
            }
            int port = ServerProcess.freePort();
            String conf = Files.readString(ServerProcess.root().resolve("bench/nginx/nginx.conf"))
                    .replace("WORKERS", Integer.toString(cores)).replace("PORT", Integer.toString(port))
                    .replace("PREFIX", work.toString()).replace("ROOT", docroot.toString());
            if (tls) {
                // the same certificate, TLS 1.3 only, as Tributary; session cache as a production nginx has
                conf = conf.replace("listen 127.0.0.1:" + port + ";", "listen 127.0.0.1:" + port + " ssl;")
                        .replace("# TLS_SETTINGS", "ssl_certificate " + certs.resolve("tls.crt") + ";\n        ssl_certificate_key "
                                + certs.resolve("tls.key") + ";\n        ssl_protocols TLSv1.3;\n        ssl_session_cache shared:SSL:10m;");
            }
            Path confFile = work.resolve("nginx.conf");
            Files.writeString(confFile, conf);
            Process nginx = new ProcessBuilder("nginx", "-p", work.toString(), "-c", confFile.toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("nginx.out").toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(nginx::destroyForcibly));
            try {
                String base = (tls ? "https" : "http") + "://127.0.0.1:" + port;
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .sslContext(ServerProcess.trustingAny()).build();
                awaitUp(http, base + plPath);
                if (get(http, base + segPath).length != segSize) {
                    throw new IllegalStateException("nginx serves a different segment");
                }
                nSeg = wrk(base + segPath, conns, warmup, seconds, nginx.pid());
                nPl = wrk(base + plPath, conns, warmup, seconds, nginx.pid());
            } finally {
                nginx.destroy();
                nginx.waitFor(10, TimeUnit.SECONDS);
                nginx.destroyForcibly();
            }
        }

        r.section("Parameters");
        r.line(f("- media: pre-encoded 1280x720 @ 30 fps H.264 (x264 CBR 4.2 Mbit/s with filler) + AAC, GOP 2 s, %.0f s published as fast as possible, then the publisher stays connected and idle (an `onMetaData` every 10 s keeps RTMP from idling out; it changes no media)", media.seconds()));
        r.line(f("- objects: `%s` (%d bytes, the largest complete segment) and `%s` (%d bytes, plain: wrk sends no Accept-Encoding)", segPath, segSize, plPath, plSize));
        r.line(f("- load: `wrk -t1 -c%d -d%ds --latency` after a %d s warm-up run with the same parameters; loopback; wrk shares the %d cores with the server under test", conns, seconds, warmup, cores));
        r.line("- Tributary: `verticles/target/tributary.jar` in its own JVM (`-Xmx2g`), default config but `transcode.ladder: none` (the source alone): `http.instances` 0 = one delivery verticle (event loop) per core = " + cores);
        r.line("- nginx " + nginxVersion() + ": `bench/nginx/nginx.conf`, `worker_processes " + cores + "` (one per core, as Tributary), `sendfile on`, `tcp_nopush on`, `access_log off`, the same bytes copied to a docroot on local disk (page cache)");
        r.line("- server CPU = user+system seconds of the server process(es) during the measured run / run length (from /proc)");
        r.section("Results");
        r.line("| object | server | requests/s | transfer/s (wrk, incl. headers) | body MB/s | p50 latency | p99 latency | errors | server CPU (cores) | requests per server CPU-s |");
        r.line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        row(r, "segment " + segSize + " B", "Tributary", tSeg, segSize);
        row(r, "segment " + segSize + " B", "nginx", nSeg, segSize);
        row(r, "playlist " + plSize + " B", "Tributary", tPl, plSize);
        row(r, "playlist " + plSize + " B", "nginx", nPl, plSize);
        r.section("Summary");
        r.line("| object | Tributary req/s | nginx req/s (reference) | ratio | target | result |");
        r.line("|---|---:|---:|---:|---:|---|");
        sum(r, "segment (" + segSize + " B)", tSeg, nSeg);
        sum(r, "media playlist (" + plSize + " B)", tPl, nPl);
        if (tls) {
            r.line("");
            r.line("HTTPS: one self-signed P-256 certificate (openssl) for both servers, TLS 1.3 only (Tributary's default `tls.protocols`, nginx `ssl_protocols TLSv1.3`); wrk keeps its connections, so the figures are bulk encryption more than handshakes. Tributary encrypts with BoringSSL through netty-tcnative (`tls.engine: auto`; the node logs `OpenSSLEngineOptions`), nginx with OpenSSL " + opensslVersion() + ".");
        }
        r.write(ServerProcess.root().resolve(tls ? "bench/results/delivery-tls.md" : "bench/results/delivery.md"));
        System.exit(0);
    }

    private static void row(Report r, String obj, String srv, Wrk w, int size) {
        r.line(f("| %s | %s | %.0f | %.1f MB/s | %.1f | %s | %s | %d | %.2f | %.0f |", obj, srv, w.rps(), w.transferBps() / 1e6,
                w.rps() * size / 1e6, w.p50(), w.p99(), w.errors(), w.cores(), w.requests() / Math.max(1e-9, w.serverCpu())));
    }

    private static void sum(Report r, String obj, Wrk t, Wrk n) {
        double ratio = t.rps() / n.rps();
        boolean ok = ratio >= 0.9 && t.errors() == 0;
        r.line(f("| %s | %.0f | %.0f | %.2f | ≥ 0.90 | %s |", obj, t.rps(), n.rps(), ratio, ok ? "PASS" : "FAIL"));
    }

    private static Wrk wrk(String url, int conns, int warmup, int seconds, long pid) throws Exception {
        return Wrk.run(url, conns, warmup, seconds, pid);
    }

    private static byte[] get(HttpClient http, String url) throws Exception {
        HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 200) {
            throw new IllegalStateException(url + " -> " + res.statusCode() + " " + new String(res.body()));
        }
        return res.body();
    }

    private static void awaitUp(HttpClient http, String url) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                get(http, url);
                return;
            } catch (Exception e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("nginx did not come up: " + url);
    }

    /** A self-signed certificate for 127.0.0.1 in {@code dir}: tls.crt and tls.key. */
    private static void selfSigned(Path dir) throws Exception {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", dir.resolve("tls.key").toString(), "-out", dir.resolve("tls.crt").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.out").toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl failed: " + Files.readString(dir.resolve("openssl.out")));
        }
    }

    private static String opensslVersion() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            return new String(p.getInputStream().readAllBytes()).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String nginxVersion() {
        try {
            Process p = new ProcessBuilder("nginx", "-v").redirectErrorStream(true).start();
            return new String(p.getInputStream().readAllBytes()).trim().replace("nginx version: ", "");
        } catch (IOException e) {
            return "?";
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
