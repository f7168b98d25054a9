package io.tributary.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dash.target-latency}: derived by default, settable by YAML or environment, validated. */
class DashConfigTest {

    @Test
    void theTargetIsDerivedFromThePartsByDefault() {
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_HLS_PART_TARGET", "0.333"));
        assertEquals(0, c.http().dash().targetLatency());
        assertEquals(1332, c.http().dash().lowLatency(c.hls().partTarget(), c.hls().segmentTarget()).targetMs());
    }

    @Test
    void theEnvironmentSetsIt() {
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_DASH_TARGET_LATENCY", "2.5"));
        assertEquals(2500, c.http().dash().lowLatency(0.5, 2.0).targetMs());
    }

    @Test
    void aTargetTooSmallOrNotANumberStopsStartUpNamingTheKey() {
        for (String bad : new String[]{"0.1", "-1", "soon", "61"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> TributaryConfig.load(null, Map.of("TRIBUTARY_DASH_TARGET_LATENCY", bad)));
            assertTrue(e.getMessage().contains("dash.target-latency"), e.getMessage());
        }
    }
}
