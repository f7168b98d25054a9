package io.tributary.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates for 127.0.0.1 and localhost, made by the openssl command line (as an
 * operator would), and the JDK trust that accepts exactly one of them.
 */
public final class TestCertificates {

    /** A PEM certificate and its key. */
    public record Pair(Path cert, Path key) {

        public X509Certificate x509() {
            try (InputStream in = Files.newInputStream(cert)) {
                return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** A client context trusting this certificate only. */
        public SSLContext trustingOnly() {
            try {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                ks.setCertificateEntry("node", x509());
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), null);
                return ctx;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private TestCertificates() {
    }

    /** A new P-256 key and a certificate for CN {@code name}, SAN 127.0.0.1 and localhost, in {@code dir}. */
    public static Pair create(Path dir, String name) {
        return create(dir, name, "IP:127.0.0.1,DNS:localhost");
    }

    /** As {@link #create(Path, String)} with the given subjectAltName entries ({@code DNS:localhost}, ...). */
    public static Pair create(Path dir, String name, String subjectAltNames) {
        Path openssl = Tools.require("apt-get install openssl", "openssl");
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        try {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder(openssl.toString(), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=" + subjectAltNames,
                    "-keyout", key.toString(), "-out", cert.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl failed: " + Files.readString(dir.resolve(name + ".log")));
            }
            return new Pair(cert, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
