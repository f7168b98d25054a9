package io.tributary.media.hls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.timeline.PlaylistCue;
import io.tributary.media.timeline.RenditionTimeline;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ad-break cues on a hand-made timeline: where they are placed, the tags they render, how they expire. */
class CuePlaylistTest {

    private static final long T0 = 1_700_000_000_000L; // 2023-11-14T22:13:20Z
    private static final byte[] SECTION = HexFormat.of().parseHex("FC302F0000");

    @Test
    void outAndInRenderAsDateRangeAndCueTags() {
        RenditionTimeline[] holder = new RenditionTimeline[1];
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 10, 2);
        holder[0] = t;
        t.init(new byte[] {1});
        for (int p = 0; p < 14; p++) {
            if (p % 4 == 0) {
                t.startSegment(T0 + p * 500L);
            }
            if (p == 0) {
                // announced ahead: splice out at 3.2 s, planned 2.5 s; back in at 5.0 s
                t.cue("77", true, T0 + 3200, 2.5, SECTION);
                t.cue("77", false, T0 + 5000, 0, SECTION);
            }
            if (p == 5) {
                List<PlaylistCue> none = t.snapshot().cues();
                assertTrue(none.isEmpty(), "nothing placed before its media: " + none);
            }
            t.addPart(0.5, true, new byte[] {(byte) p}); // every part independent, as audio's are
        }
        List<PlaylistCue> cues = t.snapshot().cues();
        assertEquals(2, cues.size());
        PlaylistCue out = cues.get(0);
        assertEquals(1, out.msn());
        assertEquals(3, out.part(), "3.2 s falls in the part at 3.0 s; the next part start is 3.5 s");
        assertEquals(T0 + 3500, out.date());
        PlaylistCue in = cues.get(1);
        assertEquals(2, in.msn());
        assertEquals(2, in.part());
        assertEquals(T0 + 5000, in.date());
        assertEquals(out.rangeId(), in.rangeId());
        assertEquals(1.5, in.duration(), 1e-9);

