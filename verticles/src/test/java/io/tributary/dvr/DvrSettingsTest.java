package io.tributary.dvr;

import io.tributary.config.ConfigException;
import io.tributary.config.TributaryConfig;
import io.tributary.db.PgSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dvr.* and pg.* keys from default.yaml and the environment, and the errors that name a bad one. */
class DvrSettingsTest {

    private static TributaryConfig load(Map<String, String> env) {
        return TributaryConfig.load(null, new HashMap<>(env));
    }

    @Test
    void defaultsRecordEverythingForSevenDaysOnAnEmbeddedServer() {
        TributaryConfig c = load(Map.of());
        DvrSettings d = c.dvr();
        assertTrue(d.enabled());
        assertEquals(Duration.ofDays(7), d.retention());
        assertEquals(Duration.ofHours(24), d.maxWindow());
        assertEquals(Duration.ZERO, d.window());
        assertEquals(0, d.maxDiskBytes());
        assertTrue(d.records("anything"));
        assertEquals(new PgSettings("", 8), c.pg());
        assertTrue(c.pg().embedded());
    }

    @Test
    void rulesPickARetentionPerKeyOrSwitchItOff() {
        DvrSettings d = load(Map.of("TRIBUTARY_DVR_RULES", "news-*=30d,test-*=off,*-short=90s",
                "TRIBUTARY_DVR_RETENTION", "2d", "TRIBUTARY_DVR_MAX_DISK", "1.5GB", "TRIBUTARY_DVR_WINDOW", "2h")).dvr();
        assertEquals(Duration.ofDays(30), d.retentionOf("news-1"));
        assertNull(d.retentionOf("test-a"));
        assertFalse(d.records("test-a"));
        assertEquals(Duration.ofDays(2), d.keepOf("test-a"), "what an off key recorded before is kept the default time");
        assertEquals(Duration.ofSeconds(90), d.retentionOf("cam-short"));
        assertEquals(Duration.ofDays(2), d.retentionOf("cam"));
        assertEquals((long) (1.5 * (1L << 30)), d.maxDiskBytes());
        assertEquals(Duration.ofHours(2), d.window());
        assertFalse(load(Map.of("TRIBUTARY_DVR_ENABLED", "false")).dvr().records("cam"));
    }

    @Test
    void aBadValueNamesItsKey() {
        assertTrue(assertThrows(ConfigException.class, () -> load(Map.of("TRIBUTARY_DVR_RULES", "news-*=forever")))
                .getMessage().contains("dvr.rules"));
        assertTrue(assertThrows(ConfigException.class, () -> load(Map.of("TRIBUTARY_DVR_RULES", "../x=1d")))
                .getMessage().contains("dvr.rules"));
        assertTrue(assertThrows(ConfigException.class, () -> load(Map.of("TRIBUTARY_DVR_MAX_DISK", "lots")))
                .getMessage().contains("dvr.max-disk"));
        assertTrue(assertThrows(ConfigException.class, () -> load(Map.of("TRIBUTARY_DVR_RETENTION", "0s")))
                .getMessage().contains("dvr.retention"));
        ConfigException url = assertThrows(ConfigException.class, () -> load(Map.of("TRIBUTARY_PG_URL", "mysql://u:pw@h/db")));
        assertTrue(url.getMessage().contains("pg.url"));
        assertFalse(url.getMessage().contains("pw@"), "no password in the error: " + url.getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> load(Map.of("TRIBUTARY_DVR_WINDOWS", "2h")))
                .getMessage().contains("TRIBUTARY_DVR_WINDOWS"));
    }
}
