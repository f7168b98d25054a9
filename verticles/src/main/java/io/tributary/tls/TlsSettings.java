package io.tributary.tls;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * TLS of the node: the {@code tls.*} keys and {@code rtmps.port}. With {@code tls.cert} set, every HTTP
 * listener (origin, edge, router) speaks HTTPS only, the node's own clients (edge to origin, router
 * checks and proxying, DVR peers) trust {@code tls.trust}, and a clustered event bus runs over mutual TLS.
 *
 * @param cert            PEM certificate chain; null: TLS off
 * @param key             PEM private key of {@code cert}
 * @param trust           PEM certificates the node's clients and event-bus peers trust (the deployment's CA,
 *                        or a self-signed certificate itself); defaults to {@code cert}
 * @param protocols       TLS versions accepted: TLSv1.3 only by default
 * @param hstsMaxAge      Strict-Transport-Security max-age on HTTPS responses; zero: no header
 * @param reloadInterval  how often the PEM files are checked for a change (then served without restart)
 * @param verifyPeerHost  whether the node's clients check the peer's host name against its certificate
 * @param rtmpsPort       RTMPS ingest port; -1: off (0: any free port, tests)
 * @param engine          who encrypts: BoringSSL through Netty's OpenSSL engine (auto, where its natives load) or the JDK
 */
public record TlsSettings(Path cert, Path key, Path trust, Set<String> protocols, Duration hstsMaxAge, Duration reloadInterval,
                          boolean verifyPeerHost, int rtmpsPort, Engine engine) {

    /** The TLS implementation. */
    public enum Engine { AUTO, OPENSSL, JDK }

    /** TLS with the AUTO engine (tests). */
    public TlsSettings(Path cert, Path key, Path trust, Set<String> protocols, Duration hstsMaxAge, Duration reloadInterval,
                       boolean verifyPeerHost, int rtmpsPort) {
        this(cert, key, trust, protocols, hstsMaxAge, reloadInterval, verifyPeerHost, rtmpsPort, Engine.AUTO);
    }

    static final Set<String> KNOWN_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    public static final TlsSettings OFF = new TlsSettings(null, null, null, Set.of("TLSv1.3"), Duration.ZERO,
            Duration.ofSeconds(10), true, -1, Engine.AUTO);

    public boolean enabled() {
        return cert != null;
    }

    public static TlsSettings from(Settings s) {
        Path cert = file(s, "tls.cert");
        Path key = file(s, "tls.key");
        Path trust = file(s, "tls.trust");
        if ((cert == null) != (key == null)) {
            throw ConfigException.invalid(cert == null ? "tls.cert" : "tls.key",
                    "a PEM file beside " + (cert == null ? "tls.key" : "tls.cert") + " (both or neither)", "");
        }
        Set<String> protocols = new LinkedHashSet<>();
        for (String p : s.list("tls.protocols")) {
            if (!KNOWN_PROTOCOLS.contains(p)) {
                throw ConfigException.invalid("tls.protocols", "a list of TLSv1.3 and TLSv1.2", String.join(",", s.list("tls.protocols")));
            }
            protocols.add(p);
        }
        if (protocols.isEmpty()) {
            throw ConfigException.invalid("tls.protocols", "a list of TLSv1.3 and TLSv1.2", "");
        }
        Duration hsts = s.duration("tls.hsts-max-age", Duration.ZERO, Duration.ofDays(3650));
        Duration reload = s.duration("tls.reload-interval", Duration.ofMillis(100), Duration.ofHours(1));
        boolean verifyHost = s.bool("tls.verify-peer-host");
        Object rtmps = s.optional("rtmps.port");
        int rtmpsPort = -1;
        if (rtmps != null) {
            rtmpsPort = s.integer("rtmps.port", 0, 65535);
            if (cert == null) {
                throw ConfigException.invalid("rtmps.port", "empty while tls.cert is not set (RTMPS serves that certificate)", rtmps);
            }
        }
        Engine engine = s.choice("tls.engine", Engine.class);
        if (engine == Engine.OPENSSL && !io.vertx.core.net.OpenSSLEngineOptions.isAvailable()) {
            throw ConfigException.invalid("tls.engine", "auto or jdk: the OpenSSL engine's natives do not load on this platform", "openssl");
        }
        return new TlsSettings(cert, key, trust == null ? cert : trust, Set.copyOf(protocols), hsts, reload, verifyHost, rtmpsPort, engine);
    }

    /** The RTMPS listener's port (0: any free one). */
    public TlsSettings withRtmpsPort(int port) {
        return new TlsSettings(cert, key, trust, protocols, hstsMaxAge, reloadInterval, verifyPeerHost, port, engine);
    }

    private static Path file(Settings s, String key) {
        Object v = s.optional(key);
        if (v == null) {
            return null;
        }
        Path p = Path.of(String.valueOf(v).trim());
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw ConfigException.invalid(key, "a readable PEM file", p);
        }
        return p;
    }

    /** The engine options the listeners and clients are built with. */
    public io.vertx.core.net.SSLEngineOptions engineOptions() {
        boolean openssl = engine == Engine.OPENSSL || engine == Engine.AUTO && io.vertx.core.net.OpenSSLEngineOptions.isAvailable();
        return openssl ? new io.vertx.core.net.OpenSSLEngineOptions() : new io.vertx.core.net.JdkSSLEngineOptions();
    }

    /** Protocols in a stable order, for messages. */
    List<String> protocolList() {
        return protocols.stream().sorted().toList();
    }
}
