package io.tributary.media.testing;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Encodes a short moving pattern (+ optional AAC tone) with JavaCV's FFmpeg to a file or an
 * rtmp:// address, with a named video encoder: {@code libx264}, {@code libx265},
 * {@code libsvtav1} or {@code libaom-av1}. FFmpeg 7's flv muxer writes HEVC and AV1 as
 * Enhanced RTMP ({@code hvc1}/{@code av01} FourCCs), its mp4 muxer writes hvcC/av1C.
 */
public final class EncodedClip {

    public static final int SAMPLE_RATE = 44100;

    private EncodedClip() {
    }

    /** Writes {@code frames} 8-bit 4:2:0 frames at {@code fps} with a key frame every {@code gop} frames. */
    public static void write(String url, String format, String encoder, int width, int height, int fps, int frames,
            int gop, boolean audio) throws Exception {
        write(url, format, encoder, avutil.AV_PIX_FMT_YUV420P, width, height, fps, frames, gop, audio);
    }

    /** As above, in the encoder's {@code pixelFormat} (e.g. {@code AV_PIX_FMT_YUV420P10LE} for Main10). */
    public static void write(String url, String format, String encoder, int pixelFormat, int width, int height,
            int fps, int frames, int gop, boolean audio) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(url, width, height, audio ? 2 : 0)) {
            recorder.setFormat(format);
            recorder.setVideoCodecName(encoder);
            recorder.setPixelFormat(pixelFormat);
            recorder.setFrameRate(fps);
            recorder.setGopSize(gop);
            recorder.setVideoBitrate(300_000);
            switch (encoder) {
                case "libx264" -> recorder.setVideoOption("preset", "veryfast");
                case "libx265" -> {
                    recorder.setVideoOption("preset", "ultrafast");
                    recorder.setVideoOption("x265-params", "log-level=error:bframes=3");
                }
                case "libsvtav1" -> {
                    recorder.setVideoOption("preset", "12");
                    recorder.setVideoOption("svtav1-params", "lp=1");
                }
                case "libaom-av1" -> {
                    recorder.setVideoOption("cpu-used", "8");
                    recorder.setVideoOption("usage", "realtime");
                }
                default -> {
                }
            }
            if (audio) {
                recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
                recorder.setSampleRate(SAMPLE_RATE);
                recorder.setAudioChannels(2);
                recorder.setAudioBitrate(64_000);
            }
            recorder.start();
            Frame image = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            ByteBuffer pixels = (ByteBuffer) image.image[0];
            int stride = image.imageStride;
            int samplesPerFrame = SAMPLE_RATE / fps;
            ShortBuffer pcm = ShortBuffer.allocate(samplesPerFrame * 2);
            long sampleIndex = 0;
            for (int f = 0; f < frames; f++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int v = ((x + y + f * 4) / 16) % 2 == 0 ? 220 : 30;
                        int i = y * stride + x * 3;
                        pixels.put(i, (byte) v);
                        pixels.put(i + 1, (byte) ((x * 255) / width));
                        pixels.put(i + 2, (byte) ((f * 5) & 0xFF));
                    }
                }
                recorder.record(image, avutil.AV_PIX_FMT_BGR24);
                if (audio) {
                    pcm.clear();
                    for (int s = 0; s < samplesPerFrame; s++, sampleIndex++) {
                        short v = (short) (Math.sin(2 * Math.PI * 440 * sampleIndex / SAMPLE_RATE) * 8000);
                        pcm.put(v).put(v);
                    }
                    pcm.flip();
                    recorder.recordSamples(SAMPLE_RATE, 2, pcm);
                }
            }
            recorder.stop();
        }
    }
}
