package io.tributary.dvr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.StatusException;
import org.junit.jupiter.api.Test;

class DvrTimesTest {

    private static final long DAY = 86_400_000L;
    private static final long NOW = 1_796_605_200_000L; // 2026-12-06T...

    private static StatusException bad(Runnable r) {
        StatusException e = assertThrows(StatusException.class, r::run);
        assertEquals(400, e.status());
        return e;
    }

    @Test
    void isoAndUnixSecondsNameTheSameInstant() {
        assertEquals(1_796_605_200_000L, DvrTimes.time("from", "1796605200"));
        assertEquals(1_796_605_200_500L, DvrTimes.time("from", "1796605200.5"));
        assertEquals(DvrTimes.time("from", "2026-12-07T01:00:00Z"), DvrTimes.time("to", "2026-12-07T02:00:00+01:00"));
        assertEquals(DvrTimes.time("from", "2026-12-07T01:00:00.250Z") - 250, DvrTimes.time("from", "2026-12-07T01:00:00Z"));
    }

    @Test
    void malformedTimesNameTheirParameter() {
        assertTrue(bad(() -> DvrTimes.time("from", "yesterday")).getMessage().startsWith("from "));
        assertTrue(bad(() -> DvrTimes.time("to", "2026-13-01T00:00:00Z")).getMessage().startsWith("to "));
        assertTrue(bad(() -> DvrTimes.time("t", "12")).getMessage().startsWith("t "), "1970 is a typo");
        assertTrue(bad(() -> DvrTimes.time("from", "")).getMessage().startsWith("from "));
        assertTrue(bad(() -> DvrTimes.time("from", "-5")).getMessage().startsWith("from "));
        assertTrue(bad(() -> DvrTimes.time("from", "2026-12-07T01:00:00")).getMessage().startsWith("from "), "no offset");
    }

    @Test
    void durations() {
        assertEquals(20_000, DvrTimes.duration("duration", "20"));
        assertEquals(20_000, DvrTimes.duration("duration", "PT20S"));
        assertEquals(90_000, DvrTimes.duration("duration", "90s"));
        assertEquals(1_800_000, DvrTimes.duration("duration", "30m"));
        assertEquals(7_200_000, DvrTimes.duration("dvr", "2h"));
        assertEquals(DAY, DvrTimes.duration("duration", "1d"));
        assertTrue(bad(() -> DvrTimes.duration("dvr", "2x")).getMessage().startsWith("dvr "));
        assertTrue(bad(() -> DvrTimes.duration("duration", "0")).getMessage().startsWith("duration "));
        assertTrue(bad(() -> DvrTimes.duration("duration", "PT-5S")).getMessage().startsWith("duration "));
    }

    @Test
    void windows() {
        DvrTimes.Window w = DvrTimes.window("1796600000", "1796600020", null, DAY, NOW);
        assertEquals(1_796_600_000_000L, w.fromMs());
        assertEquals(20_000, w.lengthMs());
        assertFalse(w.open());
        assertEquals("from=1796600000&to=1796600020", w.query());
        assertEquals(w, DvrTimes.window("1796600000", null, "20s", DAY, NOW));
        assertEquals(w, DvrTimes.window(null, "1796600020", "PT20S", DAY, NOW));
        DvrTimes.Window open = DvrTimes.window("1796600000", null, null, DAY, NOW);
        assertTrue(open.open());
        assertEquals(NOW, open.toMs());
        assertEquals("from=1796600000", open.query());
    }

    @Test
    void badWindowsNameTheirParameter() {
        assertTrue(bad(() -> DvrTimes.window("1796600020", "1796600000", null, DAY, NOW)).getMessage().contains("from"));
        assertTrue(bad(() -> DvrTimes.window("1796600000", "1796600000", null, DAY, NOW)).getMessage().contains("from"));
        assertTrue(bad(() -> DvrTimes.window(null, "1796600000", null, DAY, NOW)).getMessage().startsWith("from "));
        assertTrue(bad(() -> DvrTimes.window(null, null, null, DAY, NOW)).getMessage().startsWith("from "));
        assertTrue(bad(() -> DvrTimes.window("1796600000", "1796600020", "5", DAY, NOW)).getMessage().contains("duration"));
        assertTrue(bad(() -> DvrTimes.window("1796600000", null, "25h", DAY, NOW)).getMessage().startsWith("duration"));
        assertTrue(bad(() -> DvrTimes.window("1700000000", "1796600000", null, DAY, NOW)).getMessage()
                .contains("dvr.max-window"));
        assertTrue(bad(() -> DvrTimes.window(String.valueOf(NOW / 1000 + 60), null, null, DAY, NOW)).getMessage()
                .startsWith("from "));
    }

    @Test
    void windowOutsideTheRecording() {
        DvrTimes.Window w = DvrTimes.window("1796600000", "1796600020", null, DAY, NOW);
        DvrTimes.within(w, 1_796_599_990_000L, 1_796_600_010_000L); // overlaps: fine
        assertTrue(bad(() -> DvrTimes.within(w, 1_796_600_030_000L, 1_796_600_090_000L)).getMessage().startsWith("to "));
        assertTrue(bad(() -> DvrTimes.within(w, 1_796_599_000_000L, 1_796_599_100_000L)).getMessage().startsWith("from "));
    }

    @Test
    void windowEndingInTheFutureIsRefusedNamingItsEnd() {
        // served as finished (ENDLIST, cached) it would be cut short: a growing window is from alone
        String soon = String.valueOf(NOW / 1000 + 60);
        assertTrue(bad(() -> DvrTimes.window("1796600000", soon, null, DAY, NOW)).getMessage().startsWith("to:"));
        assertTrue(bad(() -> DvrTimes.window("1796605000", null, "1h", DAY, NOW)).getMessage().startsWith("duration:"));
        assertTrue(bad(() -> DvrTimes.window(null, soon, "10m", DAY, NOW)).getMessage().startsWith("to:"));
        assertTrue(bad(() -> DvrTimes.window(soon, String.valueOf(NOW / 1000 + 120), null, DAY, NOW)).getMessage()
                .startsWith("from "));
        DvrTimes.Window upToNow = DvrTimes.window("1796600000", String.valueOf(NOW / 1000), null, DAY, NOW);
        assertEquals(NOW, upToNow.toMs());
    }

    @Test
    void timesOutsideTheRepresentableRangeAre400NotOverflow() {
        // Instant.parse accepts these; toEpochMilli overflows (was a 500 on /api/v1/recordings)
        assertTrue(bad(() -> DvrTimes.time("from", "-300000000-01-01T00:00:00Z")).getMessage().startsWith("from "));
        assertTrue(bad(() -> DvrTimes.time("to", "+300000000-01-01T00:00:00Z")).getMessage().startsWith("to "));
        assertTrue(bad(() -> DvrTimes.time("to", "1900-01-01T00:00:00Z")).getMessage().startsWith("to "));
        assertEquals(1_796_605_200_000L, DvrTimes.time("from", "2026-12-07T01:00:00Z"));
    }
}
