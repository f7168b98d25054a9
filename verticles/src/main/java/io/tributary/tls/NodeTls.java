package io.tributary.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;

import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's certificate at work: the options every HTTPS listener, the RTMPS listener, the node's
 * own HTTP clients and the clustered event bus are built with, the HSTS header, and the reload of the
 * PEM files when they change on disk, pushed into the running servers ({@code updateSSLOptions}) with
 * no restart. A certificate and key that do not match (a half-finished copy) are not served: the
 * old pair stays until the files change again.
 *
 * <p>One per node, kept on its Vert.x ({@link #of}): the HTTP verticles, scaled in and out, and the
 * clients of every role find it there rather than through every module's constructor.
 */
public final class NodeTls implements Shareable {

    private static final Logger LOG = Logger.getLogger(NodeTls.class.getName());
    private static final String LOCAL_MAP = "tributary.tls";
    private static final CharSequence HSTS = io.vertx.core.http.HttpHeaders.createOptimized("Strict-Transport-Security");

    /** TLS off: plain HTTP and RTMP, options passed through untouched. */
    public static final NodeTls OFF = new NodeTls(TlsSettings.OFF, null);

    /** A server's way to take new SSL options (HttpServer and NetServer alike). */
    public interface Updatable {
        Future<Boolean> updateSSLOptions(ServerSSLOptions options);
    }

    private record Served(Updatable server, ServerSSLOptions base) {
    }

    /**
     * What the files were when last read, to tell a change without reading them: time, size and
     * file key (inode), so a same-size file renamed into place within the clock's resolution counts too.
     */
    private record Stamp(List<Object> cert, List<Object> key) {
        static Stamp of(Path cert, Path key) {
            try {
                return new Stamp(attributes(cert), attributes(key));
            } catch (IOException e) {
                return null; // mid-replacement: looked at again on the next tick
            }
        }

        private static List<Object> attributes(Path p) throws IOException {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return java.util.Arrays.asList(a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
        }
    }

    private final TlsSettings settings;
    private volatile PemKeyCertOptions keyCert;
    private final PemTrustOptions trust;
    private final Set<Served> served = new CopyOnWriteArraySet<>();
    private final CharSequence hstsValue;
    private volatile Stamp stamp;
    private long timer = -1;
    private Vertx vertx;
    private Counter reloaded;
    private Counter refused;

    private NodeTls(TlsSettings settings, PemKeyCertOptions keyCert) {
        this.settings = settings;
        this.keyCert = keyCert;
        this.trust = settings.enabled() ? new PemTrustOptions().addCertValue(read(settings.trust())) : null;
        this.hstsValue = io.vertx.core.http.HttpHeaders.createOptimized("max-age=" + settings.hstsMaxAge().toSeconds());
    }

    /** Reads the PEM files; fails with a message naming the key when they cannot serve. */
    public static NodeTls load(TlsSettings settings) {
        if (!settings.enabled()) {
            return OFF;
        }
        Stamp stamp = Stamp.of(settings.cert(), settings.key());
        PemKeyCertOptions pair = pair(settings);
        try {
            check(pair, null);
        } catch (Exception e) {
            throw new io.tributary.config.ConfigException("config keys 'tls.cert' and 'tls.key': " + e.getMessage());
        }
        NodeTls tls = new NodeTls(settings, pair);
        tls.stamp = stamp;
        return tls;
    }

    /** Keeps this TLS on {@code vertx} (for {@link #of}) and watches the files. */
    public NodeTls start(Vertx vertx, MeterRegistry meters) {
        if (!enabled()) {
            return this;
        }
        this.vertx = vertx;
        vertx.sharedData().getLocalMap(LOCAL_MAP).put("node", this);
        reloaded = Counter.builder("tributary_tls_reloads_total").tag("result", "served")
                .description("certificate changes on disk, by outcome: served, or refused (unreadable, or key and certificate differ)")
                .register(meters);
        refused = Counter.builder("tributary_tls_reloads_total").tag("result", "refused")
                .description("certificate changes on disk, by outcome: served, or refused (unreadable, or key and certificate differ)")
                .register(meters);
        timer = vertx.setPeriodic(settings.reloadInterval().toMillis(), id -> poll());
        LOG.info(this + ": HTTPS on every HTTP listener" + (settings.rtmpsPort() >= 0 ? ", RTMPS" : ""));
        return this;
    }

    /** The node's TLS on {@code vertx}; {@link #OFF} where none was started (plain nodes, tests of one verticle). */
    public static NodeTls of(Vertx vertx) {
        Object tls = vertx.sharedData().getLocalMap(LOCAL_MAP).get("node");
        return tls instanceof NodeTls t ? t : OFF;
    }

    public void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    public boolean enabled() {
        return settings.enabled();
    }

    public TlsSettings settings() {
        return settings;
    }

    /** The scheme of this node's HTTP URLs. */
    public String scheme() {
        return enabled() ? "https" : "http";
    }

    /** HTTPS on {@code o}: the certificate, the allowed TLS versions, ALPN offering h2 then HTTP/1.1. */
    public HttpServerOptions server(HttpServerOptions o) {
        if (!enabled()) {
            return o;
        }
        o.setSsl(true).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setKeyCertOptions(keyCert).setEnabledSecureTransportProtocols(settings.protocols())
                .setSslEngineOptions(settings.engineOptions());
        return o;
    }

    /** TLS on a TCP listener (RTMPS): the certificate and the allowed versions. */
    public NetServerOptions server(NetServerOptions o) {
        o.setSsl(true).setKeyCertOptions(keyCert).setEnabledSecureTransportProtocols(settings.protocols())
                .setSslEngineOptions(settings.engineOptions());
        return o;
    }

    /** The node's own client to other nodes: HTTPS URLs trusted by {@code tls.trust} only. */
    public HttpClientOptions client(HttpClientOptions o) {
        if (!enabled()) {
            return o;
        }
        o.setTrustOptions(trust).setVerifyHost(settings.verifyPeerHost())
                .setEnabledSecureTransportProtocols(settings.protocols()).setSslEngineOptions(settings.engineOptions());
        return o;
    }

    /**
     * The clustered event bus over mutual TLS: each node presents the certificate and accepts only
     * peers presenting one that {@code tls.trust} vouches for.
     */
    public EventBusOptions eventBus(EventBusOptions o) {
        if (!enabled()) {
            return o;
        }
        o.setSsl(true).setKeyCertOptions(keyCert).setTrustOptions(trust).setClientAuth(ClientAuth.REQUIRED)
                .setEnabledSecureTransportProtocols(settings.protocols()).setSslEngineOptions(settings.engineOptions());
        return o;
    }

    /** Strict-Transport-Security on every HTTPS response (first handler of every router). */
    public Handler<RoutingContext> hsts() {
        return ctx -> {
            if (ctx.request().isSSL() && settings.hstsMaxAge().toSeconds() > 0) {
                ctx.response().putHeader(HSTS, hstsValue);
            }
            ctx.next();
        };
    }

    /**
     * Keeps {@code server}, listening with {@code options}, up to date with the files; gives the
     * action that forgets it (a verticle stopping).
     */
    public Runnable serving(Updatable server, NetServerOptions options) {
        if (!enabled()) {
            return () -> { };
        }
        Served s = new Served(server, new ServerSSLOptions(options.getSslOptions()));
        served.add(s);
        // a verticle started between a change and its tick gets the current pair, not the one it was built with
        if (!keyCert.equals(options.getKeyCertOptions())) {
            server.updateSSLOptions(s.base().copy().setKeyCertOptions(keyCert));
        }
        return () -> served.remove(s);
    }

    private void poll() {
        Stamp now = Stamp.of(settings.cert(), settings.key());
        if (now == null || now.equals(stamp)) {
            return;
        }
        stamp = now;
        vertx.executeBlocking(() -> {
            PemKeyCertOptions pair = pair(settings);
            check(pair, vertx);
            return pair;
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                refused.increment();
                LOG.warning("certificate files " + settings.cert() + " and " + settings.key()
                        + " changed but cannot be served (" + ar.cause().getMessage() + "): still serving the previous certificate");
                return;
            }
            keyCert = ar.result();
            reloaded.increment();
            for (Served s : served) {
                s.server().updateSSLOptions(s.base().copy().setKeyCertOptions(keyCert))
                        .onFailure(e -> LOG.log(Level.WARNING, "a listener refused the new certificate", e));
            }
            LOG.info("certificate " + settings.cert() + " reloaded: " + served.size() + " listeners serve it");
        });
    }

    private static PemKeyCertOptions pair(TlsSettings s) {
        return new PemKeyCertOptions().setCertValue(read(s.cert())).setKeyValue(read(s.key()));
    }

    /** Whether the key signs what the certificate's public key verifies: a pair, not a key of another cert. */
    private static void check(PemKeyCertOptions pair, Vertx vertx) throws Exception {
        X509KeyManager km = null;
        for (KeyManager m : pair.getKeyManagerFactory(vertx).getKeyManagers()) {
            if (m instanceof X509KeyManager x) {
                km = x;
            }
        }
        if (km == null) {
            throw new IllegalArgumentException("no key in the key file");
        }
        // Vert.x's PEM key store holds the pair under one alias
        String alias = firstAlias(km);
        PrivateKey key = km.getPrivateKey(alias);
        X509Certificate[] chain = km.getCertificateChain(alias);
        if (key == null || chain == null || chain.length == 0) {
            throw new IllegalArgumentException("no certificate with a key");
        }
        chain[0].checkValidity();
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
        };
        byte[] probe = "tributary".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature sign = Signature.getInstance(algorithm);
        sign.initSign(key);
        sign.update(probe);
        byte[] sig = sign.sign();
        Signature verify = Signature.getInstance(algorithm);
        verify.initVerify(chain[0].getPublicKey());
        verify.update(probe);
        if (!verify.verify(sig)) {
            throw new IllegalArgumentException("the key is not the certificate's");
        }
    }

    private static String firstAlias(X509KeyManager km) {
        for (String type : new String[]{"RSA", "EC", "EdDSA", "Ed25519"}) {
            String[] aliases = km.getServerAliases(type, null);
            if (aliases != null && aliases.length > 0) {
                return aliases[0];
            }
        }
        throw new IllegalArgumentException("no usable key");
    }

    private static Buffer read(Path p) {
        try {
            return Buffer.buffer(Files.readAllBytes(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** For messages. */
    @Override
    public String toString() {
        return enabled() ? "TLS " + settings.protocolList() + " with " + settings.cert() + " (" + settings.engineOptions().getClass().getSimpleName() + ")" : "TLS off";
    }

}
