package io.tributary.edge;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EdgeRungsTest {

    private static final String MULTIVARIANT = String.join("\n",
            "#EXTM3U",
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\",URI=\"audio/index.m3u8?sid=1\"",
            "#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=9000000,BANDWIDTH=800000,CODECS=\"avc1.64001f\"",
            "360p/index.m3u8?sid=1",
            "#EXT-X-STREAM-INF:BANDWIDTH=5000000,AVERAGE-BANDWIDTH=4000000,CODECS=\"avc1.640028\"",
            "1080p/index.m3u8?sid=1",
            "#EXT-X-STREAM-INF:BANDWIDTH=2500000,CODECS=\"avc1.64001f\"",
            "720p/index.m3u8?sid=1",
            "");

    @Test
    void rungsComeHighestBandwidthFirstWithoutAudio() {
        // AVERAGE-BANDWIDTH must not be read as BANDWIDTH
        assertEquals(List.of("1080p", "720p", "360p"), EdgeRungs.parse(MULTIVARIANT));
        assertEquals(List.of("audio-only"), EdgeRungs.parse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=64000\naudio-only/index.m3u8\n"));
        assertEquals(List.of(), EdgeRungs.parse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=64000\naudio/index.m3u8\n"));
    }

    @Test
    void learntPerStreamAndForgotten() {
        EdgeRungs rungs = new EdgeRungs();
        assertEquals(List.of(), rungs.of("s"));
        rungs.learn("s", Buffer.buffer(MULTIVARIANT));
        assertEquals(List.of("1080p", "720p", "360p"), rungs.of("s"));
        assertEquals(List.of(), rungs.of("other"));
        rungs.forget("s");
        assertEquals(List.of(), rungs.of("s"));
    }
}
