package io.tributary.ops;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;

/**
 * {@code java -jar tributary.jar probe [live|ready|drain] [--config FILE]}: asks the node running in
 * this container about itself, over HTTPS when its {@code tls.cert} is set, for a Docker HEALTHCHECK
 * and a Kubernetes preStop hook, where the image has no curl and bash's {@code /dev/tcp} speaks no
 * TLS. It reads the node's own configuration (the same file and {@code TRIBUTARY_*} variables) for
 * the port and the certificate, and trusts that certificate ({@code tls.trust}) on loopback, without
 * a host-name check: the name on a public certificate is not 127.0.0.1.
 *
 * <ul>
 *   <li>{@code live}: {@code GET /health/live} (200 drained or not)</li>
 *   <li>{@code ready}: {@code GET /health} (503 while draining or starting)</li>
 *   <li>{@code drain}: {@code POST /api/v1/node/drain} with the admin API key in {@code DRAIN_API_KEY},
 *       on the admin listener when there is one</li>
 * </ul>
 * Exit status: 0 a 2xx answer, 1 another answer, 2 no answer or a usage error.
 */
public final class NodeProbe {

    static final int TIMEOUT_MS = 4000;
    static final String USAGE = "usage: java -jar tributary.jar probe [live|ready|drain] [--config FILE]\n";

    private NodeProbe() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        String what = "live";
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "live", "ready", "drain" -> what = args[i];
                case "--config", "-c" -> {
                    if (++i >= args.length) {
                        err.print("probe: --config needs a file\n" + USAGE);
                        return 2;
                    }
                    configFile = Path.of(args[i]);
                }
                default -> {
                    err.print("probe: unknown argument '" + args[i] + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        TributaryConfig config;
        try {
            config = TributaryConfig.load(configFile, env);
        } catch (ConfigException e) {
            err.println("probe: " + e.getMessage());
            return 2;
        }
        boolean admin = what.equals("drain") && config.admin().enabled();
        String host = loopback(admin ? config.admin().host() : config.http().host());
        int port = admin ? config.admin().port() : config.http().port();
        String path = switch (what) {
            case "ready" -> "/health";
            case "drain" -> "/api/v1/node/drain";
            default -> "/health/live";
        };
        boolean tls = config.tls().enabled();
        URI uri = URI.create((tls ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path);
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            if (c instanceof HttpsURLConnection s) {
                s.setSSLSocketFactory(trusting(config.tls().trust()).getSocketFactory());
                s.setHostnameVerifier((name, session) -> true); // loopback: the certificate itself is what is checked
            }
            c.setConnectTimeout(TIMEOUT_MS);
            c.setReadTimeout(TIMEOUT_MS);
            if (what.equals("drain")) {
                c.setRequestMethod("POST");
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json"); // the API takes JSON writes only
                String key = env.get("DRAIN_API_KEY");
                if (key != null && !key.isBlank()) {
                    c.setRequestProperty("X-Api-Key", key.trim());
                }
                try (var body = c.getOutputStream()) {
                    body.write("{}".getBytes(StandardCharsets.US_ASCII));
                }
            }
            int status = c.getResponseCode();
            String body = read(status < 400 ? c.getInputStream() : c.getErrorStream());
            out.println(status + " " + uri + " " + body);
            return status / 100 == 2 ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            err.println("probe: no answer from " + uri + ": " + e);
            return 2;
        }
    }

    /** Where to reach a listener bound to {@code host} from inside the container. */
    static String loopback(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") ? "127.0.0.1" : host.equals("::") || host.equals("[::]") ? "::1" : host;
    }

    /** A client context trusting the certificates of {@code pem} (the node's own, or tls.trust's CA). */
    static SSLContext trusting(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("c" + n++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot trust " + pem + ": " + e.getMessage(), e);
        }
    }

    private static String read(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            byte[] b = in.readNBytes(300); // a status line's worth for the log
            return new String(b, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        }
    }
}
