package io.tributary.media.transcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.transcode.LadderRung.Mode;
import io.tributary.media.transcode.TranscodeTestKit.Recorder;
import io.tributary.media.transcode.TranscodeTestKit.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LiveTranscoderBadInputTest {

    static final List<LadderRung> LADDER = List.of(LadderRung.of("180p", 320, 180, 250_000, Mode.ENCODE));
    static Source src;

    @BeforeAll
    static void encodeSource() {
        src = TranscodeTestKit.source(640, 360, 30, 15, 2.0);
    }

    @Test
    void malformedAvcCIsATranscodeException() {
        AvcConfig good = AvcConfig.parse(src.avcC());
        AvcConfig garbage = new AvcConfig(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 640, 360, 100, 0, 30, 4);
        assertThrows(TranscodeException.class, () -> new LiveTranscoder(garbage, LADDER, new Recorder()));
        // a record whose parsed size is not what it claims
        AvcConfig lying = new AvcConfig(good.record(), 1920, 1080, good.profileIdc(), good.constraintFlags(),
                good.levelIdc(), good.nalLengthSize());
        assertThrows(TranscodeException.class, () -> new LiveTranscoder(lying, LADDER, new Recorder()));
        assertEquals(List.of(), TranscodeTestKit.transcoderThreads());
    }

    /** SPS intact (so AvcConfig parses) but the PPS is noise: the decoder must refuse it, not crash. */
    @Test
    void corruptPpsIsRefusedOrCountedNeverACrash() throws Exception {
        byte[] rec = src.avcC();
        // layout: 6-byte header, 2-byte SPS length, SPS, 1-byte PPS count, 2-byte PPS length, PPS
        int spsLen = (rec[6] & 0xFF) << 8 | (rec[7] & 0xFF);
        int ppsStart = 8 + spsLen + 3;
        int ppsLen = (rec[ppsStart - 2] & 0xFF) << 8 | (rec[ppsStart - 1] & 0xFF);
        byte[] bad = rec.clone();
        for (int i = ppsStart + 1; i < ppsStart + ppsLen; i++) {
            bad[i] = (byte) 0xFF; // pic_parameter_set_id etc. become absurd exp-Golomb codes
        }
        AvcConfig cfg = AvcConfig.parse(bad);
        Recorder r = new Recorder();
        LiveTranscoder t;
        try {
            t = new LiveTranscoder(cfg, LADDER, r);
        } catch (TranscodeException refused) {
            return; // the decoder rejected the configuration up front: fine
        }
        try (t) {
            src.samples().forEach(t::offer);
            assertTrue(t.finish(Duration.ofSeconds(10)));
            SourceStats ss = t.sourceStats();
            System.out.println("corrupt PPS: " + ss);
            assertTrue(ss.decodeErrors() > 0 || ss.framesDecoded() < src.samples().size(), ss.toString());
        }
    }

    @Test
    void garbageSamplesAreCountedAndTheStreamRecoversOnTheNextKeyframe() throws Exception {
        AvcConfig cfg = AvcConfig.parse(src.avcC());
        Random rnd = new Random(42);
        List<MediaSample> in = new ArrayList<>();
        List<MediaSample> good = src.samples();
        int gop = 15;
        for (int i = 0; i < good.size(); i++) {
            MediaSample s = good.get(i);
            if (i >= gop + 3 && i < gop + 8) {
                byte[] junk = new byte[200 + rnd.nextInt(2000)];
                rnd.nextBytes(junk);
                if (i == gop + 3) {
                    junk[0] = 0x7F; // a NAL length far past the end of the sample
                }
                in.add(new MediaSample(Track.VIDEO, s.dts(), s.compositionOffset(), false, junk));
            } else if (i == gop + 8) {
                in.add(new MediaSample(Track.VIDEO, s.dts(), 0, false, new byte[0]));
            } else if (i == gop + 9) {
                // a truncated real frame
                in.add(new MediaSample(Track.VIDEO, s.dts(), 0, false, java.util.Arrays.copyOf(s.data(), 7)));
            } else {
                in.add(s);
            }
        }
        Recorder rec = new Recorder();
        try (LiveTranscoder t = new LiveTranscoder(cfg, LADDER, rec)) {
            for (MediaSample s : in) {
                t.offer(s);
            }
            assertTrue(t.finish(Duration.ofSeconds(10)));
            SourceStats ss = t.sourceStats();
            System.out.println("garbage samples: " + ss + " " + t.stats("180p"));
            assertTrue(ss.decodeErrors() > 0, "garbage should be counted: " + ss);
            assertTrue(rec.errors.isEmpty(), rec.errors.toString());
            List<MediaSample> out = rec.samples("180p");
            // everything from the third GOP on is intact and encoded, starting with an IDR there
            long thirdGop = good.get(2 * gop).pts();
            List<MediaSample> tail = out.stream().filter(s -> s.pts() >= thirdGop).toList();
            assertEquals(good.size() - 2 * gop, tail.size());
            assertTrue(tail.get(0).keyframe());
            // and the whole output still decodes
            TranscodeTestKit.decode(rec.configs.get("180p"), out);
        }
    }

    @Test
    void rungSettingsX264RejectsAreATranscodeException() {
        AvcConfig cfg = AvcConfig.parse(src.avcC());
        LadderRung badPreset = LadderRung.of("180p", 320, 180, 250_000, Mode.ENCODE).withPreset("warp-speed");
        assertThrows(TranscodeException.class, () -> new LiveTranscoder(cfg, List.of(badPreset), new Recorder()));
        LadderRung badLevel = LadderRung.of("180p", 320, 180, 250_000, Mode.ENCODE).withProfileLevel(null, "x");
        assertThrows(TranscodeException.class, () -> new LiveTranscoder(cfg, List.of(badLevel), new Recorder()));
        LadderRung badProfile = LadderRung.of("180p", 320, 180, 250_000, Mode.ENCODE).withProfileLevel("ultra", null);
        assertThrows(TranscodeException.class, () -> new LiveTranscoder(cfg, List.of(badProfile), new Recorder()));
        assertEquals(List.of(), TranscodeTestKit.transcoderThreads());
    }

    @Test
    void profileAndLevelAreHonoured() throws Exception {
        AvcConfig cfg = AvcConfig.parse(src.avcC());
        LadderRung r = LadderRung.of("180p", 320, 180, 250_000, Mode.ENCODE).withProfileLevel("main", "3.0");
        try (LiveTranscoder t = new LiveTranscoder(cfg, List.of(r), new Recorder())) {
            AvcConfig out = AvcConfig.parse(t.outputConfig("180p"));
            assertEquals(77, out.profileIdc());
            assertEquals(30, out.levelIdc());
            assertEquals("avc1.4d401e", out.codecString());
        }
    }
}
