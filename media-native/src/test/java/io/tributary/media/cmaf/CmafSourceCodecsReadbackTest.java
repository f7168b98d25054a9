package io.tributary.media.cmaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.VideoCodec;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.flv.FlvFileReader;
import io.tributary.media.flv.FlvTag;
import io.tributary.media.flv.FlvTagParser;
import io.tributary.media.testing.EncodedClip;
import io.tributary.media.testing.Mp4Boxes;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hvc1/hvcC and av01/av1C init segments, with fragments of the samples Enhanced RTMP delivered,
 * read back by FFmpeg's mov demuxer and decoders: codec, size and every frame.
 */
class CmafSourceCodecsReadbackTest {

    @Test
    void hevcReadsBack(@TempDir Path dir) throws Exception {
        readsBack(dir, "libx265", VideoCodec.H265, avcodec.AV_CODEC_ID_HEVC, null);
    }

    @Test
    void av1ReadsBack(@TempDir Path dir) throws Exception {
        // FFmpeg's own "av1" decoder needs a hardware device; libaom decodes in software
        readsBack(dir, "libsvtav1", VideoCodec.AV1, avcodec.AV_CODEC_ID_AV1, "libaom-av1");
    }

    private static void readsBack(Path dir, String encoder, VideoCodec codec, int codecId, String decoder)
            throws Exception {
        Path flv = dir.resolve("src.flv");
        EncodedClip.write(flv.toString(), "flv", encoder, 320, 240, 25, 50, 25, false);
        FlvTagParser parser = new FlvTagParser();
        VideoTrackConfig config = null;
        List<MediaSample> samples = new ArrayList<>();
        for (FlvTag tag : FlvFileReader.readAll(flv)) {
            if (tag.type() == FlvTag.VIDEO) {
                MediaEvent e = parser.parseVideo(tag.timestamp(), tag.payload());
                if (e instanceof MediaEvent.VideoConfig c) {
                    config = VideoTrackConfig.parse(c.codec(), c.record());
                } else if (e instanceof MediaEvent.Sample s) {
                    samples.add(s.sample());
                }
            }
        }
        assertNotNull(config);
        assertEquals(codec, config.codec());
        byte[] init = CmafInitSegment.video(config, 1, 90_000);
        Mp4Boxes.Box moov = Mp4Boxes.parse(init).stream().filter(b -> b.type().equals("moov")).findFirst()
                .orElseThrow();
        String entry = config.sampleEntry();
        Mp4Boxes.Box sampleEntry = moov.path("trak/mdia/minf/stbl/stsd/" + entry);
        assertEquals(320, sampleEntry.u16(24), "sample entry width");
        byte[] record = sampleEntry.child(codec == VideoCodec.H265 ? "hvcC" : "av1C").payload();
        if (codec == VideoCodec.H265) {
            assertEquals(0x80, record[23] & 0x80, "hvc1: the first parameter set array is marked complete");
        } else {
            assertEquals(java.util.HexFormat.of().formatHex(config.record()), java.util.HexFormat.of().formatHex(record));
        }

        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(init);
        int per = 10;
        for (int from = 0, seq = 1; from < samples.size(); from += per, seq++) {
            List<CmafSample> frag = new ArrayList<>();
            int to = Math.min(samples.size(), from + per);
            for (int i = from; i < to; i++) {
                MediaSample s = samples.get(i);
                long next = i + 1 < samples.size() ? samples.get(i + 1).dts() : s.dts() + 40;
                frag.add(new CmafSample((int) ((next - s.dts()) * 90), s.compositionOffset() * 90, s.keyframe(),
                        s.data()));
            }
            file.writeBytes(CmafFragment.write(seq, 1, samples.get(from).dts() * 90, frag));
        }
        Path mp4 = dir.resolve("out.mp4");
        Files.write(mp4, file.toByteArray());

        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        int frames = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
            if (decoder != null) {
                g.setVideoCodecName(decoder);
            }
            g.start();
            assertEquals(codecId, g.getVideoCodec(), "codec FFmpeg sees in the init segment");
            assertEquals(320, g.getImageWidth());
            assertEquals(240, g.getImageHeight());
            Frame f;
            while ((f = g.grabImage()) != null) {
                assertTrue(f.imageWidth == 320 && f.imageHeight == 240);
                frames++;
            }
        }
        assertEquals(samples.size(), frames, "every fragmented sample decodes");
    }
}
