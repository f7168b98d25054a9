package io.tributary.media.transcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.transcode.LadderRung.Mode;
import io.tributary.media.transcode.TranscodeTestKit.Decoded;
import io.tributary.media.transcode.TranscodeTestKit.Recorder;
import io.tributary.media.transcode.TranscodeTestKit.Source;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A 720p source into a 720p (bypassed) / 480p / 360p ladder. */
class LiveTranscoderLadderTest {

    static final List<LadderRung> LADDER = List.of(
            LadderRung.of("720p", 1280, 720, 1_500_000, Mode.BYPASS_IF_MATCH),
            LadderRung.of("480p", 854, 480, 1_000_000, Mode.ENCODE),
            LadderRung.of("360p", 640, 360, 600_000, Mode.ENCODE));

    static Source source;

    @BeforeAll
    static void encodeSource() {
        source = TranscodeTestKit.source(1280, 720, 30, 60, 5.0);
    }

    @Test
    void everyRungDecodesAtItsSizeWithTheSourceKeyframesAndAllFrames() throws Exception {
        AvcConfig cfg = AvcConfig.parse(source.avcC());
        Recorder rec = new Recorder();
        try (LiveTranscoder t = new LiveTranscoder(cfg, LADDER, rec)) {
            assertEquals(List.of("720p", "480p", "360p"), t.ladder().stream().map(LadderRung::name).toList());
            assertEquals(Mode.BYPASS, t.ladder().get(0).mode());
            assertEquals(List.of("480p", "360p"), t.encodedRungs().stream().map(LadderRung::name).toList());

            TranscodeTestKit.OfferTimes offers = TranscodeTestKit.feed(t, source.samples(), 1.0);
            assertTrue(t.finish(Duration.ofSeconds(20)), "finish in time");
            offers.assertNonBlocking();

            int in = source.samples().size();
            TreeSet<Long> sourceKeys = source.keyframePts();
            assertEquals(3, sourceKeys.size(), "5 s at GOP 2 s: keyframes at 0, 2, 4 s");
            assertTrue(rec.errors.isEmpty(), rec.errors.toString());
            assertFalse(rec.configAfterSample, "onConfig once, before the first sample");
            assertEquals(in, t.sourceStats().framesDecoded());

            for (LadderRung r : t.encodedRungs()) {
                String name = r.name();
                List<MediaSample> out = rec.samples(name);
                assertEquals(in, out.size(), name + ": every source frame encoded");
                assertEquals(0, rec.droppedTotal(name), name + " dropped");
                RungStats st = t.stats(name);
                assertEquals(in, st.framesIn());
                assertEquals(in, st.framesOut());
                assertEquals(0, st.dropped());
                assertEquals(0, st.queueDepth());

                // IDR alignment: exactly the source's keyframe times, and first sample is one
                assertEquals(sourceKeys, rec.keyframePts(name), name + " keyframes");
                assertTrue(out.get(0).keyframe());
                // the ms timeline passes through unchanged, without reordering
                assertEquals(source.samples().stream().map(MediaSample::pts).toList(),
                        out.stream().map(MediaSample::pts).toList(), name + " timestamps");
                assertTrue(out.stream().allMatch(s -> s.compositionOffset() == 0), "no B-frames");

                byte[] avcC = rec.configs.get(name);
                assertTrue(java.util.Arrays.equals(avcC, t.outputConfig(name)));
                AvcConfig outCfg = AvcConfig.parse(avcC);
                assertEquals(r.width(), outCfg.width());
                assertEquals(r.height(), outCfg.height());
                assertEquals(4, outCfg.nalLengthSize());
                assertTrue(outCfg.codecString().matches("avc1\\.(42|4d|64)[0-9a-f]{4}"), outCfg.codecString());

                List<Decoded> pics = TranscodeTestKit.decode(avcC, out);
                assertEquals(in, pics.size(), name + " decoded pictures");
                for (Decoded d : pics) {
                    assertEquals(r.width(), d.width(), name);
                    assertEquals(r.height(), d.height(), name);
                }
                long bits = out.stream().mapToLong(s -> s.data().length * 8L).sum();
                double kbps = bits / 5.0 / 1000;
                System.out.printf("rung %s %dx%d %s: %d frames, %.0f kbit/s (target %d), encode %.0f fps%n",
                        name, r.width(), r.height(), outCfg.codecString(), out.size(), kbps, r.bitrate() / 1000,
                        st.encodeFps());
            }
        }
    }

    /**
     * Throughput of the 720p -> 480p/360p ladder: feed as fast as the transcoder takes it (waiting on
     * queue depth instead of the clock) and compare media time with wall and CPU time.
     */
    @Test
    void throughputOfTheLadder() throws Exception {
        AvcConfig cfg = AvcConfig.parse(source.avcC());
        Recorder rec = new Recorder();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        TranscodeOptions opts = TranscodeOptions.defaults().withMaxLagMillis(60_000);
        try (LiveTranscoder t = new LiveTranscoder(cfg, LADDER, rec, opts)) {
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            for (MediaSample s : source.samples()) {
                while (t.sourceStats().queueDepth() > 8
                        || t.stats().stream().anyMatch(st -> st.queueDepth() > 8)) {
                    Thread.sleep(1);
                }
                assertTrue(t.offer(s));
            }
            assertTrue(t.finish(Duration.ofSeconds(30)));
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            double media = source.samples().size() / 30.0;
            for (RungStats st : t.stats()) {
                assertEquals(source.samples().size(), st.framesOut(), st.rung());
                System.out.printf("  %s: %.0f fps busy, %.2fx realtime alone-under-contention%n", st.rung(),
                        st.encodeFps(), st.realtimeFactor());
            }
            System.out.printf("ladder 720p -> 480p+360p: %.1f s media in %.2f s wall = %.2fx realtime, "
                    + "CPU %.2f s (%.0f%% of one core per media second)%n", media, wall, media / wall, cpu,
                    100 * cpu / media);
            assertTrue(media / wall > 0.5, "far below realtime: " + media / wall);
        }
    }

    /** A source with B-frames (decode order != presentation order) keeps every frame and keyframe time. */
    @Test
    void bFrameSourceKeepsPresentationTimesAndKeyframes() throws Exception {
        Source bsrc;
        try (var gen = io.tributary.media.testing.SyntheticAvSource.builder().size(640, 360).fps(30).gop(30)
                .bFrames(2).audio(false).preset("ultrafast").build()) {
            bsrc = new Source(gen.avcDecoderConfigurationRecord(), gen.next(3.0));
        }
        assertTrue(bsrc.samples().stream().anyMatch(s -> s.compositionOffset() > 0), "source has B-frames");
        Recorder rec = new Recorder();
        try (LiveTranscoder t = new LiveTranscoder(AvcConfig.parse(bsrc.avcC()),
                List.of(LadderRung.of("180p", 320, 180, 300_000, Mode.ENCODE)), rec)) {
            TranscodeTestKit.feed(t, bsrc.samples(), 4.0);
            assertTrue(t.finish(Duration.ofSeconds(10)));
            List<MediaSample> out = rec.samples("180p");
            assertEquals(new TreeSet<>(bsrc.samples().stream().map(MediaSample::pts).toList()),
                    new TreeSet<>(out.stream().map(MediaSample::pts).toList()));
            assertEquals(bsrc.samples().size(), out.size());
            assertEquals(bsrc.keyframePts(), rec.keyframePts("180p"));
            assertEquals(out.size(), TranscodeTestKit.decode(rec.configs.get("180p"), out).size());
        }
    }
}
