package io.tributary.ingest.srt;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SrtSettingsTest {

    @Test
    void defaultsAndOverridesFromTheEnvironment() {
        SrtSettings d = TributaryConfig.load(null, Map.of()).srt();
        assertTrue(d.enabled());
        assertEquals(9000, d.port());
        assertEquals(120, d.latencyMs());
        assertNull(d.passphraseFor("any"));
        assertEquals(16, d.listenerSettings().maxConnectionsPerAddress());

        SrtSettings s = TributaryConfig.load(null, Map.of("TRIBUTARY_SRT_LATENCY", "300ms", "TRIBUTARY_SRT_PASSPHRASE", "everyone's secret",
                "TRIBUTARY_SRT_STREAM_PASSPHRASES", "studio=studio passphrase", "TRIBUTARY_SRT_PBKEYLEN", "32", "TRIBUTARY_SRT_MAX_CONNECTIONS_PER_ADDRESS", "4")).srt();
        assertEquals(300, s.latencyMs());
        assertEquals("studio passphrase", s.passphraseFor("studio"));
        assertEquals("everyone's secret", s.passphraseFor("other"));
        assertEquals(32, s.listenerSettings().keyLength());
        assertEquals(4, s.listenerSettings().maxConnectionsPerAddress());
    }

    @Test
    void badValuesStopStartUpNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TributaryConfig.load(null, Map.of("TRIBUTARY_SRT_PBKEYLEN", "20")));
        assertTrue(e.getMessage().contains("srt.pbkeylen"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_SRT_PASSPHRASE", "short")));
        assertTrue(e.getMessage().contains("srt.passphrase"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of("TRIBUTARY_SRT_STREAM_PASSPHRASES", "nokey")));
        assertTrue(e.getMessage().contains("srt.stream-passphrases"), e.getMessage());
    }

    @Test
    void publishRefusalsMapToRejectReasons() {
        assertEquals(1409, SrtPublisher.rejectReason(new io.tributary.live.PublishException(
                io.tributary.live.PublishException.Kind.BAD_NAME, "duplicate", "x")));
        assertEquals(1403, SrtPublisher.rejectReason(new io.tributary.live.PublishException(
                io.tributary.live.PublishException.Kind.BAD_NAME, "bad_key", "x")));
        assertEquals(1503, SrtPublisher.rejectReason(new io.tributary.live.PublishException(
                io.tributary.live.PublishException.Kind.REJECTED, "draining", "x")));
        assertEquals(1503, SrtPublisher.rejectReason(new IllegalStateException("registry down")));
    }
}
