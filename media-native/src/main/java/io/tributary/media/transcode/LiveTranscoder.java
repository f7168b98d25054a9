package io.tributary.media.transcode;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.VideoCodec;
import io.tributary.media.codec.MediaFormatException;
import io.tributary.media.codec.VideoTrackConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;

/**
 * In-process live ABR transcoder for one H.264, H.265 or AV1 source: decodes once, and encodes every
 * {@link LadderRung.Mode#ENCODE ENCODE} rung of the resolved ladder to H.264 on its own thread.
 *
 * <p>Threads: {@link #offer} runs on the caller's (ingest) thread and only enqueues; one decode
 * thread feeds frame references to one encoder thread per rung; the {@link TranscodeListener} is
 * called on the rung's encoder thread. Every source keyframe becomes an IDR in every rung and
 * nothing else does, with output timestamps equal to the source's, so rungs cut into segments at
 * the same times as the source.
 *
 * <p>Lifecycle: construct (throws {@link TranscodeException} for an undecodable configuration or a
 * rung libx264 will not accept), {@link #offer} samples, optionally {@link #finish} to drain at the
 * end of the stream, and always {@link #close()}, which stops the threads and frees native memory.
 */
public final class LiveTranscoder implements AutoCloseable {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Object END = new Object();
    /**
     * How long the idle decode thread sleeps between looks at its queue. {@link #offer} never wakes
     * it: on a busy machine a woken thread preempts the waker, which would stall the ingest thread
     * for a whole decode (measured: up to ~7 ms with 2 busy cores). Polling costs at most this much
     * latency.
     */
    private static final long IDLE_POLL_NANOS = 1_000_000;
    /** Keyframe timestamps remembered until their picture leaves the decoder (reorder window). */
    private static final int MAX_PENDING_KEYFRAMES = 64;

    private final VideoTrackConfig source;
    private final List<LadderRung> resolved;
    private final TranscodeListener listener;
    private final TranscodeOptions options;
    private final Map<String, RungEncoder> rungs = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<Object> sourceQueue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sourceDepth = new AtomicInteger();
    private final Thread decodeThread;

    // decoder native state: the constructor's until the decode thread starts, then the thread's
    private AVCodecContext decoder;
    private AVPacket packet;
    private AVFrame frame;

    // ingest-thread state
    private boolean skippingSource;
    private final AtomicInteger pendingSourceDrops = new AtomicInteger();

    // decode-thread state
    private final ArrayDeque<Long> keyframePts = new ArrayDeque<>();
    private boolean seenKeyframe;
    private final long[] frameDeltas = new long[31];
    private int deltaCount;
    private long lastPts = AV_NOPTS_VALUE;

    private final AtomicLong samplesIn = new AtomicLong();
    private final AtomicLong samplesDropped = new AtomicLong();
    private final AtomicLong framesDecoded = new AtomicLong();
    private final AtomicLong decodeErrors = new AtomicLong();
    private volatile double sourceFps;
    private volatile TranscodeException failure;
    private volatile boolean ending;
    private volatile boolean closed;
    private volatile boolean stopRequested;

    public LiveTranscoder(VideoTrackConfig source, List<LadderRung> ladder, TranscodeListener listener) {
        this(source, ladder, listener, TranscodeOptions.defaults());
    }

