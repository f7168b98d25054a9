package io.tributary.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code hls.part-hold-back}: three parts by default, settable, never under the two parts RFC 8216bis requires. */
class PartHoldBackConfigTest {

    @Test
    void threePartsByDefault() {
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_HLS_PART_TARGET", "0.333"));
        assertEquals(0.999, c.hls().partHoldBack(), 1e-9);
    }

    @Test
    void twoPartsMayBeAsked() {
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_HLS_PART_TARGET", "0.333",
                "TRIBUTARY_HLS_PART_HOLD_BACK", "0.666"));
        assertEquals(0.666, c.hls().partHoldBack(), 1e-9);
    }

    @Test
    void underTwoPartsStopsStartUpNamingTheKey() {
        for (String bad : new String[]{"0.5", "-1", "soon"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> TributaryConfig.load(null,
                    Map.of("TRIBUTARY_HLS_PART_TARGET", "0.333", "TRIBUTARY_HLS_PART_HOLD_BACK", bad)));
            assertTrue(e.getMessage().contains("hls.part-hold-back"), e.getMessage());
        }
    }
}
