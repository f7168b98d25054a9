package io.tributary.media.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An ad splice starts a segment at the first keyframe from its time on, however short the one before. */
class SpliceCutTest {

    @Test
    void spliceCutsAtTheNextKeyframe() {
        RenditionTimeline t = new RenditionTimeline("video", 2, 0.5, 20, 2);
        t.init(new byte[] {1});
        TrackPackager p = new TrackPackager(t, 90_000, 0.5, 2.0, true);
        List<Integer> segmentStarts = new ArrayList<>();
        for (int f = 0; f < 150; f++) {
            if (f == 30) {
                p.requestSplice(65 * 3600L); // frame 65 is not a keyframe: the cut waits for frame 70
                p.requestSplice(100 * 3600L); // on a keyframe that would not cut (only 30 frames after 70)
            }
            boolean key = f % 10 == 0;
            if (p.offer(f * 3600L, 0, key, new byte[] {(byte) f}, 1_000_000L + f * 40L)) {
                segmentStarts.add(f);
            }
        }
        // 2 s target at 25 fps: 0, 50, then the splices at 70 and 100, then 150 would be next
        assertEquals(List.of(0, 50, 70, 100), segmentStarts);
        MediaSegment spliced = t.snapshot().listed().get(2);
        assertEquals(1_000_000L + 70 * 40, spliced.programDateTime());
    }
}
