package io.tributary.media.rtmp;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes two seconds of generated H.264 (with B-frames) + AAC with FFmpeg (JavaCV)
 * to an {@link RtmpServerSession} behind a loopback socket, once per JVM, and keeps
 * every byte FFmpeg sent plus the events the session produced.
 */
final class FfmpegPublishCapture {

    static final int WIDTH = 320;
    static final int HEIGHT = 240;
    static final int FPS = 25;
    static final int FRAMES = 50;
    static final int SAMPLE_RATE = 44100;

    record Result(byte[] inbound, List<RtmpEvent> events, boolean peerClosed, Throwable serverError) {
    }

    private static Result cached;

    private FfmpegPublishCapture() {
    }

    static synchronized Result get() throws Exception {
        if (cached == null) {
            cached = run();
        }
        return cached;
    }

    private static Result run() throws Exception {
        ByteArrayOutputStream inbound = new ByteArrayOutputStream();
        List<RtmpEvent> events = new ArrayList<>();
        AtomicReference<Throwable> serverError = new AtomicReference<>();
        boolean[] peerClosed = {false};
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(20_000);
            Thread serverThread = new Thread(() -> {
                try (Socket socket = server.accept()) {
                    socket.setSoTimeout(10_000);
                    serve(socket, inbound, events);
                    peerClosed[0] = true;
                } catch (Throwable t) {
                    serverError.set(t);
                }
            }, "rtmp-test-server");
            serverThread.setDaemon(true);
            serverThread.start();
            publish("rtmp://127.0.0.1:" + server.getLocalPort() + "/live/testkey");
            serverThread.join(30_000);
            if (serverThread.isAlive()) {
                serverThread.interrupt();
                throw new AssertionError("server loop did not finish within 30 s");
            }
        }
        return new Result(inbound.toByteArray(), events, peerClosed[0], serverError.get());
    }

    /** The socket loop a real server would run, minus the event loop: read, feed, write. */
    private static void serve(Socket socket, ByteArrayOutputStream inbound, List<RtmpEvent> events) throws Exception {
        RtmpServerSession session = new RtmpServerSession(RtmpLimits.defaults());
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buf = new byte[16 * 1024];
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("FFmpeg went silent for 10 s", e);
            } catch (java.net.SocketException e) {
                // FFmpeg closes right after deleteStream; our reply in flight makes its
                // kernel answer with a reset. After Unpublished that is the peer's close.
                synchronized (events) {
                    if (events.stream().anyMatch(ev -> ev instanceof RtmpEvent.Unpublished)) {
                        return;
                    }
                }
                throw e;
            }
            if (n < 0) {
                return;
            }
            inbound.write(buf, 0, n);
            List<RtmpEvent> got = new ArrayList<>(session.receive(buf, 0, n));
            boolean accepted = false;
            for (RtmpEvent e : got) {
                if (e instanceof RtmpEvent.PublishRequested) {
                    session.acceptPublish();
                    accepted = true;
                }
            }
            if (accepted) {
                got.addAll(session.receive(new byte[0]));
            }
            synchronized (events) {
                events.addAll(got);
            }
            byte[] reply = session.drainOutbound();
            if (reply.length > 0) {
                out.write(reply);
                out.flush();
            }
        }
        throw new AssertionError("FFmpeg did not finish within 30 s");
    }

    /** Encodes the generated clip to {@code url}: an rtmp:// address or a local .flv path. */
    static void publish(String url) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(url, WIDTH, HEIGHT, 2)) {
            recorder.setFormat("flv");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(FPS);
            recorder.setGopSize(FPS);
            recorder.setVideoOption("preset", "veryfast");
            recorder.setVideoOption("bf", "2");
            recorder.setVideoBitrate(400_000);
            recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            recorder.setSampleRate(SAMPLE_RATE);
            recorder.setAudioChannels(2);
            recorder.setAudioBitrate(96_000);
            recorder.start();

            Frame image = new Frame(WIDTH, HEIGHT, Frame.DEPTH_UBYTE, 3);
            ByteBuffer pixels = (ByteBuffer) image.image[0];
            int stride = image.imageStride;
            int samplesPerFrame = SAMPLE_RATE / FPS;
            ShortBuffer pcm = ShortBuffer.allocate(samplesPerFrame * 2);
            long sampleIndex = 0;
            for (int f = 0; f < FRAMES; f++) {
                // moving diagonal bars so consecutive frames differ and P/B-frames are predicted
                for (int y = 0; y < HEIGHT; y++) {
                    for (int x = 0; x < WIDTH; x++) {
                        int v = ((x + y + f * 4) / 16) % 2 == 0 ? 220 : 30;
                        int i = y * stride + x * 3;
                        pixels.put(i, (byte) v);
                        pixels.put(i + 1, (byte) ((x * 255) / WIDTH));
                        pixels.put(i + 2, (byte) ((f * 5) & 0xFF));
                    }
                }
                recorder.record(image, avutil.AV_PIX_FMT_BGR24);
                pcm.clear();
                for (int s = 0; s < samplesPerFrame; s++, sampleIndex++) {
                    short v = (short) (Math.sin(2 * Math.PI * 440 * sampleIndex / SAMPLE_RATE) * 8000);
                    pcm.put(v).put(v);
                }
                pcm.flip();
                recorder.recordSamples(SAMPLE_RATE, 2, pcm);
            }
            recorder.stop();
        }
    }
}
