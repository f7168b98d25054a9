package io.tributary.media.transcode;

import io.tributary.media.codec.AvcConfig;
import io.tributary.media.transcode.TranscodeTestKit.Recorder;
import io.tributary.media.transcode.TranscodeTestKit.Source;
import java.time.Duration;

/**
 * Open/feed/close cycles in a process of their own (see
 * {@link LiveTranscoderLifecycleTest#repeatedCyclesDoNotGrowResidentMemory}); prints
 * "RSS warm=KB end=KB threads=N".
 */
public final class CycleMain {

    public static void main(String[] args) throws Exception {
        int warmup = Integer.parseInt(args[0]);
        int cycles = Integer.parseInt(args[1]);
        Source src = TranscodeTestKit.source(640, 360, 30, 30, 1.0);
        AvcConfig cfg = AvcConfig.parse(src.avcC());
        TranscodeOptions opts = TranscodeOptions.defaults().withMaxLagMillis(60_000);
        long warm = 0;
        for (int i = 0; i < warmup + cycles; i++) {
            if (i == warmup) {
                warm = settledRssKb();
            }
            try (LiveTranscoder t = new LiveTranscoder(cfg, LiveTranscoderLifecycleTest.LADDER, new Recorder(), opts)) {
                if (i % 2 == 0) {
                    src.samples().forEach(t::offer);
                    if (!t.finish(Duration.ofSeconds(10)) || t.stats("180p").framesOut() != src.samples().size()) {
                        throw new AssertionError("cycle " + i + " did not drain: " + t.stats());
                    }
                } else {
                    // closed mid-GOP with frames queued in the rungs
                    src.samples().subList(0, 20).forEach(t::offer);
                    Thread.sleep(20);
                }
            }
        }
        System.out.println("RSS warm=" + warm + " end=" + settledRssKb() + " threads="
                + TranscodeTestKit.transcoderThreads().size());
    }

    private static long settledRssKb() throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc(); // JavaCPP frees its own small allocations (e.g. AVRational) on collection
            Thread.sleep(50);
        }
        return TranscodeTestKit.rssKb();
    }
}
