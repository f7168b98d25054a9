package io.tributary.media.transcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.transcode.LadderRung.Mode;
import io.tributary.media.transcode.TranscodeTestKit.Recorder;
import io.tributary.media.transcode.TranscodeTestKit.Source;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class LiveTranscoderOverloadTest {

    /**
     * One rung's consumer takes 100 ms per sample (a 10 fps rung against a 30 fps source): it must
     * drop whole stretches up to source keyframes and resume on IDRs, while the other rung keeps
     * every frame and offer() stays non-blocking.
     */
    @Test
    void slowRungDropsToTheNextKeyframeWhileTheOtherKeepsEverything() throws Exception {
        Source src = TranscodeTestKit.source(640, 360, 30, 30, 4.0);
        AvcConfig cfg = AvcConfig.parse(src.avcC());
        List<LadderRung> ladder = List.of(
                LadderRung.of("slow", 320, 180, 300_000, Mode.ENCODE),
                LadderRung.of("fast", 426, 240, 400_000, Mode.ENCODE));
        Recorder rec = new Recorder();
        rec.delayMillis.put("slow", 100L);
        TranscodeOptions opts = TranscodeOptions.defaults().withRungQueueCapacity(10).withMaxLagMillis(500);
        try (LiveTranscoder t = new LiveTranscoder(cfg, ladder, rec, opts)) {
            TranscodeTestKit.feed(t, src.samples(), 1.0).assertNonBlocking();
            assertTrue(t.finish(Duration.ofSeconds(20)));

            int in = src.samples().size();
            TreeSet<Long> sourceKeys = src.keyframePts();
            RungStats fast = t.stats("fast");
            RungStats slow = t.stats("slow");
            System.out.println("overload: " + fast + "\n          " + slow);

            assertEquals(in, fast.framesOut());
            assertEquals(0, fast.dropped());
            assertEquals(sourceKeys, rec.keyframePts("fast"));

            assertTrue(slow.dropped() > in / 3, "slow rung dropped only " + slow.dropped());
            assertEquals(slow.dropped(), rec.droppedTotal("slow"), "every drop reported");
            assertEquals(in, slow.framesOut() + slow.dropped(), "every frame encoded or counted as dropped");
            assertEquals(in, slow.framesIn());

            // after every drop notice the rung resumes on an IDR at a source keyframe
            List<Object> ev = rec.events.get("slow");
            int resumes = 0;
            for (int i = 0; i < ev.size() - 1; i++) {
                if (ev.get(i) instanceof Integer && ev.get(i + 1) instanceof MediaSample s) {
                    assertTrue(s.keyframe(), "resumed on a non-IDR at " + s.pts());
                    assertTrue(sourceKeys.contains(s.pts()), "resumed off the source keyframes at " + s.pts());
                    resumes++;
                }
            }
            assertTrue(resumes >= 1, "the slow rung never resumed");
            // its IDRs are still only at source keyframes, and it decodes cleanly despite the gaps
            assertTrue(sourceKeys.containsAll(rec.keyframePts("slow")));
            assertEquals(slow.framesOut(), TranscodeTestKit.decode(rec.configs.get("slow"), rec.samples("slow")).size());
            assertTrue(rec.errors.isEmpty(), rec.errors.toString());
        }
    }

    /**
     * A decode queue of 2 fed in one burst overflows at ingest: offer() refuses samples until the
     * next keyframe, every rung hears about it, and what does get through decodes.
     */
    @Test
    void sourceQueueOverflowDropsUntilTheNextKeyframe() throws Exception {
        Source src = TranscodeTestKit.source(640, 360, 30, 15, 3.0);
        AvcConfig cfg = AvcConfig.parse(src.avcC());
        Recorder rec = new Recorder();
        TranscodeOptions opts = TranscodeOptions.defaults().withSourceQueueCapacity(2).withMaxLagMillis(60_000);
        try (LiveTranscoder t = new LiveTranscoder(cfg, List.of(LadderRung.of("180p", 320, 180, 200_000,
                Mode.ENCODE)), rec, opts)) {
            int accepted = 0;
            boolean dropping = false;
            for (MediaSample s : src.samples()) {
                boolean ok = t.offer(s);
                if (ok) {
                    accepted++;
                    if (dropping) {
                        assertTrue(s.keyframe(), "accepted a non-keyframe right after dropping");
                    }
                }
                dropping = !ok;
            }
            assertTrue(t.finish(Duration.ofSeconds(20)));
            SourceStats ss = t.sourceStats();
            RungStats rs = t.stats("180p");
            assertTrue(ss.samplesDropped() > 0, "the burst should overflow a 2-sample queue");
            assertEquals(src.samples().size(), ss.samplesIn());
            assertEquals(accepted, ss.samplesIn() - ss.samplesDropped());
            assertEquals(accepted, rs.framesOut());
            assertEquals(ss.samplesDropped(), rs.dropped());
            assertEquals(rs.dropped(), rec.droppedTotal("180p"));
            assertEquals(accepted, TranscodeTestKit.decode(rec.configs.get("180p"), rec.samples("180p")).size());
        }
    }
}
