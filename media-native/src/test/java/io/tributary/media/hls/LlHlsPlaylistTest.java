package io.tributary.media.hls;

import io.tributary.media.timeline.RenditionTimeline;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.media.timeline.TimelineListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Media playlist text for hand-made timelines: exact lines, where the tags go. */
class LlHlsPlaylistTest {

    /** {@code segments} complete 2 s segments of four 0.5 s parts, then {@code openParts} parts. */
    private static RenditionTimeline timeline(int segments, int openParts, int window) {
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, window, 2);
        t.init(new byte[]{1});
        long pdt = 1_700_000_000_000L;
        for (int s = 0; s < segments; s++) {
            t.startSegment(pdt + s * 2000L);
            for (int p = 0; p < 4; p++) {
                t.addPart(0.5, p == 0, new byte[]{(byte) p});
            }
        }
        t.startSegment(pdt + segments * 2000L);
        for (int p = 0; p < openParts; p++) {
            t.addPart(0.5, p == 0, new byte[]{(byte) p});
        }
        return t;
    }

    @Test
    void thePartHoldBackIsTheTimelines() {
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 1.0, 10, 2,
                TimelineListener.NONE);
        t.init(new byte[]{1});
        t.startSegment(1_700_000_000_000L);
        t.addPart(0.5, true, new byte[]{0});
        String text = LlHlsPlaylist.render(t.snapshot(), false, "", List.of());
        assertTrue(text.contains(",PART-HOLD-BACK=1.000,"), text);
        assertThrows(IllegalArgumentException.class, () -> new RenditionTimeline("video", 2, 0.5, 0.9, 10, 2,
                TimelineListener.NONE), "under two part targets breaks RFC 8216bis");
    }

    @Test
    void rendersTheLowLatencyPlaylist() {
        RenditionSnapshot s = timeline(4, 2, 10).snapshot();
        String text = LlHlsPlaylist.render(s, false, "", List.of(new RenditionReport("../audio/index.m3u8", 3, 1)));
        String expectedHead = """
                #EXTM3U
                #EXT-X-VERSION:9
                #EXT-X-TARGETDURATION:2
                #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,PART-HOLD-BACK=1.500,HOLD-BACK=6.000
                #EXT-X-PART-INF:PART-TARGET=0.500
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-DISCONTINUITY-SEQUENCE:0
                #EXT-X-MAP:URI="init-0.mp4"
                #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z
                #EXTINF:2.00000,
                seg-0.m4s
                """;
        assertTrue(text.startsWith(expectedHead), text);
        String expectedTail = """
                #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:28.000Z
                #EXT-X-PART:DURATION=0.50000,URI="part-4.0.m4s",INDEPENDENT=YES
                #EXT-X-PART:DURATION=0.50000,URI="part-4.1.m4s"
                #EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-4.2.m4s"
                #EXT-X-RENDITION-REPORT:URI="../audio/index.m3u8",LAST-MSN=3,LAST-PART=1
                """;
        assertTrue(text.endsWith(expectedTail), text);
        // parts only for segments ending in the last three target durations (edge 9 s, from 3 s)
        assertFalse(text.contains("part-0."), text);
        assertTrue(text.contains("part-1.3.m4s"), text);
    }

    @Test
    void deltaUpdateSkipsSegmentsOlderThanSkipUntil() {
        RenditionSnapshot s = timeline(10, 1, 10).snapshot(); // 20.5 s listed
        String delta = LlHlsPlaylist.render(s, true, "", List.of());
        // edge at 20.5 s; segments ending before 8.5 s (0..3) are skipped
        assertTrue(delta.contains("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n"), delta);
        assertFalse(delta.contains("seg-3.m4s"));
        assertTrue(delta.contains("seg-4.m4s"));
        assertTrue(delta.contains("#EXT-X-MAP:URI=\"init-0.mp4\"\n#EXT-X-PROGRAM-DATE-TIME"), "map after the skip");
        String small = LlHlsPlaylist.render(timeline(3, 0, 10).snapshot(), true, "", List.of());
        assertFalse(small.contains("EXT-X-SKIP"), "nothing old enough to skip");
    }

    @Test
    void windowSlidesAndCountsDiscontinuities() {
        RenditionTimeline t = timeline(2, 0, 3);
        t.closeSegment();
        t.discontinuity();
        t.init(new byte[]{2});
        for (int s = 0; s < 4; s++) {
            t.startSegment(0);
            t.addPart(0.5, true, new byte[]{9});
        }
        t.closeSegment();
        RenditionSnapshot s = t.snapshot();
        String text = LlHlsPlaylist.render(s, false, "", List.of());
        assertTrue(text.contains("#EXT-X-MEDIA-SEQUENCE:3\n"), text);
        assertTrue(text.contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), "the discontinuity at msn 2 slid out: " + text);
        assertTrue(text.contains("#EXT-X-MAP:URI=\"init-1.mp4\""));
        assertFalse(s.inits().containsKey(0) && s.retired().stream().noneMatch(x -> x.initVersion() == 0), "unused init dropped");
        assertTrue(s.segment(1) != null, "retired segments stay fetchable");
        t.end();
        String ended = LlHlsPlaylist.render(t.snapshot(), false, "", List.of());
        assertTrue(ended.endsWith("#EXT-X-ENDLIST\n"), ended);
        assertFalse(ended.contains("PRELOAD-HINT"));
    }

    @Test
    void multivariantListsVariantsAndTheAudioGroup() {
        String text = MultivariantPlaylist.render(
                new ArrayList<>(List.of(new MultivariantPlaylist.Variant("video/index.m3u8", "avc1.64001f", 1280, 720, 30, 3_000_000, 2_500_000))),
                new MultivariantPlaylist.Audio("audio/index.m3u8", "audio", "mp4a.40.2", 2, 128_000), "");
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:9
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"
                #EXT-X-STREAM-INF:BANDWIDTH=3128000,AVERAGE-BANDWIDTH=2628000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO="audio"
                video/index.m3u8
                """, text);
    }

    @Test
    void multivariantSaysNoneOnEveryVariantWithoutCaptions() {
        List<MultivariantPlaylist.Variant> variants = List.of(
                new MultivariantPlaylist.Variant("720p/index.m3u8", "avc1.64001f", 1280, 720, 30, 3_000_000, 2_500_000),
                new MultivariantPlaylist.Variant("360p/index.m3u8", "avc1.64001e", 640, 360, 30, 900_000, 800_000));
        String text = MultivariantPlaylist.render(variants, null, "", true);
        assertEquals(2, text.lines().filter(l -> l.startsWith("#EXT-X-STREAM-INF:") && l.endsWith(",CLOSED-CAPTIONS=NONE")).count(), text);
        assertFalse(MultivariantPlaylist.render(variants, null, "", false).contains("CLOSED-CAPTIONS"));
    }
}
