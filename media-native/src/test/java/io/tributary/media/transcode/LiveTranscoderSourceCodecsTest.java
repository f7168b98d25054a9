package io.tributary.media.transcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.VideoCodec;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.flv.FlvFileReader;
import io.tributary.media.flv.FlvTag;
import io.tributary.media.flv.FlvTagParser;
import io.tributary.media.testing.EncodedClip;
import io.tributary.media.transcode.LadderRung.Mode;
import io.tributary.media.transcode.TranscodeTestKit.Decoded;
import io.tributary.media.transcode.TranscodeTestKit.Recorder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HEVC and AV1 sources (as Enhanced RTMP delivers them: FFmpeg's flv muxer, read back through
 * the node's FLV tag parser) decode and come out as H.264 rungs with the source's keyframes.
 */
class LiveTranscoderSourceCodecsTest {

    static final List<LadderRung> LADDER = List.of(
            LadderRung.of("360p", 640, 360, 600_000, Mode.BYPASS_IF_MATCH),
            LadderRung.of("180p", 320, 180, 200_000, Mode.ENCODE));

    record Clip(VideoTrackConfig config, List<MediaSample> samples) {
    }

    static Clip flv(Path file) throws Exception {
        FlvTagParser parser = new FlvTagParser();
        VideoTrackConfig config = null;
        List<MediaSample> samples = new ArrayList<>();
        for (FlvTag tag : FlvFileReader.readAll(file)) {
            if (tag.type() != FlvTag.VIDEO) {
                continue;
            }
            MediaEvent e = parser.parseVideo(tag.timestamp(), tag.payload());
            if (e instanceof MediaEvent.VideoConfig c) {
                config = VideoTrackConfig.parse(c.codec(), c.record());
            } else if (e instanceof MediaEvent.Sample s && s.sample().track() == Track.VIDEO) {
                samples.add(s.sample());
            }
        }
        assertNotNull(config, "no sequence start in " + file);
        return new Clip(config, samples);
    }

    @Test
    void hevcSourceBecomesH264Rungs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hevc.flv");
        EncodedClip.write(file.toString(), "flv", "libx265", 640, 360, 25, 75, 25, false);
        Clip clip = flv(file);
        assertEquals(VideoCodec.H265, clip.config().codec());
        assertTrue(clip.config().codecString().startsWith("hvc1.1.6.L"), clip.config().codecString());
        assertTrue(clip.samples().stream().anyMatch(s -> s.compositionOffset() > 0), "B-frames reach the transcoder");
        transcodes(clip);
    }

    @Test
    void hevcMain10SourceBecomes8BitH264Rungs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hevc10.flv");
        EncodedClip.write(file.toString(), "flv", "libx265", org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P10LE,
                640, 360, 25, 75, 25, false);
        Clip clip = flv(file);
        // Main 10: general_profile_idc 2; compatibility flag 2 (bit-reversed hex 4), with flag 1 too it is 6
        assertTrue(clip.config().codecString().matches("hvc1\\.2\\.[46]\\.L\\d+(\\.[0-9A-F]{1,2})*"),
                clip.config().codecString());
        assertEquals(10, ((io.tributary.media.codec.HevcConfig) clip.config()).bitDepthLuma());
        transcodes(clip);
    }

    @Test
    void av1SourceBecomesH264RungsOrIsRefusedByName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("av1.flv");
        EncodedClip.write(file.toString(), "flv", "libsvtav1", 640, 360, 25, 75, 25, false);
        Clip clip = flv(file);
        assertEquals(VideoCodec.AV1, clip.config().codec());
        assertEquals(640, clip.config().width());
        System.out.println("AV1 decoder in this FFmpeg: " + (LiveTranscoder.canDecode(VideoCodec.AV1)
                ? LiveTranscoder.decoder(VideoCodec.AV1).name().getString() : "none"));
        if (!LiveTranscoder.canDecode(VideoCodec.AV1)) {
            TranscodeException e = assertThrows(TranscodeException.class,
                    () -> new LiveTranscoder(clip.config(), LADDER, new Recorder()));
            assertTrue(e.getMessage().contains("no AV1 decoder"), e.getMessage());
            return;
        }
        transcodes(clip);
    }

    private static void transcodes(Clip clip) throws Exception {
        Recorder rec = new Recorder();
        TreeSet<Long> sourceKeys = new TreeSet<>();
        clip.samples().stream().filter(MediaSample::keyframe).forEach(s -> sourceKeys.add(s.pts()));
        assertEquals(3, sourceKeys.size(), "3 s at a 1 s GOP");
        try (LiveTranscoder t = new LiveTranscoder(clip.config(), LADDER, rec)) {
            assertEquals(Mode.BYPASS, t.ladder().get(0).mode());
            for (MediaSample s : clip.samples()) {
                t.offer(s);
                Thread.sleep(2); // paced: the bounded source queue must not drop a reference frame
            }
            assertTrue(t.finish(Duration.ofSeconds(30)), "finish in time");
            assertTrue(rec.errors.isEmpty(), rec.errors.toString());
            assertEquals(0, t.sourceStats().decodeErrors(), "source decode errors");
            assertEquals(clip.samples().size(), t.sourceStats().framesDecoded());
            List<MediaSample> out = rec.samples("180p");
            assertEquals(clip.samples().size(), out.size(), "every source frame encoded");
            assertEquals(sourceKeys, rec.keyframePts("180p"), "IDRs at the source's keyframes");
            AvcConfig avc = AvcConfig.parse(t.outputConfig("180p"));
            assertEquals(320, avc.width());
            assertEquals(180, avc.height());
            List<Decoded> decoded = TranscodeTestKit.decode(t.outputConfig("180p"), out);
            assertEquals(out.size(), decoded.size());
            assertTrue(decoded.stream().allMatch(d -> d.width() == 320 && d.height() == 180));
        }
    }
}
