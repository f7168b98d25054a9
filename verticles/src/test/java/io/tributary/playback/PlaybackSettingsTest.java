package io.tributary.playback;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlaybackSettingsTest {

    @Test
    void defaultsArePublicAndClear() {
        PlaybackSettings p = TributaryConfig.load(null, Map.of()).playback();
        assertEquals(PlaybackSettings.Access.PUBLIC, p.accessOf("anything"));
        assertEquals(PlaybackSettings.Encryption.NONE, p.encryptionOf("anything"));
        assertEquals("", p.secret());
    }

    @Test
    void rulesFromTheEnvironmentFirstMatchWins() {
        PlaybackSettings p = TributaryConfig.load(null, Map.of("TRIBUTARY_PLAYBACK_ACCESS_RULES", "free-*=public,*=signed",
                "TRIBUTARY_PLAYBACK_VOD_ACCESS", "entitled", "TRIBUTARY_KEYS_ENCRYPT_RULES", "secure-*=aes-128",
                "TRIBUTARY_KEYS_ROTATE_SEGMENTS", "3", "TRIBUTARY_PLAYBACK_SECRET", "0123456789abcdef")).playback();
        assertEquals(PlaybackSettings.Access.PUBLIC, p.accessOf("free-1"));
        assertEquals(PlaybackSettings.Access.SIGNED, p.accessOf("cam1"));
        assertEquals(PlaybackSettings.Access.ENTITLED, p.vodAccess());
        assertEquals(PlaybackSettings.Encryption.AES_128, p.encryptionOf("secure-x"));
        assertEquals(3, p.rotateSegments());
    }

    @Test
    void badValuesStopStartUpNamingTheKey() {
        for (var bad : Map.of("TRIBUTARY_PLAYBACK_ACCESS_RULES", "cam1", "TRIBUTARY_PLAYBACK_ACCESS", "private",
                "TRIBUTARY_KEYS_ENCRYPT_RULES", "x=aes-256", "TRIBUTARY_PLAYBACK_SECRET", "short",
                "TRIBUTARY_KEYS_ROTATE_SEGMENTS", "0").entrySet()) {
            ConfigException e = assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of(bad.getKey(), bad.getValue())));
            String key = bad.getKey().substring("TRIBUTARY_".length()).toLowerCase().replaceFirst("_", ".").replace('_', '-');
            assertTrue(e.getMessage().contains(key), key + ": " + e.getMessage());
            assertTrue(!bad.getKey().endsWith("SECRET") || !e.getMessage().contains("short"), "the secret is not echoed");
        }
    }
}
