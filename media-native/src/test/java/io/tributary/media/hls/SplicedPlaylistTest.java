package io.tributary.media.hls;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The splice over shared playlist text: numbering stays put as the window slides past a pod. */
class SplicedPlaylistTest {

    static final long T0 = 1_800_000_000_000L;

    /** A shared playlist of 2 s segments {@code first..last}; the break cue on segment 3. */
    static String shared(long first, long last) {
        StringBuilder b = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:")
                .append(first).append("\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n");
        for (long k = first; k <= last; k++) {
            if (k == first) {
                b.append("#EXT-X-MAP:URI=\"init-0.mp4\"\n");
            }
            b.append("#EXT-X-PROGRAM-DATE-TIME:").append(Instant.ofEpochMilli(T0 + k * 2000)).append('\n');
            if (k == 3) {
                b.append("#EXT-X-DATERANGE:ID=\"b-1\",START-DATE=\"x\",PLANNED-DURATION=4.000\n#EXT-X-CUE-OUT:DURATION=4.000\n");
            }
            b.append("#EXTINF:2.00000,\nseg-").append(k).append(".m4s\n");
        }
        return b.toString();
    }

    @Test
    void aPodOfThreeReplacesTwoSegmentsAndTheNumbersHoldAsTheWindowSlides() {
        // three ad segments of 4/3 s fill the 4 s break that covers content segments 3 and 4
        AdRun ad = new AdRun("/ads/s/b-1/0/v/init.mp4", List.of("/ads/s/b-1/0/v/seg_0.m4s", "/ads/s/b-1/0/v/seg_1.m4s",
                "/ads/s/b-1/0/v/seg_2.m4s"), List.of(4 / 3.0, 4 / 3.0, 4 / 3.0));
        PodPlacement pod = new PodPlacement("b-1", T0 + 6000, List.of(ad), 200);
        String early = SplicedPlaylist.render(shared(0, 6), List.of(pod), 0, 0);
        assertTrue(early.contains("#EXT-X-MEDIA-SEQUENCE:0\n"), early);
        assertFalse(early.contains("seg-3.m4s") || early.contains("seg-4.m4s"), early);
        assertTrue(early.contains("#EXT-X-DATERANGE:ID=\"b-1\""), "the break's date range stays: " + early);
        assertTrue(early.contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-0.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:"
                + Instant.ofEpochMilli(T0 + 10_000)), "content resumes after a discontinuity with its map: " + early);
        // session msns: 0,1,2 content; 3,4,5 ads; 6 = content 5
        List<String> uris = early.lines().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of("seg-0.m4s", "seg-1.m4s", "seg-2.m4s", "/ads/s/b-1/0/v/seg_0.m4s", "/ads/s/b-1/0/v/seg_1.m4s",
                "/ads/s/b-1/0/v/seg_2.m4s", "seg-5.m4s", "seg-6.m4s"), uris);

        // later: the window starts at content 5; content 5 is session msn 6, both discontinuities slid out
        String late = SplicedPlaylist.render(shared(5, 9), List.of(pod), 0, 0);
        assertTrue(late.contains("#EXT-X-MEDIA-SEQUENCE:6\n"), late);
        assertTrue(late.contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), "the pod's opening discontinuity slid out: " + late);
        assertFalse(late.contains("/ads/"), late);

        // the window starting inside the pod: the ads still there, numbered as before
        String middle = SplicedPlaylist.render(shared(4, 8), List.of(pod), 0, 0);
        // content 4 began at 8 s: the first ad segment (ending at 7.33 s) left with content 3
        assertTrue(middle.contains("#EXT-X-MEDIA-SEQUENCE:4\n"), middle);
        List<String> mid = middle.lines().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of("/ads/s/b-1/0/v/seg_1.m4s", "/ads/s/b-1/0/v/seg_2.m4s", "seg-5.m4s", "seg-6.m4s", "seg-7.m4s", "seg-8.m4s"), mid);
        assertTrue(middle.contains("#EXT-X-MAP:URI=\"/ads/s/b-1/0/v/init.mp4\""), "the ad's map though its first segment left: " + middle);
    }

    @Test
    void adSegmentsAppearOnlyAsTheLiveContentReachesThem() {
        AdRun ad = new AdRun("/a/init.mp4", List.of("/a/seg_0.m4s", "/a/seg_1.m4s"), List.of(2.0, 2.0));
        PodPlacement pod = new PodPlacement("b-1", T0 + 6000, List.of(ad), 200);
        String edge = SplicedPlaylist.render(shared(0, 3), List.of(pod), 0, 0);
        assertTrue(edge.contains("/a/seg_0.m4s") && !edge.contains("/a/seg_1.m4s"), edge);
    }
}
