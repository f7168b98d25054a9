package io.tributary.tls;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import io.tributary.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tls.*, rtmps.* and cluster secret keys: defaults, and every bad value refused with the key named. */
class TlsConfigTest {

    @TempDir
    Path dir;

    private static String error(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> TributaryConfig.load(null, env)).getMessage();
    }

    @Test
    void offByDefaultAndTls13OnlyWhenOn() {
        TributaryConfig plain = TributaryConfig.load(null, Map.of());
        assertFalse(plain.tls().enabled());
        assertEquals(-1, plain.tls().rtmpsPort());
        assertEquals(Set.of("TLSv1.3"), plain.tls().protocols());
        assertEquals("tributary", plain.cluster().name());
        assertEquals("", plain.cluster().secret());

        TestCertificates.Pair pair = TestCertificates.create(dir, "node");
        TributaryConfig on = TributaryConfig.load(null, Map.of("TRIBUTARY_TLS_CERT", pair.cert().toString(),
                "TRIBUTARY_TLS_KEY", pair.key().toString(), "TRIBUTARY_RTMPS_PORT", "1936"));
        assertTrue(on.tls().enabled());
        assertEquals(pair.cert(), on.tls().trust(), "the certificate itself is trusted by default");
        assertEquals(1936, on.tls().rtmpsPort());
        assertEquals(Set.of("TLSv1.3"), on.tls().protocols());
        assertEquals(365, on.tls().hstsMaxAge().toDays());
        assertEquals(Set.of("TLSv1.3", "TLSv1.2"), TributaryConfig.load(null, Map.of("TRIBUTARY_TLS_CERT", pair.cert().toString(),
                "TRIBUTARY_TLS_KEY", pair.key().toString(), "TRIBUTARY_TLS_PROTOCOLS", "TLSv1.3,TLSv1.2")).tls().protocols());
    }

    @Test
    void badValuesNameTheirKey() {
        TestCertificates.Pair pair = TestCertificates.create(dir, "node");
        assertTrue(error(Map.of("TRIBUTARY_TLS_CERT", pair.cert().toString())).startsWith("config key 'tls.key'"));
        assertTrue(error(Map.of("TRIBUTARY_TLS_CERT", dir.resolve("missing.pem").toString(), "TRIBUTARY_TLS_KEY", pair.key().toString()))
                .startsWith("config key 'tls.cert': expected a readable PEM file"));
        assertTrue(error(Map.of("TRIBUTARY_TLS_CERT", pair.cert().toString(), "TRIBUTARY_TLS_KEY", pair.key().toString(),
                "TRIBUTARY_TLS_PROTOCOLS", "TLSv1.1")).startsWith("config key 'tls.protocols'"));
        assertTrue(error(Map.of("TRIBUTARY_RTMPS_PORT", "1936")).startsWith("config key 'rtmps.port'"));
        assertTrue(error(Map.of("TRIBUTARY_CLUSTER_SECRET", "short")).startsWith("config key 'cluster.secret'"));
        assertTrue(error(Map.of("TRIBUTARY_TLS_HSTS_MAX_AGE", "soon")).startsWith("config key 'tls.hsts-max-age'"));
        assertTrue(error(Map.of("TRIBUTARY_TLS_ENGINE", "libressl")).startsWith("config key 'tls.engine'"));
        assertEquals(TlsSettings.Engine.JDK, TributaryConfig.load(null, Map.of("TRIBUTARY_TLS_ENGINE", "jdk")).tls().engine());
    }

    @Test
    void aKeyOfAnotherCertificateStopsStartUp() {
        TestCertificates.Pair one = TestCertificates.create(dir.resolve("one"), "one");
        TestCertificates.Pair other = TestCertificates.create(dir.resolve("other"), "other");
        TributaryConfig mixed = TributaryConfig.load(null, Map.of("TRIBUTARY_TLS_CERT", one.cert().toString(),
                "TRIBUTARY_TLS_KEY", other.key().toString()));
        String message = assertThrows(ConfigException.class, () -> NodeTls.load(mixed.tls())).getMessage();
        assertTrue(message.startsWith("config keys 'tls.cert' and 'tls.key'") && message.contains("not the certificate's"), message);
        assertTrue(NodeTls.load(TributaryConfig.load(null, Map.of("TRIBUTARY_TLS_CERT", one.cert().toString(),
                "TRIBUTARY_TLS_KEY", one.key().toString())).tls()).enabled());
    }
}