    /**
     * @param source   the source's configuration; its record (avcC, hvcC, av1C) becomes the decoder's extradata
     * @param ladder   configured rungs; resolved with {@link Ladder#resolve} against the source size
     * @param listener receives each encoded rung's output
     * @throws TranscodeException the source cannot be decoded or a rung cannot be encoded
     */
    public LiveTranscoder(VideoTrackConfig source, List<LadderRung> ladder, TranscodeListener listener,
            TranscodeOptions options) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(ladder, "ladder");
        this.source = checkSource(source);
        this.resolved = Ladder.resolve(ladder, source.width(), source.height());
        List<LadderRung> encoded = Ladder.encoded(resolved);
        checkNames(resolved);
        int id = INSTANCES.incrementAndGet();
        try {
            openDecoder();
            long totalPixels = encoded.stream().mapToLong(r -> (long) r.width() * r.height()).sum();
            int cores = Runtime.getRuntime().availableProcessors();
            for (LadderRung r : encoded) {
                int threads = options.threadsPerEncoder();
                if (threads == 0) {
                    // share the cores by picture size: the big rung gets the threads it needs
                    threads = (int) Math.max(1, Math.min(cores, Math.round(cores * (double) r.width() * r.height()
                            / totalPixels)));
                }
                rungs.put(r.name(), new RungEncoder(r, listener, options, threads));
            }
        } catch (RuntimeException e) {
            rungs.values().forEach(RungEncoder::freeNative);
            freeDecoder();
            throw e instanceof TranscodeException te ? te : new TranscodeException(e.getMessage(), e);
        }
        for (RungEncoder r : rungs.values()) {
            r.start("transcode-" + id + "-" + r.rung.name());
        }
        decodeThread = new Thread(this::decodeLoop, "transcode-" + id + "-decode");
        decodeThread.setDaemon(true);
        decodeThread.start();
    }

    private static VideoTrackConfig checkSource(VideoTrackConfig source) {
        Objects.requireNonNull(source, "source");
        VideoTrackConfig parsed;
        try {
            // re-parse: the record may have been built by hand rather than by the codec's parse
            parsed = VideoTrackConfig.parse(source.codec(), source.record());
        } catch (MediaFormatException e) {
            throw new TranscodeException("source " + source.sampleEntry() + " configuration is malformed: "
                    + e.getMessage(), e);
        }
        if (parsed.width() != source.width() || parsed.height() != source.height()) {
            throw new TranscodeException("source size " + source.width() + "x" + source.height()
                    + " disagrees with its SPS " + parsed.width() + "x" + parsed.height());
        }
        if (parsed.width() < 16 || parsed.height() < 16 || parsed.width() > 8192 || parsed.height() > 8192) {
            throw new TranscodeException("unsupported source size " + parsed.width() + "x" + parsed.height());
        }
        return parsed;
    }

    private static void checkNames(List<LadderRung> rungs) {
        if (rungs.stream().map(LadderRung::name).distinct().count() != rungs.size()) {
            throw new IllegalArgumentException("rung names must be unique: " + rungs);
        }
    }

    /**
     * The software decoder for {@code codec}, or null when this FFmpeg build has none. AV1:
     * dav1d, else libaom; FFmpeg's native "av1" decoder only drives hardware, so it does not count.
     */
    static AVCodec decoder(VideoCodec codec) {
        return switch (codec) {
            case H264 -> avcodec_find_decoder(AV_CODEC_ID_H264);
            case H265 -> avcodec_find_decoder(AV_CODEC_ID_HEVC);
            case AV1 -> {
                AVCodec c = avcodec_find_decoder_by_name("libdav1d");
                yield c != null ? c : avcodec_find_decoder_by_name("libaom-av1");
            }
        };
    }

    /** Whether this FFmpeg build can decode {@code codec} sources (else they can only pass through). */
    public static boolean canDecode(VideoCodec codec) {
        return decoder(codec) != null;
    }

    private void openDecoder() {
        AVCodec codec = decoder(source.codec());
        if (codec == null) {
            throw new TranscodeException("no " + source.codec() + " decoder in this FFmpeg build");
        }
        decoder = avcodec_alloc_context3(codec);
        if (decoder == null) {
            throw new TranscodeException("out of memory allocating the decoder");
        }
        byte[] rec = source.record();
        // FFmpeg owns and frees extradata, so it must come from av_malloc, zero-padded
        BytePointer extra = new BytePointer(av_mallocz(rec.length + AV_INPUT_BUFFER_PADDING_SIZE));
        if (extra.isNull()) {
            throw new TranscodeException("out of memory allocating extradata");
        }
        extra.capacity(rec.length + AV_INPUT_BUFFER_PADDING_SIZE).put(rec, 0, rec.length);
        decoder.extradata(extra).extradata_size(rec.length);
        decoder.pkt_timebase(av_make_q(1, 1000));
        decoder.thread_count(1); // frame threads would add a frame of latency each; decode is cheap next to encode
        int ret = avcodec_open2(decoder, codec, (AVDictionary) null);
        if (ret < 0) {
            throw new TranscodeException(codec.name().getString() + " decoder rejects the source configuration " + source + ": "
                    + Ff.error(ret));
        }
        packet = av_packet_alloc();
        frame = av_frame_alloc();
        if (packet == null || frame == null) {
            throw new TranscodeException("out of memory allocating decoder buffers");
        }
    }

    // ---- public API

    /** The resolved ladder: BYPASS rungs (the caller passes the source through) and ENCODE rungs. */
    public List<LadderRung> ladder() {
        return resolved;
    }

    /** The rungs this transcoder encodes, in ladder order. */
    public List<LadderRung> encodedRungs() {
        return rungs.values().stream().map(r -> r.rung).toList();
    }

    /** An encoded rung's AVCDecoderConfigurationRecord, known from construction on. */
    public byte[] outputConfig(String rung) {
        RungEncoder r = rungs.get(rung);
        if (r == null) {
            throw new IllegalArgumentException("not an encoded rung: " + rung);
        }
        return r.avcC();
    }

    /**
     * Hands one source video sample (length-prefixed NAL units or AV1 OBUs, in decode order) to the decode thread. Never blocks.
     * When the decode queue is full the sample and all following ones up to the next keyframe are
     * dropped (and reported to every rung through {@link TranscodeListener#onDropped}).
     * Call from one thread at a time; do not modify the sample's data afterwards.
     *
     * @return false when the sample was dropped
     * @throws TranscodeException    the transcoder failed (the cause says why)
     * @throws IllegalStateException after {@link #finish} or {@link #close}
     */
    public boolean offer(MediaSample videoSample) {
        TranscodeException f = failure;
        if (f != null) {
            throw new TranscodeException("transcoder failed: " + f.getMessage(), f);
        }
        if (closed || ending) {
            throw new IllegalStateException("transcoder is " + (closed ? "closed" : "finishing"));
        }
        if (videoSample.track() != Track.VIDEO) {
            throw new IllegalArgumentException("not a video sample: " + videoSample.track());
        }
        samplesIn.incrementAndGet();
        if (skippingSource && !videoSample.keyframe() || sourceDepth.get() >= options.sourceQueueCapacity()) {
            // a dropped reference frame breaks everything up to the next keyframe
            skippingSource = true;
            samplesDropped.incrementAndGet();
            pendingSourceDrops.incrementAndGet();
            return false;
        }
        skippingSource = false;
        sourceDepth.incrementAndGet();
        sourceQueue.offer(videoSample); // lock-free and no wake-up: see IDLE_POLL_NANOS
        return true;
    }

    /**
     * End of stream: decodes and encodes everything queued, flushes the encoders and waits for
     * the listener to have received it all. {@link #offer} is refused afterwards; {@link #close()}
     * is still needed.
     *
     * @return false when the threads did not finish within {@code timeout}
     */
    public boolean finish(Duration timeout) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (!ending) {
            ending = true;
            sourceQueue.offer(END);
            LockSupport.unpark(decodeThread);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!join(decodeThread, deadline)) {
            return false;
        }
        for (RungEncoder r : rungs.values()) {
            if (!join(r.thread(), deadline)) {
                return false;
            }
        }
        return true;
    }

    private static boolean join(Thread t, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        return !t.isAlive();
    }

    public SourceStats sourceStats() {
        return new SourceStats(samplesIn.get(), samplesDropped.get(), framesDecoded.get(), decodeErrors.get(),
                Math.max(0, sourceDepth.get()), sourceFps);
    }

    public List<RungStats> stats() {
        List<RungStats> out = new ArrayList<>();
        for (RungEncoder r : rungs.values()) {
            out.add(r.stats(sourceFps));
        }
        return out;
    }

    public RungStats stats(String rung) {
        RungEncoder r = rungs.get(rung);
        if (r == null) {
            throw new IllegalArgumentException("not an encoded rung: " + rung);
        }
        return r.stats(sourceFps);
    }

    /**
     * Stops all threads without flushing (queued frames are discarded) and frees all native memory.
     * Waits up to a few seconds for a thread busy in a listener call; such a thread frees its own
     * encoder when it returns. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopRequested = true;
        LockSupport.unpark(decodeThread);
        rungs.values().forEach(RungEncoder::stop);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean interrupted = false;
        List<Thread> threads = new ArrayList<>();
        threads.add(decodeThread);
        rungs.values().forEach(r -> threads.add(r.thread()));
        for (Thread t : threads) {
            if (t == Thread.currentThread()) {
                continue; // close() from a listener: that thread ends after it returns
            }
            try {
                join(t, deadline);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        drainSourceQueue();
        for (RungEncoder r : rungs.values()) {
            if (!r.thread().isAlive()) {
                r.freeQueued();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainSourceQueue() {
        sourceQueue.clear();
        sourceDepth.set(0);
    }

    // ---- decode thread

    private void decodeLoop() {
        boolean ended = false;
        try {
            while (!stopRequested) {
                Object item = sourceQueue.poll();
                if (item == null) {
                    LockSupport.parkNanos(IDLE_POLL_NANOS);
                    continue;
                }
                if (item == END) {
                    forwardSourceDrops();
                    decode(null);
                    rungs.values().forEach(RungEncoder::end);
                    ended = true;
                    break;
                }
                sourceDepth.decrementAndGet();
                forwardSourceDrops();
                decode((MediaSample) item);
            }
        } catch (Throwable t) {
            TranscodeException te = t instanceof TranscodeException x ? x
                    : new TranscodeException("decode thread failed: " + t, t);
            failure = te;
            try {
                listener.onError(null, te);
            } catch (RuntimeException ignored) {
                // already failing
            }
        } finally {
            if (!ended) {
                rungs.values().forEach(RungEncoder::stop);
            }
            drainSourceQueue();
            freeDecoder();
        }
    }

    private void forwardSourceDrops() {
        int n = pendingSourceDrops.getAndSet(0);
        if (n > 0) {
            rungs.values().forEach(r -> r.drop(n));
        }
    }

    /** Decodes one sample (null: flush) and hands every picture that comes out to the rungs. */
    private void decode(MediaSample s) {
        if (s != null) {
            if (!seenKeyframe && !s.keyframe()) {
                return; // joined mid-GOP: nothing decodes cleanly before the first keyframe
            }
            seenKeyframe = true;
            if (s.keyframe()) {
                keyframePts.addLast(s.pts());
                while (keyframePts.size() > MAX_PENDING_KEYFRAMES) {
                    keyframePts.removeFirst();
                }
            }
            byte[] data = s.data();
            if (data.length == 0) {
                return;
            }
            Ff.check(av_new_packet(packet, data.length), "packet allocation");
            packet.data().put(data, 0, data.length);
            packet.pts(s.pts()).dts(s.dts());
            if (s.keyframe()) {
                packet.flags(packet.flags() | AV_PKT_FLAG_KEY);
            }
        }
        try {
            while (true) {
                int ret = avcodec_send_packet(decoder, s == null ? null : packet);
                if (ret == AVERROR_EAGAIN()) {
                    receiveFrames(); // output is full: empty it, then resend the same packet
                    continue;
                }
                if (ret < 0 && ret != AVERROR_EOF) {
                    // corrupt input: count it and go on; the decoder resyncs at the next good slice
                    decodeErrors.incrementAndGet();
                }
                break;
            }
        } finally {
            if (s != null) {
                av_packet_unref(packet);
            }
        }
        receiveFrames();
    }

    private void receiveFrames() {
        while (true) {
            int ret = avcodec_receive_frame(decoder, frame);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            if (ret < 0) {
                decodeErrors.incrementAndGet();
                return;
            }
            try {
                long pts = frame.best_effort_timestamp();
                if (pts == AV_NOPTS_VALUE) {
                    pts = frame.pts();
                }
                if (pts == AV_NOPTS_VALUE) {
                    continue; // no timestamp to place it on the timeline
                }
                framesDecoded.incrementAndGet();
                boolean key = takeKeyframe(pts);
                measureFps(pts);
                for (RungEncoder r : rungs.values()) {
                    r.submit(frame, pts, key);
                }
            } finally {
                av_frame_unref(frame);
            }
        }
    }

    /** True when {@code pts} is a source keyframe's; forgets keyframes that can no longer come out. */
    private boolean takeKeyframe(long pts) {
        while (!keyframePts.isEmpty() && keyframePts.peekFirst() < pts) {
            keyframePts.removeFirst(); // its picture was lost to a decode error
        }
        if (!keyframePts.isEmpty() && keyframePts.peekFirst() == pts) {
            keyframePts.removeFirst();
            return true;
        }
        return false;
    }

    /** Median of recent frame intervals: robust to the gaps that drops and decode errors leave. */
    private void measureFps(long pts) {
        if (lastPts != AV_NOPTS_VALUE && pts > lastPts) {
            frameDeltas[deltaCount++ % frameDeltas.length] = pts - lastPts;
            long[] d = java.util.Arrays.copyOf(frameDeltas, Math.min(deltaCount, frameDeltas.length));
            java.util.Arrays.sort(d);
            sourceFps = 1000.0 / d[d.length / 2];
        }
        lastPts = pts;
    }

    private void freeDecoder() {
        if (decoder != null) {
            avcodec_free_context(decoder);
            decoder = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
    }
}
