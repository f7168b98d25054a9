package io.tributary.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up configuration: defaults, file, environment, and errors that name the key. */
class TributaryConfigTest {

    @Test
    void bundledDefaultsAreTheEmbeddedNode() {
        TributaryConfig c = TributaryConfig.load(null, Map.of());
        assertEquals(8080, c.http().port());
        assertEquals(1935, c.rtmp().port());
        assertEquals(2.0, c.hls().segmentTarget());
        assertEquals(0.5, c.hls().partTarget());
        assertEquals(Duration.ofSeconds(10), c.publish().reconnectGrace());
        // publishing needs a secret unless a key is configured anonymous; accounts are on
        assertFalse(c.publish().allows("anything"));
        assertTrue(c.auth().enabled());
        assertEquals(Duration.ofMinutes(15), c.auth().accessTtl());
        assertEquals(Path.of("data"), c.dataDir());
        // live ABR by default, within a budget that scales with the cores
        assertEquals(io.tributary.media.transcode.Ladder.SEED, c.transcode().ladder());
        assertEquals(io.tributary.live.TranscodeSettings.AUTO_PIXEL_RATE_PER_CORE * Runtime.getRuntime().availableProcessors(),
                c.transcode().maxPixelRate());
        assertEquals(io.tributary.live.TranscodeSettings.WhenFull.PASSTHROUGH, c.transcode().whenFull());
    }

    @Test
    void transcodeCapacityAsPixelRate() {
        assertEquals(50_000_000, TributaryConfig.load(null, Map.of("TRIBUTARY_TRANSCODE_MAX_PIXEL_RATE", "50000000"))
                .transcode().maxPixelRate());
        assertEquals(0, TributaryConfig.load(null, Map.of("TRIBUTARY_TRANSCODE_MAX_PIXEL_RATE", "0")).transcode().maxPixelRate());
        assertEquals("config key 'transcode.max-pixel-rate': expected auto, 0 (no limit) or pixels per second, got 'lots'",
                error(Map.of("TRIBUTARY_TRANSCODE_MAX_PIXEL_RATE", "lots")));
    }

    @Test
    void environmentOverridesFileAndDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "http:\n  port: 9000\nrtmp:\n  stream-keys: [a, b]\n");
        TributaryConfig c = TributaryConfig.load(file, Map.of("TRIBUTARY_HTTP_PORT", "9100", "TRIBUTARY_RTMP_PORT", "19350",
                "TRIBUTARY_DATA_DIR", "/srv/tributary", "TRIBUTARY_HLS_PART_TARGET", "0.333"));
        assertEquals(9100, c.http().port());
        assertEquals(19350, c.rtmp().port());
        assertEquals(Path.of("/srv/tributary"), c.dataDir());
        assertEquals(0.333, c.hls().partTarget());
        assertEquals(List.of("a", "b"), c.publish().streamKeys());
        assertTrue(c.publish().allows("a"));
        assertTrue(!c.publish().allows("c"));
    }

    private static String error(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> TributaryConfig.load(null, env)).getMessage();
    }

    @Test
    void badValuesFailNamingTheKey() {
        assertEquals("config key 'http.port': expected an integer, got 'eighty'", error(Map.of("TRIBUTARY_HTTP_PORT", "eighty")));
        assertEquals("config key 'rtmp.port': expected an integer from 0 to 65535, got '70000'", error(Map.of("TRIBUTARY_RTMP_PORT", "70000")));
        assertTrue(error(Map.of("TRIBUTARY_RTMP_RECONNECT_GRACE", "soon")).startsWith("config key 'rtmp.reconnect-grace'"));
        assertTrue(error(Map.of("TRIBUTARY_RTMP_DUPLICATE_PUBLISH", "fight")).contains("one of [reject, takeover]"));
        assertTrue(error(Map.of("TRIBUTARY_HLS_PART_TARGET", "1.5")).startsWith("config key 'hls.part-target'"));
        assertTrue(error(Map.of("TRIBUTARY_RTMP_STREAM_KEYS", "ok,../etc")).startsWith("config key 'rtmp.stream-keys'"));
    }

    @Test
    void ladderRulesChooseALadderByStreamKey() {
        TributaryConfig c = TributaryConfig.load(null, Map.of("TRIBUTARY_TRANSCODE_LADDER_RULES", "hd-*=seed, *-vod=vod, test-*=none",
                "TRIBUTARY_TRANSCODE_LADDER", "none"));
        assertEquals(io.tributary.media.transcode.Ladder.SEED, c.transcode().ladderFor("hd-cam1"));
        assertEquals(7, c.transcode().ladderFor("movie-vod").size());
        assertEquals(List.of(), c.transcode().ladderFor("test-hd-x"));
        assertEquals(List.of(), c.transcode().ladderFor("cam1"), "no rule: the default ladder");
        assertEquals(List.of(), c.transcode().ladderFor("xhd-cam"), "patterns match the whole key");
        assertTrue(error(Map.of("TRIBUTARY_TRANSCODE_LADDER_RULES", "hd-*")).startsWith("config key 'transcode.ladder-rules'"));
        assertTrue(error(Map.of("TRIBUTARY_TRANSCODE_LADDER_RULES", "hd-*=huge")).contains("ladders none, seed, vod"));
    }

    @Test
    void unknownKeysAndBadFilesAreReported(@TempDir Path dir) throws IOException {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "http:\n  prot: 80\n");
        assertEquals("config key 'http.prot' is not known",
                assertThrows(ConfigException.class, () -> TributaryConfig.load(typo, Map.of())).getMessage());
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "http: [unclosed\n");
        assertTrue(assertThrows(ConfigException.class, () -> TributaryConfig.load(broken, Map.of())).getMessage()
                .contains("is not valid YAML"));
        assertTrue(assertThrows(ConfigException.class, () -> TributaryConfig.load(dir.resolve("missing.yaml"), Map.of()))
                .getMessage().contains("does not exist"));
    }
}
