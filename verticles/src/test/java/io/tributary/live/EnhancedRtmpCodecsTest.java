package io.tributary.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.Node;
import io.tributary.media.testing.EncodedClip;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OBS-style Enhanced RTMP: an FLV recorded with HEVC (libx265) or AV1 (SVT-AV1) and AAC is sent
 * by FFmpeg's own flv muxer and RTMP client (paced like a live source) to a node running the
 * seed ladder. Players see the source passed through with its hvc1/av01 CODECS and an H.264
 * rendition next to it; FFmpeg's HLS demuxer decodes both.
 */
class EnhancedRtmpCodecsTest {

    static final int WIDTH = 640;
    static final int HEIGHT = 360;
    static final int SECONDS = 8;

    @Test
    void hevcFromEnhancedRtmp(@TempDir Path dir) throws Exception {
        playsThrough(dir, "libx265", "hvc1.1.6.L", avcodec.AV_CODEC_ID_HEVC, null);
    }

    @Test
    void av1FromEnhancedRtmp(@TempDir Path dir) throws Exception {
        // FFmpeg's native "av1" decoder only drives hardware; the player uses libaom
        playsThrough(dir, "libsvtav1", "av01.0.", avcodec.AV_CODEC_ID_AV1, "libaom-av1");
    }

    private static void playsThrough(Path dir, String encoder, String codecsPrefix, int codecId, String decoder)
            throws Exception {
        Path flv = dir.resolve("recorded.flv");
        EncodedClip.write(flv.toString(), "flv", encoder, WIDTH, HEIGHT, 25, 25 * SECONDS, 25, true);
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed"))) {
            Node node = live.node();
            AtomicReference<Throwable> publishError = new AtomicReference<>();
            Thread publisher = new Thread(() -> {
                try {
                    remuxPaced(flv, "rtmp://127.0.0.1:" + node.rtmpPort() + "/live/ercodec");
                } catch (Throwable t) {
                    publishError.set(t);
                }
            }, "flv-publisher");
            publisher.setDaemon(true);
            publisher.start();
            try {
                // the source passed through as "video", the 360p rung encoded to H.264 from it
                live.awaitSegmentsInEach("ercodec", List.of("video", "360p"), 2, Duration.ofSeconds(40));
                assertEquals(null, publishError.get(), "publisher failed");

                Playlist multivariant = new Playlist(TestNode.get(node, "/live/ercodec/index.m3u8").body());
                List<Playlist.Line> variants = multivariant.tags("EXT-X-STREAM-INF");
                assertEquals(2, variants.size(), multivariant.text);
                String sourceCodecs = null;
                String h264Codecs = null;
                for (Playlist.Line v : variants) {
                    assertEquals(WIDTH + "x" + HEIGHT, v.attr("RESOLUTION"), multivariant.text);
                    String codecs = v.attr("CODECS");
                    if (codecs.startsWith(codecsPrefix)) {
                        sourceCodecs = codecs;
                    } else if (codecs.startsWith("avc1.")) {
                        h264Codecs = codecs;
                    }
                }
                assertNotNull(sourceCodecs, "a " + codecsPrefix + " variant in\n" + multivariant.text);
                assertNotNull(h264Codecs, "an H.264 variant in\n" + multivariant.text);
                assertTrue(sourceCodecs.endsWith(",mp4a.40.2"), sourceCodecs);
                String videoCodec = sourceCodecs.substring(0, sourceCodecs.indexOf(','));

                JsonObject info = new JsonObject(TestNode.get(node, "/api/v1/streams/ercodec").body());
                assertEquals(videoCodec, info.getJsonObject("codecs").getString("video"), info.encode());
                String mpd = TestNode.get(node, "/live/ercodec/manifest.mpd").body();
                assertTrue(mpd.contains("codecs=\"" + videoCodec + "\""), mpd);

                // what FFmpeg makes of the passthrough rendition: its codec, the level CODECS claims, frames
                int level = play(node.httpUrl("/live/ercodec/video/index.m3u8"), codecId, decoder, 25);
                if (codecId == avcodec.AV_CODEC_ID_HEVC) {
                    // hvc1.1.6.L<level_idc>: FFmpeg reports general_level_idc as the level
                    assertEquals("L" + level, videoCodec.split("\\.")[3], videoCodec);
                } else {
                    // FFmpeg reports no level for AV1 here; SVT-AV1 signals the lowest level the picture
                    // fits (AV1 Annex A: level 2.0 holds 147456 luma samples, 2.1 holds 278784), so a
                    // 640x360 8-bit Main stream is av01.0.01M.08
                    assertEquals("av01.0.01M.08", videoCodec);
                }
                play(node.httpUrl("/live/ercodec/360p/index.m3u8"), avcodec.AV_CODEC_ID_H264, null, 25);
            } finally {
                publisher.join(SECONDS * 2000L);
            }
        }
    }

    /** Decodes {@code frames} pictures at the source size; returns the level FFmpeg reports for the stream. */
    private static int play(String url, int codecId, String decoder, int frames) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(url)) {
            g.setOption("rw_timeout", "10000000");
            if (decoder != null) {
                g.setVideoCodecName(decoder);
            }
            g.start();
            assertEquals(codecId, g.getVideoCodec(), url + " codec");
            int level = -1;
            for (int i = 0; i < g.getFormatContext().nb_streams(); i++) {
                AVCodecParameters p = g.getFormatContext().streams(i).codecpar();
                if (p.codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                    level = p.level();
                }
            }
            int images = 0;
            for (int i = 0; i < 10 * frames && images < frames; i++) {
                Frame f = g.grabImage();
                assertNotNull(f, url + " ended early");
                assertEquals(WIDTH, f.imageWidth, url + " width");
                assertEquals(HEIGHT, f.imageHeight, url + " height");
                images++;
            }
            assertEquals(frames, images, url + " decoded frames");
            g.stop();
            return level;
        }
    }

    /** FFmpeg remuxes the recorded FLV to the node over RTMP, one packet at a time at its media time. */
    private static void remuxPaced(Path flv, String url) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(flv.toFile())) {
            g.start();
            try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(url, g.getImageWidth(), g.getImageHeight(),
                    g.getAudioChannels())) {
                r.setFormat("flv");
                r.setVideoCodec(g.getVideoCodec());
                r.setAudioCodec(g.getAudioCodec());
                r.start(g.getFormatContext());
                long start = System.nanoTime();
                AVPacket p;
                while ((p = g.grabPacket()) != null) {
                    AVStream st = g.getFormatContext().streams(p.stream_index());
                    long ms = p.dts() * 1000L * st.time_base().num() / st.time_base().den();
                    long wait = start + ms * 1_000_000L - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    r.recordPacket(p);
                }
                r.stop();
            }
        }
    }
}
