package io.tributary.media.transcode;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.testing.SyntheticAvSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;

/** Shared helpers for the transcoder tests: a synthetic source, a recording listener, a checking decoder. */
final class TranscodeTestKit {

    private TranscodeTestKit() {
    }

    /** A video-only synthetic stream: its avcC and {@code seconds} of samples. */
    record Source(byte[] avcC, List<MediaSample> samples) {

        TreeSet<Long> keyframePts() {
            TreeSet<Long> s = new TreeSet<>();
            samples.stream().filter(MediaSample::keyframe).forEach(v -> s.add(v.pts()));
            return s;
        }
    }

    static Source source(int w, int h, int fps, int gop, double seconds) {
        try (SyntheticAvSource src = SyntheticAvSource.builder().size(w, h).fps(fps).gop(gop).audio(false)
                .preset("ultrafast").build()) {
            List<MediaSample> v = src.next(seconds).stream().filter(s -> s.track() == Track.VIDEO).toList();
            return new Source(src.avcDecoderConfigurationRecord(), v);
        }
    }

    /** Everything a transcoder reported, in arrival order per rung. */
    static final class Recorder implements TranscodeListener {
        /** Per rung: samples and drop notices interleaved as they arrived. */
        final Map<String, List<Object>> events = new ConcurrentHashMap<>();
        final Map<String, byte[]> configs = new ConcurrentHashMap<>();
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Long> delayMillis = new ConcurrentHashMap<>();
        volatile boolean configAfterSample;

        private List<Object> list(String rung) {
            return events.computeIfAbsent(rung, k -> Collections.synchronizedList(new ArrayList<>()));
        }

        @Override
        public void onConfig(String rung, byte[] record) {
            if (configs.putIfAbsent(rung, record) != null || !list(rung).isEmpty()) {
                configAfterSample = true;
            }
        }

        @Override
        public void onSample(String rung, MediaSample sample) {
            if (!configs.containsKey(rung)) {
                configAfterSample = true;
            }
            list(rung).add(sample);
            Long d = delayMillis.get(rung);
            if (d != null) {
                try {
                    Thread.sleep(d); // a slow consumer makes its rung fall behind
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onDropped(String rung, int frames) {
            list(rung).add(frames);
        }

        @Override
        public void onError(String rung, TranscodeException error) {
            errors.add(rung + ": " + error);
        }

        List<MediaSample> samples(String rung) {
            synchronized (list(rung)) {
                return list(rung).stream().filter(o -> o instanceof MediaSample).map(o -> (MediaSample) o).toList();
            }
        }

        int droppedTotal(String rung) {
            synchronized (list(rung)) {
                return list(rung).stream().filter(o -> o instanceof Integer).mapToInt(o -> (Integer) o).sum();
            }
        }

        TreeSet<Long> keyframePts(String rung) {
            TreeSet<Long> s = new TreeSet<>();
            samples(rung).stream().filter(MediaSample::keyframe).forEach(v -> s.add(v.pts()));
            return s;
        }
    }

    /**
     * How long each {@link LiveTranscoder#offer} call took. A wall-clock maximum alone flakes on a
     * loaded two-core machine (one preemption of the feeding thread is enough), so callers check
     * the typical call and how many calls were slow: an offer that did decode or encode work would
     * make most calls take milliseconds.
     */
    record OfferTimes(long[] nanos) {
        long median() {
            long[] s = nanos.clone();
            java.util.Arrays.sort(s);
            return s[s.length / 2];
        }

        long countOver(long limitNanos) {
            return java.util.Arrays.stream(nanos).filter(n -> n > limitNanos).count();
        }

        long slowest() {
            return java.util.Arrays.stream(nanos).max().orElse(0);
        }

        /** The check both transcoder tests make: median under 1 ms, at most 5 % of calls over 5 ms. */
        void assertNonBlocking() {
            String summary = String.format("offers: median %.3f ms, %d of %d over 5 ms, slowest %.2f ms",
                    median() / 1e6, countOver(5_000_000), nanos.length, slowest() / 1e6);
            System.out.println(summary);
            assertTrue(median() < 1_000_000, summary);
            assertTrue(countOver(5_000_000) <= nanos.length / 20, summary);
        }
    }

    /** Offers samples paced at {@code speed} x realtime and times every offer. */
    static OfferTimes feed(LiveTranscoder t, List<MediaSample> samples, double speed) throws InterruptedException {
        long start = System.nanoTime();
        long first = samples.get(0).dts();
        long[] took = new long[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            MediaSample s = samples.get(i);
            long due = start + (long) ((s.dts() - first) * 1e6 / speed);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            long t0 = System.nanoTime();
            t.offer(s);
            took[i] = System.nanoTime() - t0;
        }
        return new OfferTimes(took);
    }

    /** A picture the checking decoder produced. */
    record Decoded(int width, int height, long pts) {
    }

    /** Decodes a rung's output with a plain FFmpeg decoder configured from its avcC. */
    static List<Decoded> decode(byte[] avcC, List<MediaSample> samples) {
        AVCodecContext ctx = avcodec_alloc_context3(avcodec_find_decoder(AV_CODEC_ID_H264));
        AVPacket pkt = av_packet_alloc();
        AVFrame frame = av_frame_alloc();
        List<Decoded> out = new ArrayList<>();
        try {
            BytePointer extra = new BytePointer(av_mallocz(avcC.length + AV_INPUT_BUFFER_PADDING_SIZE));
            extra.capacity(avcC.length).put(avcC, 0, avcC.length);
            ctx.extradata(extra).extradata_size(avcC.length);
            assertTrue(avcodec_open2(ctx, ctx.codec(), (AVDictionary) null) >= 0, "open checking decoder");
            for (MediaSample s : samples) {
                assertTrue(av_new_packet(pkt, s.data().length) >= 0);
                pkt.data().put(s.data(), 0, s.data().length);
                pkt.pts(s.pts()).dts(s.dts());
                int ret = avcodec_send_packet(ctx, pkt);
                av_packet_unref(pkt);
                assertTrue(ret >= 0, "rung sample at " + s.dts() + " does not decode: " + ret);
                receive(ctx, frame, out);
            }
            avcodec_send_packet(ctx, null);
            receive(ctx, frame, out);
        } finally {
            av_frame_free(frame);
            av_packet_free(pkt);
            avcodec_free_context(ctx);
        }
        return out;
    }

    private static void receive(AVCodecContext ctx, AVFrame frame, List<Decoded> out) {
        while (true) {
            int ret = avcodec_receive_frame(ctx, frame);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            assertTrue(ret >= 0, "decode error " + ret);
            assertEquals(0, frame.decode_error_flags(), "decoded with errors");
            out.add(new Decoded(frame.width(), frame.height(), frame.best_effort_timestamp()));
            av_frame_unref(frame);
        }
    }

    /** Resident set size of this process in kB. */
    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    /** Threads of any transcoder still alive. */
    static List<String> transcoderThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("transcode-")).toList();
    }
}
