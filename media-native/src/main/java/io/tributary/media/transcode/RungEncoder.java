package io.tributary.media.transcode;

import io.tributary.media.codec.H264Bitstream;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
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
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_I;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_NONE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_clone;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.ffmpeg.swscale.SwsFilter;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;

/**
 * One encoded rung: a bounded queue of decoded frames (filled by the decode thread) and a thread
 * that scales and encodes them with libx264. The thread owns the native encoder state once
 * started and frees it when it ends.
 */
final class RungEncoder {

    /** AV_FRAME_FLAG_KEY (libavutil/frame.h); a macro the Java bindings do not expose. */
    private static final int AV_FRAME_FLAG_KEY = 1 << 1;
    private static final long NONE = Long.MIN_VALUE;

    /** A queued picture; {@link #STOP} and {@link #END} are control markers without a frame. */
    private record Job(AVFrame frame, long pts, boolean key) {
    }

    private static final Job STOP = new Job(null, NONE, false);
    private static final Job END = new Job(null, NONE, false);

    final LadderRung rung;
    private final TranscodeListener listener;
    private final int capacity;
    private final long maxLagMillis;
    private final LinkedBlockingDeque<Job> queue = new LinkedBlockingDeque<>();
    private final byte[] avcC;

    // native state, owned by the constructor until start(), then by the thread
    private AVCodecContext encoder;
    private AVPacket packet;
    private AVFrame scaled;
    private SwsContext sws;
    private int swsWidth;
    private int swsHeight;
    private int swsFormat = -1;

    private Thread thread;

    // decode-thread state
    private boolean dropping;

    // counters
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong framesOut = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger pendingDrops = new AtomicInteger();
    private final AtomicLong busyNanos = new AtomicLong();
    /** Encoded bits over the last two segments' worth of media time (4 s). */
    private final BitrateWindow outputRate = new BitrateWindow(4000);
    private volatile long inProgressPts = NONE;
    private volatile boolean failed;

    // encoder-thread state
    private boolean configSent;
    private long lastPts = NONE;

    RungEncoder(LadderRung rung, TranscodeListener listener, TranscodeOptions options, int threads) {
        this.rung = rung;
        this.listener = listener;
        this.capacity = options.rungQueueCapacity();
        this.maxLagMillis = options.maxLagMillis();
        try {
            openEncoder(options.frameRate(), threads);
            avcC = H264Bitstream.avcDecoderConfigurationRecord(copy(encoder.extradata(), encoder.extradata_size()), 1);
            packet = av_packet_alloc();
            if (packet == null) {
                throw new TranscodeException("out of memory allocating a packet");
            }
        } catch (RuntimeException e) {
            freeNative();
            throw e instanceof TranscodeException te ? te
                    : new TranscodeException("rung " + rung.name() + ": " + e.getMessage(), e);
        }
    }

    private void openEncoder(int frameRate, int threads) {
        AVCodec codec = avcodec_find_encoder_by_name("libx264");
        if (codec == null) {
            throw new TranscodeException("libx264 is not in this FFmpeg build");
        }
        encoder = avcodec_alloc_context3(codec);
        if (encoder == null) {
            throw new TranscodeException("out of memory allocating an encoder");
        }
        AVCodecContext c = encoder;
        c.width(rung.width()).height(rung.height()).pix_fmt(AV_PIX_FMT_YUV420P);
        // the ms timeline passes straight through: frame pts = source pts, packet pts/dts in ms
        c.time_base(av_make_q(1, 1000)).pkt_timebase(av_make_q(1, 1000)).framerate(av_make_q(frameRate, 1));
        c.bit_rate(rung.bitrate());
        if (rung.maxrate() > 0) {
            c.rc_max_rate(rung.maxrate());
            // x264 refuses a maxrate without a VBV buffer
            c.rc_buffer_size((int) Math.min(Integer.MAX_VALUE, rung.bufsize() > 0 ? rung.bufsize() : rung.maxrate() * 2));
        } else if (rung.bufsize() > 0) {
            c.rc_buffer_size((int) Math.min(Integer.MAX_VALUE, rung.bufsize()));
        }
        c.thread_count(threads);
        c.flags(c.flags() | AV_CODEC_FLAG_GLOBAL_HEADER); // SPS/PPS in extradata -> avcC
        String rungName = "rung " + rung.name();
        set("preset", rung.preset() == null ? "veryfast" : rung.preset(), rungName);
        set("tune", rung.tune() == null ? "zerolatency" : rung.tune(), rungName);
        if (rung.profile() != null) {
            set("profile", rung.profile(), rungName);
        }
        set("forced-idr", "1", rungName); // pict_type I -> IDR, not a recovery-point I frame
        // IDRs only where we force them (source keyframes): no periodic or scene-cut keyframes,
        // and closed GOPs so every IDR starts an independently decodable segment
        String params = "keyint=infinite:scenecut=0:open-gop=0";
        if (rung.level() != null) {
            if (!rung.level().matches("[0-9](\\.[0-9])?|[0-9]{2}")) {
                throw new TranscodeException(rungName + ": bad level " + rung.level());
            }
            params += ":level=" + rung.level();
        }
        set("x264-params", params, rungName);
        int ret = avcodec_open2(c, codec, (AVDictionary) null);
        if (ret < 0) {
            throw new TranscodeException(rungName + ": libx264 rejected the settings (" + rung + "): "
                    + Ff.error(ret));
        }
    }

