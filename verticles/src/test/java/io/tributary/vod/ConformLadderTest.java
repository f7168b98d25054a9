package io.tributary.vod;

import io.tributary.media.transcode.LadderRung;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConformLadderTest {

    static final ConformLadder TWO = new ConformLadder(List.of(ConformLadder.rung("720p", 1280, 720, 1_500_000),
            ConformLadder.rung("360p", 640, 360, 600_000)), 25, 90_000);

    @Test
    void aLadderSurvivesItsJsonAndKeepsItsSignature() {
        ConformLadder back = ConformLadder.fromJson(new JsonObject(TWO.toJson().encode()));
        assertEquals(TWO, back);
        assertEquals(TWO.signature(), back.signature());
        assertEquals(16, TWO.signature().length());
        assertEquals(720, TWO.topHeight());
    }

    @Test
    void anyDifferenceInRungsFrameRateOrTimescaleIsAnotherSignature() {
        List<ConformLadder> others = List.of(
                new ConformLadder(List.of(TWO.rungs().get(0)), 25, 90_000),
                new ConformLadder(TWO.rungs(), 30, 90_000),
                new ConformLadder(TWO.rungs(), 25, 1000),
                new ConformLadder(List.of(TWO.rungs().get(0), ConformLadder.rung("360p", 640, 360, 800_000)), 25, 90_000),
                new ConformLadder(List.of(TWO.rungs().get(0), ConformLadder.rung("sd", 640, 360, 600_000)), 25, 90_000));
        for (ConformLadder o : others) {
            assertNotEquals(TWO.signature(), o.signature(), o.toString());
        }
    }

    @Test
    void aBodyThatIsNoLadderIsRefused() {
        List<LadderRung> nine = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            nine.add(ConformLadder.rung("r" + i, 640, 360, 600_000));
        }
        assertThrows(IllegalArgumentException.class, () -> new ConformLadder(nine, 25, 90_000));
        assertThrows(IllegalArgumentException.class, () -> new ConformLadder(List.of(), 25, 90_000));
        assertThrows(IllegalArgumentException.class, () -> new ConformLadder(List.of(TWO.rungs().get(0), TWO.rungs().get(0)), 25, 90_000));
        assertThrows(IllegalArgumentException.class, () -> new ConformLadder(TWO.rungs(), 0, 90_000));
        assertThrows(IllegalArgumentException.class, () -> new ConformLadder(TWO.rungs(), 25, 10));
        assertThrows(IllegalArgumentException.class, () -> new ConformLadder(List.of(ConformLadder.rung("audio", 640, 360, 1)), 25, 90_000));
        assertThrows(IllegalArgumentException.class, () -> new ConformLadder(List.of(ConformLadder.rung("../x", 640, 360, 1)), 25, 90_000));
        assertThrows(IllegalArgumentException.class, () -> ConformLadder.fromJson(new JsonObject().put("fps", 25).put("timescale", 90_000)
                .put("rungs", new JsonArray().add(new JsonObject().put("name", "big").put("width", 16_000).put("height", 9000).put("bitrate", 1)))));
        assertThrows(IllegalArgumentException.class, () -> ConformLadder.fromJson(new JsonObject().put("fps", 25).put("timescale", 90_000)
                .put("rungs", new JsonArray().add(new JsonObject().put("name", "zero").put("width", 0).put("height", 0).put("bitrate", 1)))));
    }
}
