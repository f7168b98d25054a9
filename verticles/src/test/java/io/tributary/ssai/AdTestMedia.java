package io.tributary.ssai;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;

/** Creatives for the SSAI tests: one flat colour a picture (told apart after decoding), with a tone. */
final class AdTestMedia {

    private AdTestMedia() {
    }

    static Path write(Path file, int width, int height, double seconds, int fps, int r, int g, int b) throws Exception {
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toString(), width, height, 1)) {
            rec.setFormat("mp4");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(fps);
            rec.setGopSize(fps);
            rec.setVideoOption("preset", "ultrafast");
            rec.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            rec.setSampleRate(48000);
            rec.setAudioBitrate(64000);
            rec.start();
            Frame picture = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            ByteBuffer px = (ByteBuffer) picture.image[0];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int at = y * picture.imageStride + 3 * x;
                    px.put(at, (byte) b).put(at + 1, (byte) g).put(at + 2, (byte) r); // BGR
                }
            }
            int samplesPerFrame = 48000 / fps;
            for (int i = 0; i < Math.round(seconds * fps); i++) {
                rec.record(picture);
                ShortBuffer tone = ShortBuffer.allocate(samplesPerFrame);
                for (int s = 0; s < samplesPerFrame; s++) {
                    tone.put(s, (short) (6000 * Math.sin(2 * Math.PI * 660 * (i * samplesPerFrame + s) / 48000.0)));
                }
                rec.recordSamples(48000, 1, tone);
            }
            rec.stop();
        }
        return file;
    }

    /** The mean {r, g, b} of the first picture of an fMP4 init segment plus one media segment. */
    static double[] meanColour(byte[] init, byte[] segment) throws Exception {
        byte[] both = new byte[init.length + segment.length];
        System.arraycopy(init, 0, both, 0, init.length);
        System.arraycopy(segment, 0, both, init.length, segment.length);
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(new ByteArrayInputStream(both))) {
            g.setFormat("mp4");
            g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            g.start();
            Frame f;
            while ((f = g.grabImage()) != null) {
                ByteBuffer px = (ByteBuffer) f.image[0];
                double r = 0, gr = 0, b = 0;
                long n = 0;
                for (int y = 0; y < f.imageHeight; y += 4) {
                    for (int x = 0; x < f.imageWidth; x += 4) {
                        int at = y * f.imageStride + 3 * x;
                        b += px.get(at) & 0xff;
                        gr += px.get(at + 1) & 0xff;
                        r += px.get(at + 2) & 0xff;
                        n++;
                    }
                }
                g.stop();
                return new double[]{r / n, gr / n, b / n};
            }
            g.stop();
            throw new AssertionError("no picture decoded");
        }
    }
}
