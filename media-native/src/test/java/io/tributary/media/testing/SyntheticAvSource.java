package io.tributary.media.testing;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV422P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV444P;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.H264Bitstream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Encodes a synthetic moving test pattern + tone with FFmpeg (libx264, native AAC) in memory and
 * hands out {@link MediaSample}s exactly as RTMP ingest would: millisecond timestamps on a
 * non-negative timeline shared by both tracks, dts-ordered interleaving, AVCC (4-byte
 * length-prefixed) H.264 access units without in-band SPS/PPS, and raw AAC frames.
 *
 * <p>The stream is endless; each {@link #next(double)} call returns the following slice of it.
 * Not thread-safe. Always {@link #close()} it: it owns native encoder state.
 */
public final class SyntheticAvSource implements AutoCloseable {

    static {
        // x264/aac print banners at INFO (and the AAC encoder warns when closed unflushed);
        // quiet them unless someone already chose a level
        if (avutil.av_log_get_level() == avutil.AV_LOG_INFO) {
            avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        }
    }

    private final int width;
    private final int height;
    private final int fps;
    private final int pixelFormat;
    private final int sampleRate;
    private final int channels;

    private AVCodecContext video;
    private AVCodecContext audio;
    private AVFrame videoFrame;
    private AVFrame audioFrame;
    private AVPacket packet;

    private final byte[] avcC;
    private final byte[] asc;

    private final ArrayDeque<MediaSample> videoQueue = new ArrayDeque<>();
    private final ArrayDeque<MediaSample> audioQueue = new ArrayDeque<>();
    private long nextVideoPts;
    private long nextAudioPts;
    private long lastVideoDtsMs = Long.MIN_VALUE;
    private long lastAudioDtsMs = Long.MIN_VALUE;
    /** Shifts encoder time (where B-frame delay and AAC priming go negative) to a non-negative ms timeline. */
    private long shiftMs = Long.MIN_VALUE;
    private double elapsedSeconds;
    private final List<RawPacket> pending = new ArrayList<>();

    private record RawPacket(boolean isVideo, long pts, long dts, boolean key, byte[] data) { }

    /** Sensible defaults: 48 kHz stereo audio, x264 preset veryfast, 4:2:0. */
    public SyntheticAvSource(int width, int height, int fps, int gopFrames, int bFrames, boolean withAudio) {
        this(builder().size(width, height).fps(fps).gop(gopFrames).bFrames(bFrames).audio(withAudio));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options beyond the common constructor, for codec-config coverage (profiles, levels, chroma formats). */
    public static final class Builder {
        private int width = 320;
        private int height = 240;
        private int fps = 30;
        private int gop = 30;
        private int bFrames = 0;
        private boolean audio = true;
        private int sampleRate = 48000;
        private int channels = 2;
        private String preset = "veryfast";
        private String profile;
        private int level = -1;
        private String x264Params;
        private int pixelFormat = AV_PIX_FMT_YUV420P;

        public Builder size(int w, int h) {
            width = w;
            height = h;
            return this;
        }

        public Builder fps(int v) {
            fps = v;
            return this;
        }

        public Builder gop(int frames) {
            gop = frames;
            return this;
        }

        public Builder bFrames(int v) {
            bFrames = v;
            return this;
        }

        public Builder audio(boolean v) {
            audio = v;
            return this;
        }

        public Builder audioFormat(int rate, int channelCount) {
            audio = true;
            sampleRate = rate;
            channels = channelCount;
            return this;
        }

        /** x264 preset (ultrafast..placebo). */
        public Builder preset(String v) {
            preset = v;
            return this;
        }

        /** x264 profile cap: baseline, main, high, high422, high444. */
        public Builder profile(String v) {
            profile = v;
            return this;
        }

        /** level_idc, e.g. 31 for 3.1; x264 picks one if unset. */
        public Builder level(int levelIdc) {
            level = levelIdc;
            return this;
        }

        /** Extra x264 options in "key=value:key=value" form, e.g. "interlaced=1" or "cqm=jvt". */
        public Builder x264Params(String v) {
            x264Params = v;
            return this;
        }

        /** AV_PIX_FMT_YUV420P (default), AV_PIX_FMT_YUV422P or AV_PIX_FMT_YUV444P. */
        public Builder pixelFormat(int v) {
            pixelFormat = v;
            return this;
        }

        public SyntheticAvSource build() {
            return new SyntheticAvSource(this);
        }
    }

    private SyntheticAvSource(Builder b) {
        if (b.width <= 0 || b.height <= 0 || b.width % 2 != 0 || b.height % 2 != 0) {
            throw new IllegalArgumentException("width/height must be positive and even: " + b.width + "x" + b.height);
        }
        if (b.fps <= 0 || b.fps > 240 || b.gop <= 0 || b.bFrames < 0) {
            throw new IllegalArgumentException("bad fps/gop/bFrames");
        }
        if (b.pixelFormat != AV_PIX_FMT_YUV420P && b.pixelFormat != AV_PIX_FMT_YUV422P
                && b.pixelFormat != AV_PIX_FMT_YUV444P) {
            throw new IllegalArgumentException("unsupported pixel format " + b.pixelFormat);
        }
        width = b.width;
        height = b.height;
        fps = b.fps;
        pixelFormat = b.pixelFormat;
        sampleRate = b.sampleRate;
        channels = b.channels;
        try {
            packet = av_packet_alloc();
            openVideo(b);
            avcC = H264Bitstream.avcDecoderConfigurationRecord(copy(video.extradata(), video.extradata_size()),
                    pixelFormat == AV_PIX_FMT_YUV444P ? 3 : pixelFormat == AV_PIX_FMT_YUV422P ? 2 : 1);
            if (b.audio) {
                openAudio();
                asc = copy(audio.extradata(), audio.extradata_size());
            } else {
                asc = null;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** AVCDecoderConfigurationRecord (ISO/IEC 14496-15) with 4-byte NAL lengths. */
    public byte[] avcDecoderConfigurationRecord() {
        return avcC.clone();
    }

    /** AudioSpecificConfig, or null without audio. */
    public byte[] audioSpecificConfig() {
        return asc == null ? null : asc.clone();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int fps() {
        return fps;
    }

    /** Audio sample rate (also without audio, where it is unused). */
    public int sampleRate() {
        return sampleRate;
    }

    /** AAC samples per frame: every audio MediaSample covers this many samples. */
    public int audioFrameSize() {
        return audio == null ? 0 : audio.frame_size();
    }

    /**
     * The next {@code seconds} of the stream: every sample whose ms dts falls in
     * [previous end, previous end + seconds), the first window starting at dts 0; video and audio
     * merged in dts order (video first on equal dts).
     */
    public List<MediaSample> next(double seconds) {
        if (video == null) {
            throw new IllegalStateException("closed");
        }
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException("seconds must be >= 0: " + seconds);
        }
        if (shiftMs == Long.MIN_VALUE) {
            establishShift();
        }
        elapsedSeconds += seconds;
        // windows are cut on the output timeline, which starts at dts 0
        long endMs = Math.round(elapsedSeconds * 1000);
        // dts is monotonic per track, so once one packet reaches endMs all earlier ones are here
        while (lastVideoDtsMs < endMs) {
            encodeVideoFrame();
        }
        while (audio != null && lastAudioDtsMs < endMs) {
            encodeAudioFrame();
        }
        List<MediaSample> out = new ArrayList<>();
        while (true) {
            MediaSample v = videoQueue.peek();
            MediaSample a = audioQueue.peek();
            boolean vOk = v != null && v.dts() < endMs;
            boolean aOk = a != null && a.dts() < endMs;
            if (vOk && (!aOk || v.dts() <= a.dts())) {
                out.add(videoQueue.poll());
            } else if (aOk) {
                out.add(audioQueue.poll());
            } else {
                return out;
            }
        }
    }

    @Override
    public void close() {
        if (video != null) {
            avcodec_free_context(video);
            video = null;
        }
        if (audio != null) {
            avcodec_free_context(audio);
            audio = null;
        }
        if (videoFrame != null) {
            av_frame_free(videoFrame);
            videoFrame = null;
        }
        if (audioFrame != null) {
            av_frame_free(audioFrame);
            audioFrame = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
    }

    // ---- encoding

    private void openVideo(Builder b) {
        AVCodec codec = avcodec_find_encoder_by_name("libx264");
        if (codec == null) {
            throw new IllegalStateException("libx264 encoder not available in this FFmpeg build");
        }
        video = avcodec_alloc_context3(codec);
        video.width(width).height(height).pix_fmt(pixelFormat);
        video.time_base(av_make_q(1, fps)).framerate(av_make_q(fps, 1));
        video.gop_size(b.gop).max_b_frames(b.bFrames);
        video.thread_count(1); // deterministic output and no frame-thread delay
        video.flags(video.flags() | AV_CODEC_FLAG_GLOBAL_HEADER); // SPS/PPS in extradata, not in-band
        if (b.level > 0) {
            video.level(b.level);
        }
        check(av_opt_set(video.priv_data(), "preset", b.preset, 0), "preset " + b.preset);
        if (b.profile != null) {
            check(av_opt_set(video.priv_data(), "profile", b.profile, 0), "profile " + b.profile);
        }
        // fixed GOPs: no scene-cut IDRs, so keyframes land exactly every gop frames.
        // mbtree=0: x264's macroblock-tree pass reads heap memory it never wrote (the output
        // changed with glibc malloc perturbation), so identical sources sometimes differed
        String params = "scenecut=0:mbtree=0" + (b.x264Params == null ? "" : ":" + b.x264Params);
        check(av_opt_set(video.priv_data(), "x264-params", params, 0), "x264-params");
        check(avcodec_open2(video, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "open libx264");

        videoFrame = av_frame_alloc();
        videoFrame.format(pixelFormat).width(width).height(height);
        check(av_frame_get_buffer(videoFrame, 0), "video frame buffer");
    }

    private void openAudio() {
        AVCodec codec = avcodec_find_encoder_by_name("aac");
        if (codec == null) {
            throw new IllegalStateException("aac encoder not available");
        }
        audio = avcodec_alloc_context3(codec);
        audio.sample_fmt(AV_SAMPLE_FMT_FLTP).sample_rate(sampleRate);
        av_channel_layout_default(audio.ch_layout(), channels);
        audio.bit_rate(64_000L * channels);
        audio.time_base(av_make_q(1, sampleRate));
        audio.flags(audio.flags() | AV_CODEC_FLAG_GLOBAL_HEADER); // ASC in extradata, no ADTS
        check(avcodec_open2(audio, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "open aac");

        audioFrame = av_frame_alloc();
        audioFrame.format(AV_SAMPLE_FMT_FLTP).nb_samples(audio.frame_size());
        av_channel_layout_copy(audioFrame.ch_layout(), audio.ch_layout());
        audioFrame.sample_rate(sampleRate);
        check(av_frame_get_buffer(audioFrame, 0), "audio frame buffer");
    }

    /**
     * Encodes until both encoders produced their first packet, then picks the ms shift that makes
     * the earliest timestamp 0 (like FLV's avoid-negative-ts) and converts what has arrived.
     */
    private void establishShift() {
        while (pending.stream().noneMatch(RawPacket::isVideo)) {
            encodeVideoFrame();
        }
        while (audio != null && pending.stream().noneMatch(p -> !p.isVideo())) {
            encodeAudioFrame();
        }
        double earliestMs = 0;
        for (RawPacket p : pending) {
            earliestMs = Math.min(earliestMs, p.isVideo() ? videoMs(p.dts()) : audioMs(p.pts()));
        }
        shiftMs = (long) Math.ceil(-earliestMs);
        List<RawPacket> first = new ArrayList<>(pending);
        pending.clear();
        first.forEach(this::accept);
    }

    private double videoMs(long ts) {
        return ts * 1000.0 / fps;
    }

    private double audioMs(long ts) {
        return ts * 1000.0 / sampleRate;
    }

    private void accept(RawPacket p) {
        if (shiftMs == Long.MIN_VALUE) {
            pending.add(p);
            return;
        }
        if (p.isVideo()) {
            long dtsMs = Math.round(videoMs(p.dts())) + shiftMs;
            long ptsMs = Math.round(videoMs(p.pts())) + shiftMs;
            videoQueue.add(new MediaSample(Track.VIDEO, dtsMs, (int) (ptsMs - dtsMs), p.key(), H264Bitstream.toAvcc(p.data(), p.data().length, 4)));
            lastVideoDtsMs = dtsMs;
        } else {
            long dtsMs = Math.round(audioMs(p.pts())) + shiftMs;
            audioQueue.add(new MediaSample(Track.AUDIO, dtsMs, 0, true, p.data()));
            lastAudioDtsMs = dtsMs;
        }
    }

    private void encodeVideoFrame() {
        check(av_frame_make_writable(videoFrame), "video frame writable");
        drawPattern(nextVideoPts);
        videoFrame.pts(nextVideoPts++);
        check(avcodec_send_frame(video, videoFrame), "send video frame");
        drain(video, true);
    }

    private void encodeAudioFrame() {
        check(av_frame_make_writable(audioFrame), "audio frame writable");
        int n = audio.frame_size();
        float[] pcm = new float[n];
        for (int ch = 0; ch < channels; ch++) {
            double freq = 440.0 * (ch + 2) / 2; // 440, 660, 880 Hz... distinct per channel
            for (int i = 0; i < n; i++) {
                pcm[i] = (float) (0.3 * Math.sin(2 * Math.PI * freq * (nextAudioPts + i) / sampleRate));
            }
            new FloatPointer(audioFrame.data(ch)).put(pcm, 0, n);
        }
        audioFrame.pts(nextAudioPts);
        nextAudioPts += n;
        check(avcodec_send_frame(audio, audioFrame), "send audio frame");
        drain(audio, false);
    }

    private void drain(AVCodecContext ctx, boolean isVideo) {
        while (true) {
            int ret = avcodec_receive_packet(ctx, packet);
            if (ret == AVERROR_EAGAIN()) {
                return;
            }
            check(ret, "receive packet");
            byte[] data = copy(packet.data(), packet.size());
            accept(new RawPacket(isVideo, packet.pts(), packet.dts(), (packet.flags() & AV_PKT_FLAG_KEY) != 0, data));
            av_packet_unref(packet);
        }
    }

    /** A diagonal gradient scrolling right, a bouncing bright square, and slowly cycling chroma. */
    private void drawPattern(long frame) {
        int t = (int) frame;
        BytePointer y = videoFrame.data(0);
        int yStride = videoFrame.linesize(0);
        byte[] row = new byte[width];
        int box = Math.max(8, height / 6);
        int bx = Math.abs((t * 7) % (2 * (width - box)) - (width - box));
        int by = Math.abs((t * 5) % (2 * (height - box)) - (height - box));
        for (int r = 0; r < height; r++) {
            boolean inBoxRow = r >= by && r < by + box;
            for (int c = 0; c < width; c++) {
                int v = (c + r + t * 4) & 0xFF;
                if (inBoxRow && c >= bx && c < bx + box) {
                    v = 235;
                }
                row[c] = (byte) v;
            }
            y.position((long) r * yStride).put(row, 0, width);
        }
        int cw = pixelFormat == AV_PIX_FMT_YUV444P ? width : width / 2;
        int ch = pixelFormat == AV_PIX_FMT_YUV420P ? height / 2 : height;
        for (int plane = 1; plane <= 2; plane++) {
            BytePointer p = videoFrame.data(plane);
            int stride = videoFrame.linesize(plane);
            for (int r = 0; r < ch; r++) {
                for (int c = 0; c < cw; c++) {
                    row[c] = (byte) (128 + (plane == 1 ? 1 : -1) * ((t + r * 64 / ch + c * 64 / cw) % 64 - 32));
                }
                p.position((long) r * stride).put(row, 0, cw);
            }
        }
    }


    private static byte[] copy(BytePointer p, int size) {
        byte[] b = new byte[size];
        p.position(0).get(b, 0, size);
        return b;
    }

    private static void check(int ret, String what) {
        if (ret < 0) {
            byte[] msg = new byte[256];
            av_strerror(ret, msg, msg.length);
            int len = 0;
            while (len < msg.length && msg[len] != 0) {
                len++;
            }
            throw new IllegalStateException(what + " failed: " + new String(msg, 0, len, StandardCharsets.UTF_8)
                    + " (" + ret + ")");
        }
    }
}
