package io.tributary.media.transcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.transcode.LadderRung.Mode;
import io.tributary.media.transcode.TranscodeTestKit.Recorder;
import io.tributary.media.transcode.TranscodeTestKit.Source;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LadderTest {

    private static String names(List<LadderRung> rungs) {
        return String.join(",", rungs.stream().map(r -> r.name() + ":" + r.mode() + ":" + r.width() + "x"
                + r.height()).toList());
    }

    @Test
    void seedLadderOn1080pBypassesTheTopAndEncodesTheRest() {
        assertEquals("1080p:BYPASS:1920x1080,720p:ENCODE:1280x720,360p:ENCODE:640x360",
                names(Ladder.resolve(Ladder.SEED, 1920, 1080)));
    }

    @Test
    void neverUpscales() {
        assertEquals("360p:BYPASS:640x360", names(Ladder.resolve(Ladder.SEED, 640, 360)));
        List<LadderRung> encodeAll = Ladder.SEED.stream().map(r -> r.withMode(Mode.ENCODE)).toList();
        assertEquals("360p:ENCODE:640x360", names(Ladder.resolve(encodeAll, 640, 360)));
        assertEquals("", names(Ladder.resolve(encodeAll, 426, 240)));
        // between rungs: nothing taller than the source, and nothing bypassed
        assertEquals("720p:ENCODE:1280x720,360p:ENCODE:640x360", names(Ladder.resolve(Ladder.SEED, 1600, 900)));
    }

    @Test
    void keepsTheSourceAspectRatio() {
        assertEquals("1080p:BYPASS:1440x1080,720p:ENCODE:960x720,360p:ENCODE:480x360",
                names(Ladder.resolve(Ladder.SEED, 1440, 1080)));
        List<LadderRung> encodeAll = Ladder.SEED.stream().map(r -> r.withMode(Mode.ENCODE)).toList();
        assertEquals("1080p:ENCODE:1440x1080,720p:ENCODE:960x720,360p:ENCODE:480x360",
                names(Ladder.resolve(encodeAll, 1440, 1080)));
        assertEquals("480p:ENCODE:854x480", names(Ladder.resolve(
                List.of(LadderRung.of("480p", 854, 480, 1_000_000, Mode.ENCODE)), 1280, 720)));
        // portrait: the height is kept, so the picture gets narrower, never wider than the source
        assertEquals("1080p:ENCODE:608x1080,720p:ENCODE:406x720,360p:ENCODE:202x360",
                names(Ladder.resolve(Ladder.SEED, 720, 1280)));
    }

    @Test
    void bypassIsAlwaysKeptAtTheSourceSize() {
        List<LadderRung> l = List.of(LadderRung.of("src", 1920, 1080, 1, Mode.BYPASS));
        assertEquals("src:BYPASS:640x360", names(Ladder.resolve(l, 640, 360)));
    }

    @Test
    void rejectsBadRungs() {
        assertThrows(IllegalArgumentException.class, () -> LadderRung.of("x", 641, 360, 1000, Mode.ENCODE));
        assertThrows(IllegalArgumentException.class, () -> LadderRung.of("x", 640, 360, 0, Mode.ENCODE));
        assertThrows(IllegalArgumentException.class, () -> LadderRung.of(" ", 640, 360, 1000, Mode.ENCODE));
    }

    /** A 640x360 source with the seed ladder runs only 360p, bypassed, so nothing is encoded. */
    @Test
    void transcoderOn360pSourceRunsOnly360p() throws Exception {
        Source src = TranscodeTestKit.source(640, 360, 30, 30, 1.0);
        AvcConfig cfg = AvcConfig.parse(src.avcC());
        Recorder rec = new Recorder();
        try (LiveTranscoder t = new LiveTranscoder(cfg, Ladder.SEED, rec)) {
            assertEquals("360p:BYPASS:640x360", names(t.ladder()));
            assertTrue(t.encodedRungs().isEmpty());
            src.samples().forEach(t::offer);
            assertTrue(t.finish(Duration.ofSeconds(10)));
            assertTrue(rec.events.isEmpty(), "no rung output");
            assertEquals(src.samples().size(), t.sourceStats().framesDecoded());
        }
        List<LadderRung> encodeAll = Ladder.SEED.stream().map(r -> r.withMode(Mode.ENCODE)).toList();
        try (LiveTranscoder t = new LiveTranscoder(cfg, encodeAll, rec)) {
            assertEquals(List.of("360p"), t.encodedRungs().stream().map(LadderRung::name).toList());
            TranscodeTestKit.feed(t, src.samples(), 4.0);
            assertTrue(t.finish(Duration.ofSeconds(10)));
            List<MediaSample> out = rec.samples("360p");
            assertEquals(src.samples().size(), out.size());
            assertEquals(List.of("360p"), List.copyOf(rec.events.keySet()));
            AvcConfig outCfg = AvcConfig.parse(rec.configs.get("360p"));
            assertEquals(640, outCfg.width());
            assertEquals(360, outCfg.height());
        }
    }
}
