package io.tributary.channel;

import io.tributary.StatusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a schedule airs when: the arithmetic the playout and the EPG share. */
class ScheduleTest {

    static final long H = 3_600_000;
    static final long T0 = Instant.parse("2026-12-07T14:00:00Z").toEpochMilli();
    static final Map<String, Schedule.Asset> ASSETS = Map.of(
            "a", new Schedule.Asset("a", "News", 30 * 60_000, List.of("720p", "360p"), true),
            "b", new Schedule.Asset("b", "Film", 90 * 60_000, List.of("1080p", "720p", "360p"), true),
            "s", new Schedule.Asset("s", "Slate", 10_000, List.of("720p", "360p"), true),
            "mute", new Schedule.Asset("mute", "Silent", 10_000, List.of("720p"), false));
    static final Map<String, Long> DURATIONS = Map.of("a", 30 * 60_000L, "b", 90 * 60_000L, "s", 10_000L);

    static JsonObject at(long t, String asset) {
        return new JsonObject().put("start", Instant.ofEpochMilli(t).toString()).put("asset", asset);
    }

    static Schedule grid(JsonArray entries, String slate) {
        JsonObject body = new JsonObject().put("grid", entries);
        if (slate != null) {
            body.put("slate", slate);
        }
        return Schedule.parse(body, T0, 100);
    }

    @Test
    void aGridAirsEachEntryUntilTheNextWithTheSlateInItsGaps() {
        Schedule s = grid(new JsonArray().add(at(T0, "a")).add(at(T0 + H, "b")).add(at(T0 + 24 * H, "a")), "s");
        assertEquals(List.of("720p", "360p"), s.validate(ASSETS));
        // 14:05: the news, from 14:00
        Schedule.Programme p = s.at(T0 + 5 * 60_000, DURATIONS);
        assertEquals("a", p.asset());
        assertEquals(T0, p.zeroMs());
        assertEquals(T0 + 30 * 60_000, p.endMs());
        // 14:45: the news ended at 14:30, the slate loops until 15:00
        Schedule.Programme gap = s.at(T0 + 45 * 60_000, DURATIONS);
        assertEquals("s", gap.asset());
        assertEquals(0, (gap.zeroMs() - (T0 + 30 * 60_000)) % 10_000);
        // the film is cut where the next entry starts
        Schedule.Programme film = s.at(T0 + 2 * H, DURATIONS);
        assertEquals("b", film.asset());
        assertEquals(T0 + H + 90 * 60_000, film.endMs());
        // before the grid: the slate, its repeats ending on the first entry
        Schedule.Programme before = s.at(T0 - 15_000, DURATIONS);
        assertEquals("s", before.asset());
        assertEquals(T0 - 10_000, before.endMs());
        assertEquals(T0, s.at(T0 - 5_000, DURATIONS).endMs());
        // after the last entry: the slate; without one, nothing
        assertEquals("s", s.at(T0 + 25 * H, DURATIONS).asset());
        assertNull(grid(new JsonArray().add(at(T0, "a")).add(at(T0 + 24 * H, "a")), null).at(T0 + 25 * H, DURATIONS));
    }

    @Test
    void aLoopRepeatsAndItsBreaksAirTheSlate() {
        JsonObject body = new JsonObject().put("slate", "s").put("start", Instant.ofEpochMilli(T0).toString())
                .put("loop", new JsonArray().add(new JsonObject().put("asset", "a")).add(new JsonObject().put("break", 30)));
        Schedule s = Schedule.parse(body, T0, 100);
        s.validate(ASSETS);
        long cycle = 30 * 60_000 + 30_000;
        Schedule.Programme second = s.at(T0 + cycle + 60_000, DURATIONS);
        assertEquals("a", second.asset());
        assertEquals(T0 + cycle, second.zeroMs());
        Schedule.Programme brk = s.at(T0 + 30 * 60_000 + 12_000, DURATIONS);
        assertEquals("s", brk.asset());
        assertTrue(brk.breakId() != null);
        assertEquals(T0 + 30 * 60_000 + 30_000, brk.breakEndMs());
        assertEquals(T0 + 30 * 60_000 + 10_000, brk.zeroMs(), "the slate's second repeat in the break");
        // the EPG walks the same programmes
        List<Schedule.Programme> epg = s.programmes(T0, T0 + cycle, DURATIONS, 100);
        assertEquals(4, epg.size(), epg.toString()); // the asset, three slate repeats of the break
    }

    @Test
    void badSchedulesNameTheEntry() {
        String overlap = assertThrows(StatusException.class, () -> grid(new JsonArray()
                .add(at(T0, "a").put("duration", 3600)).add(at(T0 + 30 * 60_000, "b")).add(at(T0 + 25 * H, "a")), "s")
                .validate(ASSETS)).getMessage();
        assertTrue(overlap.contains("grid[0]") && overlap.contains("overlaps grid[1]"), overlap);
        String order = assertThrows(StatusException.class, () -> grid(new JsonArray()
                .add(at(T0 + H, "a")).add(at(T0, "b")), "s").validate(ASSETS)).getMessage();
        assertTrue(order.contains("grid[1]") && order.contains("time order"), order);
        String unknown = assertThrows(StatusException.class, () -> grid(new JsonArray()
                .add(at(T0, "a")).add(at(T0 + H, "zz")).add(at(T0 + 25 * H, "a")), "s").validate(ASSETS)).getMessage();
        assertTrue(unknown.contains("grid[1]") && unknown.contains("zz"), unknown);
        String tooShort = assertThrows(StatusException.class, () -> grid(new JsonArray().add(at(T0, "a")), "s")
                .validate(ASSETS)).getMessage();
        assertTrue(tooShort.contains("24 h"), tooShort);
        String audio = assertThrows(StatusException.class, () -> grid(new JsonArray()
                .add(at(T0, "a")).add(at(T0 + 25 * H, "mute")), null).validate(ASSETS)).getMessage();
        assertTrue(audio.contains("audio"), audio);
        assertThrows(StatusException.class, () -> Schedule.parse(new JsonObject().put("grid", new JsonArray())
                .put("loop", new JsonArray()), T0, 100));
        String bad = assertThrows(StatusException.class, () -> Schedule.parse(new JsonObject().put("grid", new JsonArray()
                .add(new JsonObject().put("start", "at two").put("asset", "a"))), T0, 100)).getMessage();
        assertTrue(bad.contains("grid[0]") && bad.contains("ISO-8601"), bad);
        assertThrows(StatusException.class, () -> Schedule.parse(new JsonObject().put("loop", new JsonArray()
                .add(new JsonObject().put("break", -3))), T0, 100));
        String many = assertThrows(StatusException.class, () -> Schedule.parse(new JsonObject().put("loop", new JsonArray(
                java.util.Collections.nCopies(101, new JsonObject().put("asset", "a")))), T0, 100)).getMessage();
        assertTrue(many.contains("max-entries"), many);
    }
}
