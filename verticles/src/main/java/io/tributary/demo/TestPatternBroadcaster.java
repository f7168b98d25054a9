package io.tributary.demo;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A broadcaster like OBS or FFmpeg, built in: draws moving colour bars and a tone,
 * encodes them with libx264/AAC through JavaCV and publishes over real RTMP, paced
 * in real time. The {@code --demo} stream, and the publisher of end-to-end tests.
 */
public final class TestPatternBroadcaster implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TestPatternBroadcaster.class.getName());
    private static final int SAMPLE_RATE = 48_000;

    private final String url;
    private final int width;
    private final int height;
    private final int fps;
    private final int gopFrames;
    private final int bFrames;
    private final boolean audio;
    private final AtomicLong framesSent = new AtomicLong();
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile LongConsumer onFrame = f -> { };
    private Thread thread;

    public TestPatternBroadcaster(String url, int width, int height, int fps, int gopFrames, int bFrames, boolean audio) {
        this.url = url;
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.gopFrames = gopFrames;
        this.bFrames = bFrames;
        this.audio = audio;
    }

    /**
     * The --demo stream: 1280x720, 30 fps, 1 s GOP, low-latency x264, stereo AAC. At 720p the seed
     * ladder passes the source through as 720p and encodes 360p (7 Mpx/s, well within the default
     * admission of 20 Mpx/s per core), so a newcomer's player page has two renditions to switch between.
     */
    public static TestPatternBroadcaster demo(String url) {
        return new TestPatternBroadcaster(url, 1280, 720, 30, 30, 0, true);
    }

    /** Called with each frame's index right after it was handed to the encoder and muxer. */
    public TestPatternBroadcaster onFrame(LongConsumer listener) {
        this.onFrame = listener;
        return this;
    }

    public long framesSent() {
        return framesSent.get();
    }

    public Throwable failure() {
        return failure;
    }

    public boolean running() {
        return running;
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::run, "test-pattern-" + url.substring(url.lastIndexOf('/') + 1));
        thread.setDaemon(true);
        thread.start();
    }

    private FFmpegFrameRecorder recorder() {
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(url, width, height, audio ? 2 : 0);
        r.setFormat("flv");
        // a live RTMP output cannot be rewound: no duration and size rewrite (and its warnings) at the end
        r.setOption("flvflags", "no_duration_filesize");
        // interleaved muxing (the default) orders AAC priming against video DTS, as FLV needs
        r.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        r.setFrameRate(fps);
        r.setGopSize(gopFrames);
        r.setVideoBitrate(Math.max(200_000, width * height * fps / 10));
        r.setVideoOption("preset", "ultrafast");
        if (bFrames > 0) {
            r.setVideoOption("bf", Integer.toString(bFrames));
            r.setVideoOption("x264-params", "scenecut=0:keyint_min=" + gopFrames + ":bframes=" + bFrames + ":b-pyramid=none");
        } else {
            r.setVideoOption("tune", "zerolatency");
            r.setVideoOption("x264-params", "scenecut=0:keyint_min=" + gopFrames);
        }
        if (audio) {
            r.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            r.setSampleRate(SAMPLE_RATE);
            r.setAudioBitrate(96_000);
        }
        return r;
    }

    private void run() {
        FFmpegFrameRecorder r = recorder();
        try {
            r.start();
            Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            byte[] pixels = new byte[width * height * 3];
            int samplesPerFrame = SAMPLE_RATE / fps;
            short[] pcm = new short[samplesPerFrame * 2];
            long sampleIndex = 0;
            long start = System.nanoTime();
            for (long i = 0; running; i++) {
                long due = start + i * 1_000_000_000L / fps;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                draw(pixels, i);
                ByteBuffer image = (ByteBuffer) frame.image[0];
                image.clear();
                image.put(pixels);
                image.flip();
                r.record(frame, avutil.AV_PIX_FMT_BGR24);
                if (audio) {
                    for (int s = 0; s < samplesPerFrame; s++, sampleIndex++) {
                        short v = (short) (Math.sin(2 * Math.PI * 440 * sampleIndex / SAMPLE_RATE) * 6000);
                        pcm[2 * s] = v;
                        pcm[2 * s + 1] = v;
                    }
                    r.recordSamples(SAMPLE_RATE, 2, ShortBuffer.wrap(pcm));
                }
                framesSent.incrementAndGet();
                onFrame.accept(i);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            if (running) {
                LOG.log(Level.WARNING, "test pattern to " + url + " stopped", t);
            }
        } finally {
            running = false;
            try {
                r.stop();
                r.release();
            } catch (Exception e) {
                LOG.log(Level.FINE, "closing recorder", e);
            }
        }
    }

    /** Colour bars scrolling left, a white bar sweeping down, and the frame number in binary. */
    private void draw(byte[] px, long frameIndex) {
        int[][] bars = {{255, 255, 255}, {0, 255, 255}, {255, 255, 0}, {0, 255, 0}, {255, 0, 255}, {0, 0, 255}, {255, 0, 0}, {16, 16, 16}};
        int shift = (int) (frameIndex * 4 % width);
        int sweep = (int) (frameIndex * 3 % height);
        for (int y = 0; y < height; y++) {
            int row = y * width * 3;
            boolean bar = Math.abs(y - sweep) < 4;
            for (int x = 0; x < width; x++) {
                int[] c = bar ? bars[0] : bars[((x + shift) % width) * bars.length / width];
                int o = row + x * 3;
                px[o] = (byte) c[2]; // BGR
                px[o + 1] = (byte) c[1];
                px[o + 2] = (byte) c[0];
            }
        }
        int block = Math.max(4, width / 40);
        for (int bit = 0; bit < 16; bit++) {
            byte v = ((frameIndex >> (15 - bit)) & 1) == 1 ? (byte) 255 : 0;
            for (int y = 0; y < block && y < height; y++) {
                for (int x = bit * block; x < (bit + 1) * block && x < width; x++) {
                    int o = (y * width + x) * 3;
                    px[o] = v;
                    px[o + 1] = v;
                    px[o + 2] = v;
                }
            }
        }
    }

    /** Stops publishing (FFmpeg closes the RTMP stream cleanly) and waits for the thread. */
    @Override
    public void close() {
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
