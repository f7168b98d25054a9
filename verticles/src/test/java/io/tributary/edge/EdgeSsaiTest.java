package io.tributary.edge;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the edge reads from a shared playlist and from an origin's pod answer (the splice itself is SsaiEdgeTest's). */
class EdgeSsaiTest {

    static final String PLAYLIST = """
            #EXTM3U
            #EXT-X-VERSION:9
            #EXT-X-TARGETDURATION:2
            #EXT-X-MEDIA-SEQUENCE:10
            #EXT-X-DISCONTINUITY-SEQUENCE:0
            #EXT-X-MAP:URI="init.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2026-12-07T12:00:00.000Z
            #EXTINF:2.00000,
            seg-10.m4s
            #EXT-X-DATERANGE:ID="cmd-1",START-DATE="2026-12-07T12:00:02.000Z",SCTE35-CMD=0xFC00
            #EXT-X-DATERANGE:ID="brk-1",START-DATE="2026-12-07T12:00:02.000Z",PLANNED-DURATION=8.000
            #EXT-X-CUE-OUT:DURATION=8.000
            #EXT-X-PROGRAM-DATE-TIME:2026-12-07T12:00:02.000Z
            #EXTINF:2.00000,
            seg-11.m4s
            #EXT-X-DATERANGE:ID="other",CLASS="com.example",START-DATE="2026-12-07T12:00:04.000Z",PLANNED-DURATION=3
            #EXT-X-DATERANGE:ID="brk-1",START-DATE="2026-12-07T12:00:02.000Z",DURATION=8.000
            #EXT-X-DATERANGE:ID="bad id!",START-DATE="2026-12-07T12:00:04.000Z",PLANNED-DURATION=3
            #EXT-X-DATERANGE:ID="brk-2",START-DATE="not a date",PLANNED-DURATION=3
            #EXT-X-DATERANGE:ID="brk-3",START-DATE="2026-12-07T12:00:04.000+00:00",PLANNED-DURATION=0
            #EXT-X-DATERANGE:ID="brk-4",START-DATE="2026-12-07T12:00:04.000Z",X-PLANNED-DURATION=5
            #EXT-X-PROGRAM-DATE-TIME:2026-12-07T12:00:04.000Z
            #EXTINF:2.00000,
            seg-12.m4s
            """;

    @Test
    void readsEachAdBreakOnceAndNothingElse() {
        List<EdgeSsai.Break> breaks = EdgeSsai.breaks(PLAYLIST);
        assertEquals(List.of(new EdgeSsai.Break("brk-1", Instant.parse("2026-12-07T12:00:02Z").toEpochMilli(), 8.0)), breaks,
                "an out with a planned duration; not a command, another class, its in, a bad id or date, no duration, an X- attribute");
        assertTrue(EdgeSsai.breaks("#EXTM3U\n#EXTINF:2,\nseg-1.m4s\n").isEmpty());
    }

    @Test
    void toleranceFollowsTheTargetDurationAsTheOriginsDoes() {
        assertEquals(500, EdgeSsai.tolerance(PLAYLIST)); // 0.4 x 2 s, at most 500 ms
        assertEquals(400, EdgeSsai.tolerance("#EXTM3U\n#EXT-X-TARGETDURATION:1\n"));
        assertEquals(250, EdgeSsai.tolerance("#EXTM3U\n"));
    }

    @Test
    void aPodAnswerKeepsOnlyWellFormedRunsAndNamesOnlyTheirFiles() {
        JsonObject answer = new JsonObject().put("startDate", 1234L)
                .put("ads", new JsonArray().add(new JsonObject().put("asset", "a0123456789abcdef")).add(new JsonObject().put("asset", "../x")))
                .put("renditions", new JsonObject()
                        .put("360p", new JsonArray()
                                .add(new JsonObject().put("ad", 0).put("rendition", "360p")
                                        .put("files", new JsonArray().add("seg_1.m4s").add("../../etc/passwd").add("seg_2.m4s"))
                                        .put("durations", new JsonArray().add(1.0).add(1.0).add(1.0)))
                                .add(new JsonObject().put("ad", 1).put("rendition", "360p") // its asset was refused
                                        .put("files", new JsonArray().add("seg_1.m4s")).put("durations", new JsonArray().add(1.0)))
                                .add(new JsonObject().put("ad", 7).put("rendition", "360p")
                                        .put("files", new JsonArray().add("seg_1.m4s")).put("durations", new JsonArray().add(1.0)))));
        EdgeSsai.Spec spec = EdgeSsai.Spec.parse(answer);
        assertEquals(1234L, spec.startDate());
        assertEquals(1, spec.renditions().get("360p").size());
        assertEquals(List.of("seg_1.m4s", "seg_2.m4s"), spec.renditions().get("360p").get(0).files());
        assertTrue(spec.lists(0, "360p", "seg_2.m4s"));
        assertTrue(spec.lists(0, "360p", "init.mp4"));
        assertFalse(spec.lists(0, "360p", "seg_3.m4s"), "a file the pod does not list");
        assertFalse(spec.lists(0, "720p", "seg_1.m4s"), "a rendition it does not list");
        assertFalse(spec.lists(1, "360p", "seg_1.m4s"), "an ad whose asset id was refused");
    }
}
