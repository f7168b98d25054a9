package io.tributary.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster, sessions, qoe and kafka keys: embedded defaults, environment overrides, bad values named. */
class SessionsConfigTest {

    @Test
    void embeddedDefaults() {
        TributaryConfig c = TributaryConfig.load(null, Map.of());
        assertFalse(c.cluster().enabled());
        assertEquals("127.0.0.1", c.cluster().host());
        assertEquals(5701, c.cluster().port());
        assertTrue(c.sessions().enabled());
        assertEquals(Duration.ofSeconds(30), c.sessions().idleTimeout());
        assertEquals(Duration.ofSeconds(2), c.sessions().flushInterval());
        assertEquals(Duration.ofSeconds(60), c.cluster().sessionTtl());
        assertFalse(c.kafka().enabled());
        assertEquals("playback.events", c.kafka().playbackTopic());
        assertEquals("local", c.qoe().region(null));
    }

    @Test
    void environmentOverrides() {
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_CLUSTER_ENABLED", "true",
                "TRIBUTARY_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2", "TRIBUTARY_CLUSTER_PORT", "5801",
                "TRIBUTARY_SESSIONS_ENABLED", "false", "TRIBUTARY_KAFKA_BOOTSTRAP", "127.0.0.1:9092",
                "TRIBUTARY_QOE_REGIONS", "eu,us", "TRIBUTARY_QOE_REGION", "eu"));
        assertTrue(c.cluster().enabled());
        assertEquals(List.of("10.0.0.1:5701", "10.0.0.2"), c.cluster().members());
        assertEquals(5801, c.cluster().port());
        assertFalse(c.sessions().enabled());
        assertTrue(c.kafka().enabled());
        assertEquals("us", c.qoe().region("us"));
        assertEquals("other", c.qoe().region("mars"));
        assertEquals("eu", c.qoe().region(""));
    }

    @Test
    void badValuesNameTheKey() {
        assertTrue(error("TRIBUTARY_SESSIONS_IDLE_TIMEOUT", "forever").startsWith("config key 'sessions.idle-timeout'"));
        assertTrue(error("TRIBUTARY_CLUSTER_PORT", "0").startsWith("config key 'cluster.port'"));
        assertTrue(error("TRIBUTARY_QOE_REGIONS", "eu,<script>").startsWith("config key 'qoe.regions'"));
        assertTrue(error("TRIBUTARY_QOE_BEACON_RATE", "-1").startsWith("config key 'qoe.beacon-rate'"));
        assertTrue(error("TRIBUTARY_SESSIONS_ENABLED", "maybe").startsWith("config key 'sessions.enabled'"));
    }

    private static String error(String key, String value) {
        return assertThrows(ConfigException.class, () -> TributaryConfig.load(null, Map.of(key, value))).getMessage();
    }
}
