package io.tributary.vod;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import io.tributary.Node;
import io.tributary.media.transcode.Ladder;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Source files made by the tests with JavaCV (moving pictures and a tone, in an MP4), and their upload. */
public final class VodTestMedia {

    private VodTestMedia() {
    }

    /** Uploads {@code src} to {@code node} (no accounts) titled {@code title} and waits until it is published; its id. */
    public static String publish(Node node, Path src, String title) throws Exception {
        return publish(node, src, title, null);
    }

    /** As {@link #publish(Node, Path, String)}, with {@code bearer} as the upload's token unless null. */
    public static String publish(Node node, Path src, String title, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=" + title)))
                .POST(HttpRequest.BodyPublishers.ofFile(src)).header("Content-Type", "application/octet-stream");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> up = TestNode.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (up.statusCode() != 201) {
            throw new AssertionError("upload answered " + up.statusCode() + ": " + up.body());
        }
        String id = new JsonObject(up.body()).getString("id");
        TestNode.await("asset " + id + " ready", Duration.ofSeconds(150),
                () -> "ready".equals(new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body()).getString("state")));
        return id;
    }

    /** {@code src} through the VOD pipeline into {@code out} (the VOD ladder, 1 s segments), packaged as a node publishes it. */
    static List<VodPackage.Packaged> pipeline(Path src, Path out) throws Exception {
        VodTranscode.Result result = VodTranscode.run(src, out, 1.0, Ladder.VOD, new VodTranscode.Progress() {
            @Override
            public void at(long mediaMicrosDone, long durationMicros) {
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        });
        return VodPackage.write(out, result.renditions(), 1.0);
    }

    /** {@link #pipeline} for a test of another package: the video renditions' names, in ladder order. */
    public static List<String> videoRenditions(Path src, Path out) throws Exception {
        return pipeline(src, out).stream().map(VodPackage.Packaged::rendition).filter(VodPackage.Rendition::video)
                .map(VodPackage.Rendition::name).toList();
    }

    /** An H.264 + AAC MP4 of {@code seconds} at {@code fps}; keyframes every 2 s (the pipeline picks its own). */
    public static Path write(Path file, int width, int height, double seconds, int fps) throws Exception {
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toString(), width, height, 1)) {
            rec.setFormat("mp4");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(fps);
            rec.setGopSize(2 * fps);
            rec.setVideoOption("preset", "ultrafast");
            rec.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            rec.setSampleRate(48000);
            rec.setAudioBitrate(64000);
            rec.start();
            int frames = (int) Math.round(seconds * fps);
            Frame picture = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            int samplesPerFrame = 48000 / fps;
            long sample = 0;
            for (int i = 0; i < frames; i++) {
                ByteBuffer px = (ByteBuffer) picture.image[0];
                int stride = picture.imageStride;
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int at = y * stride + 3 * x;
                        px.put(at, (byte) (x + 3 * i));
                        px.put(at + 1, (byte) (y + 2 * i));
                        px.put(at + 2, (byte) ((x ^ y) + i));
                    }
                }
                rec.record(picture);
                ShortBuffer tone = ShortBuffer.allocate(samplesPerFrame);
                for (int s = 0; s < samplesPerFrame; s++, sample++) {
                    tone.put(s, (short) (8000 * Math.sin(2 * Math.PI * 440 * sample / 48000.0)));
                }
                rec.recordSamples(48000, 1, tone);
            }
            rec.stop();
        }
        return file;
    }
}
