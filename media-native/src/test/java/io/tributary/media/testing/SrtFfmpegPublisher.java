package io.tributary.media.testing;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;

/** FFmpeg (JavaCV, its libsrt) as a broadcaster: publishing a generated H.264+AAC clip as MPEG-TS to an srt:// URL, in real time. */
public final class SrtFfmpegPublisher {

    public static final int WIDTH = 160;
    public static final int HEIGHT = 120;
    public static final int FPS = 25;
    public static final int SAMPLE_RATE = 48000;

    private SrtFfmpegPublisher() {
    }

    public static String url(int port, String streamId, int latencyMs) {
        return "srt://127.0.0.1:" + port + "?streamid=" + streamId + "&latency=" + latencyMs * 1000 + "&pkt_size=1316&connect_timeout=3000&linger=1";
    }

    /** Publishes {@code frames} video frames (and the matching audio) paced at the frame rate. */
    public static void publish(String url, int frames) throws Exception {
        publish(url, frames, "libx264");
    }

    /** As {@link #publish(String, int)} with a named video encoder: {@code libx264} or {@code libx265}. */
    public static void publish(String url, int frames, String videoEncoder) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(url, WIDTH, HEIGHT, 1)) {
            if (videoEncoder.equals("libx265")) {
                recorder.setVideoCodecName("libx265");
                recorder.setVideoOption("x265-params", "log-level=error:keyint=" + FPS);
            }
            encode(recorder, frames, true);
        }
    }

    /** The same clip as MPEG-TS bytes, encoded at once (for a caller other than FFmpeg). */
    public static byte[] encodeTs(int frames) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out, WIDTH, HEIGHT, 1)) {
            encode(recorder, frames, false);
        }
        return out.toByteArray();
    }

    private static void encode(FFmpegFrameRecorder recorder, int frames, boolean paced) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        recorder.setFormat("mpegts");
        if (recorder.getVideoCodecName() == null) {
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        }
        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(FPS);
        recorder.setGopSize(FPS);
        recorder.setVideoOption("preset", "ultrafast");
        recorder.setVideoOption("tune", "zerolatency");
        recorder.setVideoBitrate(300_000);
        recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
        recorder.setSampleRate(SAMPLE_RATE);
        recorder.setAudioChannels(1);
        recorder.setAudioBitrate(64_000);
        recorder.start();
        Frame image = new Frame(WIDTH, HEIGHT, Frame.DEPTH_UBYTE, 3);
        ByteBuffer pixels = (ByteBuffer) image.image[0];
        int stride = image.imageStride;
        int samplesPerFrame = SAMPLE_RATE / FPS;
        ShortBuffer pcm = ShortBuffer.allocate(samplesPerFrame);
        long sampleIndex = 0;
        long t0 = System.nanoTime();
        for (int f = 0; f < frames; f++) {
            for (int y = 0; y < HEIGHT; y++) {
                for (int x = 0; x < WIDTH; x++) {
                    int i = y * stride + x * 3;
                    pixels.put(i, (byte) (((x + y + f * 4) / 16) % 2 == 0 ? 220 : 30));
                    pixels.put(i + 1, (byte) x);
                    pixels.put(i + 2, (byte) (f * 5));
                }
            }
            recorder.record(image, avutil.AV_PIX_FMT_BGR24);
            pcm.clear();
            for (int s = 0; s < samplesPerFrame; s++, sampleIndex++) {
                pcm.put((short) (Math.sin(2 * Math.PI * 440 * sampleIndex / SAMPLE_RATE) * 8000));
            }
            pcm.flip();
            recorder.recordSamples(SAMPLE_RATE, 1, pcm);
            long wait = t0 + (f + 1) * 1_000_000_000L / FPS - System.nanoTime();
            if (paced && wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        recorder.stop();
    }
}
