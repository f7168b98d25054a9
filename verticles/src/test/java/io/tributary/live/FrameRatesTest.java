package io.tributary.live;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FrameRatesTest {

    @Test
    void measuredRatesSnapToNominal() {
        assertEquals(30, FrameRates.nominal(239 * 1000.0 / 7967)); // 30 fps with ms timestamps
        assertEquals(30, FrameRates.nominal(29.985));
        assertEquals(25, FrameRates.nominal(25.004));
        assertEquals(29.97, FrameRates.nominal(29.968), 1e-9);
        assertEquals(59.94, FrameRates.nominal(59.94), 1e-9);
        assertEquals(23.976, FrameRates.nominal(23.977), 1e-9);
        assertEquals(12.34, FrameRates.nominal(12.3411), 1e-9);
        assertEquals(0, FrameRates.nominal(0));
    }
}