        String text = LlHlsPlaylist.render(t.snapshot(), false, "", List.of());
        String id = out.rangeId();
        String outLines = "#EXT-X-DATERANGE:ID=\"" + id + "\",START-DATE=\"2023-11-14T22:13:23.500Z\","
                + "PLANNED-DURATION=2.500,SCTE35-OUT=0xFC302F0000\n#EXT-X-CUE-OUT:DURATION=2.500\n";
        String inLines = "#EXT-X-DATERANGE:ID=\"" + id + "\",START-DATE=\"2023-11-14T22:13:23.500Z\","
                + "DURATION=1.500,SCTE35-IN=0xFC302F0000\n#EXT-X-CUE-IN\n";
        assertTrue(text.contains(outLines), text);
        assertTrue(text.contains(inLines), text);
        // the out tags belong to segment 1 (for players without EXT-X-DATERANGE the break starts with it)
        assertTrue(text.indexOf(outLines) < text.indexOf("seg-1.m4s"));
        assertTrue(text.indexOf(outLines) > text.indexOf("seg-0.m4s"));
        // segment 2 still shows its parts: the in tags sit right before part 2.2
        assertTrue(text.contains(inLines + "#EXT-X-PART:DURATION=0.50000,URI=\"part-2.2.m4s\""), text);
    }

    @Test
    void aCommandInsideABreakIsItsOwnDateRangeAndLeavesTheBreakOpen() {
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 10, 2);
        t.init(new byte[] {1});
        for (int p = 0; p < 12; p++) {
            if (p % 4 == 0) {
                t.startSegment(T0 + p * 500L);
            }
            if (p == 0) {
                t.cue("9", true, T0 + 1000, 3, SECTION);
                t.cue("p", io.tributary.media.CueKind.CMD, T0 + 2000, 0, SECTION); // a programme start mid-break
                t.cue("9", false, T0 + 4000, 0, SECTION);
            }
            t.addPart(0.5, true, new byte[] {(byte) p});
        }
        List<PlaylistCue> cues = t.snapshot().cues();
        assertEquals(3, cues.size(), cues.toString());
        PlaylistCue cmd = cues.get(1);
        assertEquals(io.tributary.media.CueKind.CMD, cmd.kind());
        assertEquals(T0 + 2000, cmd.date());
        PlaylistCue in = cues.get(2);
        assertEquals(cues.get(0).rangeId(), in.rangeId(), "the command did not close the break");
        assertEquals(3.0, in.duration(), 1e-9);

        String text = LlHlsPlaylist.render(t.snapshot(), false, "", List.of());
        String cmdLine = "#EXT-X-DATERANGE:ID=\"" + cmd.rangeId() + "\",START-DATE=\"2023-11-14T22:13:22.000Z\","
                + "SCTE35-CMD=0xFC302F0000\n";
        assertTrue(text.contains(cmdLine) && !text.contains(cmdLine + "#EXT-X-CUE"), "a command carries no EXT-X-CUE tag:\n" + text);
        assertEquals(1, text.split("#EXT-X-CUE-OUT", -1).length - 1, text);
        assertEquals(1, text.split("#EXT-X-CUE-IN", -1).length - 1, text);
    }

    @Test
    void videoCueWaitsForAPartStartingWithAKeyframe() {
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 10, 2);
        t.init(new byte[] {1});
        for (int p = 0; p < 12; p++) {
            if (p % 4 == 0) {
                t.startSegment(T0 + p * 500L);
            }
            if (p == 1) {
                t.cue("k", true, T0 + 1200, 0, null); // parts at 1.5 s is not independent; 2.0 s (segment 1) is
            }
            t.addPart(0.5, p % 4 == 0, new byte[] {(byte) p});
        }
        PlaylistCue c = t.snapshot().cues().get(0);
        assertEquals(1, c.msn());
        assertEquals(0, c.part());
        assertEquals(T0 + 2000, c.date());
    }

    @Test
    void lateCueTakesTheNextPartAndIdlessInClosesTheOpenBreak() {
        RenditionTimeline t = new RenditionTimeline("audio", 2, 0.5, 10, 2);
        t.init(new byte[] {1});
        t.startSegment(T0);
        t.addPart(0.5, true, new byte[] {0});
        t.addPart(0.5, true, new byte[] {1});
        t.cue(null, true, T0 - 10_000, 0, null); // its time already passed: the very next part
        t.addPart(0.5, true, new byte[] {2});
        t.cue(null, false, T0 + 1500, 0, null);
        t.addPart(0.5, true, new byte[] {3});
        List<PlaylistCue> cues = t.snapshot().cues();
        assertEquals(2, cues.get(0).part());
        assertEquals(3, cues.get(1).part());
        assertEquals(cues.get(0).rangeId(), cues.get(1).rangeId());
        String text = LlHlsPlaylist.render(t.snapshot(), false, "", List.of());
        assertTrue(text.contains("#EXT-X-CUE-OUT\n"), "no duration known: bare CUE-OUT\n" + text);
        assertFalse(text.contains("SCTE35"), text);
    }

    @Test
    void cuesExpireWithTheirSegmentsAndWaitingOnesAreBounded() {
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 3, 1);
        t.init(new byte[] {1});
        for (int p = 0; p < 40; p++) {
            if (p % 4 == 0) {
                t.startSegment(T0 + p * 500L);
                t.cue("s" + p, true, T0 + p * 500L, 1, SECTION);
            }
            t.addPart(0.5, p % 4 == 0, new byte[] {(byte) p});
        }
        List<PlaylistCue> cues = t.snapshot().cues();
        long firstListed = t.snapshot().firstMsn();
        assertTrue(cues.stream().allMatch(c -> c.msn() >= firstListed), cues.toString());
        assertEquals(4, cues.size(), "three listed segments and the open one carry one each");

        for (int i = 0; i < 1000; i++) {
            t.cue("future" + i, true, T0 + 1_000_000 + i, 1, null); // far ahead: they wait, bounded
        }
        t.startSegment(T0 + 20_000);
        t.addPart(0.5, true, new byte[] {0});
        String text = LlHlsPlaylist.render(t.snapshot(), false, "", List.of());
        assertFalse(text.contains("future"), "still waiting");
    }

    @Test
    void deltaUpdateKeepsTheDateRangesOfSkippedSegments() {
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 20, 2);
        t.init(new byte[] {1});
        for (int p = 0; p < 80; p++) {
            if (p % 4 == 0) {
                t.startSegment(T0 + p * 500L);
            }
            if (p == 5) {
                t.cue("early", true, T0 + 2500, 1, SECTION);
            }
            t.addPart(0.5, p % 4 == 0, new byte[] {(byte) p});
        }
        String delta = LlHlsPlaylist.render(t.snapshot(), true, "", List.of());
        assertTrue(delta.contains("#EXT-X-SKIP:SKIPPED-SEGMENTS="), delta);
        assertTrue(delta.contains("#EXT-X-DATERANGE:ID=\"early-"), delta);
        assertFalse(delta.contains("#EXT-X-CUE-OUT"), "the segment it belongs to was skipped");
        assertEquals(1, Arrays.stream(delta.split("\n")).filter(l -> l.startsWith("#EXT-X-DATERANGE")).count());
    }
}