    private void set(String key, String value, String what) {
        int ret = av_opt_set(encoder.priv_data(), key, value, 0);
        if (ret < 0) {
            throw new TranscodeException(what + ": bad x264 " + key + " '" + value + "': " + Ff.error(ret));
        }
    }

    byte[] avcC() {
        return avcC.clone();
    }

    void start(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    // ---- decode thread side

    /**
     * Queues a reference to {@code frame} unless this rung is too far behind; then it drops its
     * backlog and every frame up to the next source keyframe, so it resumes on an IDR. Never blocks.
     */
    void submit(AVFrame frame, long pts, boolean key) {
        if (failed) {
            return;
        }
        framesIn.incrementAndGet();
        if (!dropping && overloaded(pts)) {
            dropping = true;
            drop(discardBacklog());
        }
        if (dropping) {
            if (key && !overloaded(pts)) {
                dropping = false;
            } else {
                drop(1);
                return;
            }
        }
        AVFrame ref = av_frame_clone(frame);
        if (ref == null) {
            dropping = true; // out of memory: behave as if overloaded
            drop(1);
            return;
        }
        queue.offerLast(new Job(ref, pts, key));
    }

    /** Source frames that never reached the decoder (ingest queue overflow). */
    void drop(int frames) {
        if (frames > 0) {
            dropped.addAndGet(frames);
            pendingDrops.addAndGet(frames);
        }
    }

    private boolean overloaded(long pts) {
        if (queue.size() >= capacity) {
            return true;
        }
        long oldest = inProgressPts;
        if (oldest == NONE) {
            Job head = queue.peekFirst();
            oldest = head == null ? pts : head.pts;
        }
        return pts - oldest > maxLagMillis;
    }

    private int discardBacklog() {
        int n = 0;
        for (Job j; (j = queue.pollLast()) != null; ) {
            if (j.frame != null) {
                av_frame_free(j.frame);
                n++;
            } else {
                queue.offerLast(j); // a control marker (only at shutdown): keep it
                break;
            }
        }
        return n;
    }

    /** Flush the encoder and end after the queued frames. */
    void end() {
        queue.offerLast(END);
    }

    /** End as soon as possible, discarding queued frames. */
    void stop() {
        queue.offerFirst(STOP);
    }

    /** Frees frames left in the queue; call once the thread has ended. */
    void freeQueued() {
        for (Job j; (j = queue.pollFirst()) != null; ) {
            if (j.frame != null) {
                av_frame_free(j.frame);
            }
        }
    }

    RungStats stats(double sourceFps) {
        return new RungStats(rung.name(), framesIn.get(), framesOut.get(), dropped.get(),
                (int) queue.stream().filter(j -> j.frame != null).count(), busyNanos.get(), sourceFps, failed,
                outputRate.bitsPerSecond());
    }

    boolean failed() {
        return failed;
    }

    // ---- encoder thread

    private void run() {
        try {
            while (true) {
                Job job = queue.takeFirst();
                if (job == STOP) {
                    break;
                }
                if (job == END) {
                    long t0 = System.nanoTime();
                    reportDrops();
                    Ff.check(avcodec_send_frame(encoder, null), "flush encoder");
                    drain();
                    busyNanos.addAndGet(System.nanoTime() - t0);
                    break;
                }
                inProgressPts = job.pts;
                long t0 = System.nanoTime();
                try {
                    reportDrops();
                    encode(job);
                } finally {
                    av_frame_free(job.frame);
                    inProgressPts = NONE;
                    busyNanos.addAndGet(System.nanoTime() - t0);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failed = true;
            TranscodeException te = t instanceof TranscodeException x ? x
                    : new TranscodeException("rung " + rung.name() + " failed: " + t, t);
            try {
                listener.onError(rung.name(), te);
            } catch (RuntimeException ignored) {
                // the rung is already down; a listener failure adds nothing
            }
        } finally {
            freeQueued();
            freeNative();
        }
    }

    private void reportDrops() {
        int n = pendingDrops.getAndSet(0);
        if (n > 0) {
            listener.onDropped(rung.name(), n);
        }
    }

    private void encode(Job job) {
        AVFrame in = job.frame;
        AVFrame pic;
        if (in.width() == rung.width() && in.height() == rung.height() && in.format() == AV_PIX_FMT_YUV420P) {
            pic = in; // our own clone of the decoder's frame: safe to retag
        } else {
            scale(in);
            pic = scaled;
        }
        long pts = job.pts;
        if (lastPts != NONE && pts <= lastPts) {
            pts = lastPts + 1; // x264 needs strictly increasing pts; only repeated source stamps hit this
        }
        lastPts = pts;
        pic.pts(pts);
        // decoded frames carry the source's picture types: clear them, and force IDR on source keyframes only
        pic.pict_type(job.key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE);
        pic.flags(job.key ? pic.flags() | AV_FRAME_FLAG_KEY : pic.flags() & ~AV_FRAME_FLAG_KEY);
        Ff.check(avcodec_send_frame(encoder, pic), "rung " + rung.name() + " encode");
        drain();
    }

    private void scale(AVFrame in) {
        if (sws == null || in.width() != swsWidth || in.height() != swsHeight || in.format() != swsFormat) {
            if (sws != null) {
                sws_freeContext(sws);
            }
            sws = sws_getContext(in.width(), in.height(), in.format(), rung.width(), rung.height(),
                    AV_PIX_FMT_YUV420P, SWS_BICUBIC, (SwsFilter) null, (SwsFilter) null, (DoublePointer) null);
            if (sws == null) {
                throw new TranscodeException("rung " + rung.name() + ": cannot scale " + in.width() + "x"
                        + in.height() + " pixel format " + in.format());
            }
            swsWidth = in.width();
            swsHeight = in.height();
            swsFormat = in.format();
        }
        if (scaled == null) {
            scaled = av_frame_alloc();
            if (scaled == null) {
                throw new TranscodeException("out of memory allocating a frame");
            }
            scaled.format(AV_PIX_FMT_YUV420P).width(rung.width()).height(rung.height());
            Ff.check(av_frame_get_buffer(scaled, 0), "frame buffer");
        }
        // libx264 copies the picture during send_frame, so one scaled buffer is reused
        Ff.check(sws_scale_frame(sws, scaled, in), "rung " + rung.name() + " scale");
    }

    private void drain() {
        while (true) {
            int ret = avcodec_receive_packet(encoder, packet);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            Ff.check(ret, "rung " + rung.name() + " receive packet");
            try {
                byte[] raw = copy(packet.data(), packet.size());
                byte[] au = H264Bitstream.toAvcc(raw, raw.length, 4);
                long pts = packet.pts();
                long dts = packet.dts();
                if (!configSent) {
                    listener.onConfig(rung.name(), avcC.clone());
                    configSent = true;
                }
                listener.onSample(rung.name(),
                        new MediaSample(Track.VIDEO, dts, (int) (pts - dts), H264Bitstream.containsIdr(au), au));
                framesOut.incrementAndGet();
                outputRate.add(dts, au.length);
            } finally {
                av_packet_unref(packet);
            }
        }
    }

    /** Frees the encoder, scaler and buffers; idempotent. */
    void freeNative() {
        if (encoder != null) {
            avcodec_free_context(encoder);
            encoder = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (scaled != null) {
            av_frame_free(scaled);
            scaled = null;
        }
        if (sws != null) {
            sws_freeContext(sws);
            sws = null;
        }
    }

    static byte[] copy(BytePointer p, int size) {
        if (p == null || size <= 0) {
            return new byte[0];
        }
        byte[] b = new byte[size];
        p.position(0).get(b, 0, size);
        return b;
    }
}
