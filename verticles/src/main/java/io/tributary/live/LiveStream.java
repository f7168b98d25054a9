package io.tributary.live;

import io.tributary.media.CueKind;
import io.tributary.log.LogContext;
import io.tributary.StatusException;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.cmaf.CmafInitSegment;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.VideoCodec;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.timeline.MediaPart;
import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.media.timeline.RenditionTimeline;
import io.tributary.media.timeline.TimelineListener;
import io.tributary.media.timeline.TrackPackager;
import io.tributary.media.transcode.Ladder;
import io.tributary.media.transcode.LadderRung;
import io.tributary.media.transcode.LiveTranscoder;
import io.tributary.media.transcode.RungStats;
import io.tributary.media.transcode.TranscodeException;
import io.tributary.media.transcode.TranscodeListener;
import io.tributary.media.transcode.TranscodeOptions;

import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One live stream (one key), as an actor: its renditions' timelines and the packagers
 * that feed them change on one writer context only (the event loop of the publisher
 * that created the stream). Samples arrive there, a transcoder's rung output is handed
 * back there from the rung threads, publishers of other event loops hop there
 * ({@link Publication}); readers see immutable snapshots from any thread. Every change
 * is announced as a {@link TimelineEvent}, emitted without any lock held.
 *
 * <p>A publisher that goes away leaves the stream {@link State#RECONNECTING}: the
 * next publisher on the key continues the same timeline after a discontinuity, its
 * timestamps shifted so the media clock keeps running.
 */
public final class LiveStream {

    public enum State { LIVE, RECONNECTING, ENDED }

    private static final Logger LOG = Logger.getLogger(LiveStream.class.getName());

    /** The source video when no ladder runs. */
    public static final String VIDEO = "video";
    public static final String AUDIO = "audio";
    public static final int VIDEO_TIMESCALE = 90_000;

    private final String key;
    private final Context writer;
    private final HlsSettings hls;
    private final List<LadderRung> ladder;
    private final TimelineEvents events;
    private final LiveStreams.TranscodeEvents transcodeEvents;
    private final LadderAdmission admission;

    /** Video renditions, highest first; replaced as a whole when the source config changes. */
    private volatile Map<String, VideoRendition> videos = Map.of();
    private final Map<String, RenditionTimeline> videoTimelines = new LinkedHashMap<>();
    private final RenditionTimeline audioTimeline;
    private TrackPackager audio;
    private AudioClock audioClock;
    private volatile LiveTranscoder transcoder;
    /** The current video config runs a transcoder (restarted after a reconnect). */
    private boolean transcoding;
    /** Bumped whenever a transcoder is replaced: late output of an old one is ignored. */
    private int transcoderGeneration;

    private volatile State state = State.LIVE;
    /** The source's video configuration (H.264, H.265 or AV1). */
    private volatile VideoTrackConfig avc;
    private volatile AacConfig aac;
    private volatile double metaFrameRate;
    /** Video frames and the dts span they cover, this publisher session: the measured rate. */
    private volatile long rateFrames;
    /** Frames of the source probed for closed captions (the first few seconds; captions come with every frame). */
    private static final int CAPTION_PROBE_FRAMES = 300;
    private int captionProbes;
    private volatile boolean captionsSeen;
    private volatile long rateSpanMs;
    private long rateFirstDts = Long.MIN_VALUE;
    private volatile long publishedAt = System.currentTimeMillis();
    private long publisherId;
    private Runnable closePublisher = () -> { };
    private volatile int sessions;
    private volatile String protocol = "";
    private List<String> announcedRenditions = List.of();
    private long lifecycleTimer = -1;

    // per publisher session
    private boolean sessionStarted;
    private boolean videoStarted;
    /**
     * A track's timestamp more than this behind its previous one within a publisher session is a
     * clock jump, not jitter: an encoder restarting its clock, the 2^31 ms signed wrap FFmpeg
     * sources reach after 24.8 days. Taken as it came, a jump back froze the stream for as long.
     */
    static final long JUMP_BACK_MS = 1000;
    /** ... and this far ahead: a gap no encoder leaves between two frames (it made a segment as long). */
    static final long JUMP_FORWARD_MS = 5000;
    /** Where a track resumes after a jump: one frame after its last (30 fps; AAC at 48 kHz). */
    static final long JUMP_VIDEO_STEP_MS = 33;
    static final long JUMP_AUDIO_STEP_MS = 21;
    private long offsetMs;
    private long lastEndMs = -1;
    private long wallAnchor;
    /** A playout's program date-time for the next session's first sample, or MIN_VALUE: the wall clock. */
    private long nextWallAnchor = Long.MIN_VALUE;
    private long dtsAnchor;
    private long lastVideoDts = Long.MIN_VALUE;
    /** The newest media time (offset applied) of each track in this session, to see jumps. */
    private long lastVideoMediaDts = Long.MIN_VALUE;
    private long lastAudioMediaDts = Long.MIN_VALUE;

    /** The node's transcoding capacity, as a stream sees it. */
    @FunctionalInterface
    interface LadderAdmission {
        /**
         * Reserves {@code pixelRate} encoded pixels per second for {@code stream} (0 gives back
         * what it held): true when granted, false to publish the source alone; throws a 503
         * StatusException when the publish is to be refused.
         */
        boolean admit(LiveStream stream, long pixelRate);
    }

    LiveStream(String key, Context writer, HlsSettings hls, List<LadderRung> ladder, TimelineEvents events,
               LiveStreams.TranscodeEvents transcodeEvents, LadderAdmission admission) {
        this.key = key;
        this.writer = writer;
        this.hls = hls;
        this.ladder = ladder;
        this.events = events;
        this.transcodeEvents = transcodeEvents;
        this.admission = admission;
        this.audioTimeline = timeline(AUDIO);
    }

    private RenditionTimeline timeline(String name) {
        return new RenditionTimeline(name, (int) Math.ceil(hls.segmentTarget()), hls.partTarget(), hls.partHoldBack(),
                hls.windowSegments(), hls.retainSegments(), timelineEvents);
    }

    /** The timelines' growth as timeline events (on the writer, right after each snapshot is published). */
    private final TimelineListener timelineEvents = new TimelineListener() {
        @Override
        public void partPublished(RenditionTimeline timeline, MediaSegment segment, MediaPart part) {
            events.emit(new TimelineEvent.PartPublished(key, timeline.name(), part, System.nanoTime()));
        }

        @Override
        public void segmentCompleted(RenditionTimeline timeline, MediaSegment segment, byte[] init) {
            int timescale = timeline == audioTimeline ? (aac == null ? 1000 : aac.sampleRate()) : VIDEO_TIMESCALE;
            events.emit(new TimelineEvent.SegmentCompleted(key, timeline.name(), segment, timescale, segment.duration(),
                    ByteBuffer.wrap(init).asReadOnlyBuffer(), System.nanoTime()));
        }
    };

    /** The context every change of this stream runs on. */
    public Context writer() {
        return writer;
    }

    /**
     * On the writer: runs {@code action} there after {@code delayMs}, replacing the pending one
     * (the reconnect grace, then the retention). Set on the writer's context itself: a plain
     * {@code vertx.setTimer} binds to the calling verticle's context, and Vert.x cancels such
     * timers when that verticle (the ingest instance the publisher came in by) is undeployed.
     */
    void lifecycleTimer(long delayMs, Runnable action) {
        cancelLifecycleTimer();
        lifecycleTimer = ((ContextInternal) writer).setTimer(delayMs, id -> {
            lifecycleTimer = -1;
            action.run();
        });
    }

    /** On the writer: a publisher came back, nothing pending ends the stream. */
    void cancelLifecycleTimer() {
        if (lifecycleTimer >= 0) {
            writer.owner().cancelTimer(lifecycleTimer);
            lifecycleTimer = -1;
        }
    }

    public String key() {
        return key;
    }

    public State state() {
        return state;
    }

    /** The source's video configuration. */
    public VideoTrackConfig videoConfig() {
        return avc;
    }

    /** A video rendition's configuration (the source's, or the rung encoder's H.264), or null. */
    public VideoTrackConfig videoConfig(String rendition) {
        VideoRendition v = videos.get(rendition);
        return v == null ? null : v.config;
    }

    public AacConfig audioConfig() {
        return aac;
    }

    /**
     * Whether the source showed CEA-608/708 captions in its first frames. Only a source's samples are
     * probed: the ladder's rungs and a FAST channel's prepared renditions are the node's own encodes.
     */
    public boolean captionsSeen() {
        return captionsSeen;
    }

    /** The publisher's declared frame rate, else the measured one (0 before two frames). */
    public double frameRate() {
        if (metaFrameRate > 0) {
            return metaFrameRate;
        }
        long span = rateSpanMs;
        return span > 0 ? FrameRates.nominal((rateFrames - 1) * 1000.0 / span) : 0;
    }

    /** The ingest protocol of the current (or last) publisher: "rtmp", ... */
    public String protocol() {
        return protocol;
    }

    public long publishedAt() {
        return publishedAt;
    }

    /** Publisher sessions so far (1 + reconnects). */
    public int sessions() {
        return sessions;
    }

    /** The configured bitrate of the ladder rung named {@code rendition} (encoded or bypassed), 0 for none. */
    public long rungBitrate(String rendition) {
        for (LadderRung r : ladder) {
            if (r.name().equals(rendition)) {
                return r.bitrate();
            }
        }
        return 0;
    }

    /** Video rendition names, highest first. */
    public List<String> videoRenditions() {
        return List.copyOf(videos.keySet());
    }

    /** The renditions that have media: video renditions, highest first, then audio. */
    public List<String> renditions() {
        List<String> out = new ArrayList<>(videos.keySet());
        if (aac != null) {
            out.add(AUDIO);
        }
        return out;
    }

    /** A rendition's snapshot, or null for an unknown rendition name. */
    public RenditionSnapshot snapshot(String rendition) {
        if (AUDIO.equals(rendition)) {
            return aac != null ? audioTimeline.snapshot() : null;
        }
        VideoRendition v = videos.get(rendition);
        return v == null ? null : v.timeline.snapshot();
    }

    /** Changes whenever any rendition publishes a part. */
    public long version() {
        long v = audioTimeline.snapshot().version();
        for (VideoRendition r : videos.values()) {
            v = v * 31 + r.timeline.snapshot().version();
        }
        return v;
    }

    /** Whether players can start: the main rendition has at least one part. */
    public boolean playable() {
        Map<String, VideoRendition> vs = videos;
        if (!vs.isEmpty()) {
            return vs.values().iterator().next().timeline.snapshot().hasMedia();
        }
        return aac != null && audioTimeline.snapshot().hasMedia();
    }

    /** One encoded rung's current figures, or null when it is not transcoding now. */
    public RungStats rungStats(String rendition) {
        LiveTranscoder t = transcoder;
        if (t == null) {
            return null;
        }
        try {
            return t.stats(rendition);
        } catch (RuntimeException e) {
            return null; // not a rung of the current ladder
        }
    }

    /** Per-rung transcoder figures (empty without a ladder). */
    public List<RungStats> transcodeStats() {
        LiveTranscoder t = transcoder;
        return t == null ? List.of() : t.stats();
    }

    // ---- publisher lifecycle (called by LiveStreams, on the writer) ----

    /** Whether publisher {@code id} is the one feeding the stream now (on the writer). */
    boolean publishedBy(long id) {
        return publisherId == id && state == State.LIVE;
    }

    void attach(long id, String protocol, Runnable closer) {
        this.protocol = protocol;
        if (state == State.LIVE && sessions > 0) {
            // takeover: the old publisher is cut off first
            Runnable old = closePublisher;
            detach(publisherId);
            old.run();
        }
        boolean resumed = sessions > 0;
        sessions++;
        publisherId = id;
        closePublisher = closer;
        state = State.LIVE;
        sessionStarted = false;
        earlyCues.clear(); // they were on the previous publisher's clock
        videoStarted = false;
        if (resumed) {
            for (RenditionTimeline t : videoTimelines.values()) {
                t.discontinuity();
            }
            audioTimeline.discontinuity();
            events.emit(new TimelineEvent.Discontinuity(key));
        } else {
            publishedAt = System.currentTimeMillis();
        }
    }

    /** @return true when {@code id} was the publisher (and the stream now awaits a reconnect) */
    boolean detach(long id) {
        if (id != publisherId || state != State.LIVE) {
            return false;
        }
        stopTranscoder();
        closeSession();
        state = State.RECONNECTING;
        events.emit(new TimelineEvent.PublisherLeft(key));
        return true;
    }

    /** Closes the open parts and segments of every rendition; media time goes on from their end. */
    private void closeSession() {
        for (VideoRendition v : videos.values()) {
            long endTs = v.packager.flush();
            if (endTs >= 0) {
                lastEndMs = Math.max(lastEndMs, endTs / (VIDEO_TIMESCALE / 1000));
            }
        }
        if (audio != null) {
            long audioEnd = audio.flush();
            if (audioEnd >= 0) {
                lastEndMs = Math.max(lastEndMs, audioEnd * 1000 / audio.timescale());
            }
            audioClock.reset();
        }
        lastVideoDts = Long.MIN_VALUE;
        lastVideoMediaDts = Long.MIN_VALUE;
        lastAudioMediaDts = Long.MIN_VALUE;
        rateFirstDts = Long.MIN_VALUE;
    }

    /**
     * A programme boundary of a playout (FAST): what was fed so far ends its segments, every
     * rendition's next segment starts after a discontinuity (at once, so they stay aligned), and
     * the next sample's program date-time is {@code wallClockMs}: the schedule's time, not the
     * moment it was fed. Media time goes on from where the last programme ended.
     */
    void boundary(long wallClockMs) {
        if (state != State.LIVE) {
            return;
        }
        if (sessionStarted) {
            closeSession();
            for (RenditionTimeline t : videoTimelines.values()) {
                t.discontinuity();
            }
            audioTimeline.discontinuity();
            events.emit(new TimelineEvent.Discontinuity(key));
        }
        sessionStarted = false;
        videoStarted = false;
        earlyCues.clear();
        nextWallAnchor = wallClockMs;
    }

    /**
     * Video renditions encoded before they came (a FAST playout's VOD rungs, IDRs aligned): one
     * timeline each under its own name, no ladder, nothing transcoded. Records are avcC (H.264),
     * highest rung first; called again at each programme with that asset's records.
     */
    void preparedVideo(java.util.LinkedHashMap<String, byte[]> records) {
        if (records.isEmpty()) {
            throw new io.tributary.media.codec.MediaFormatException("no video rendition");
        }
        stopTranscoder();
        transcoding = false;
        Map<String, VideoRendition> next = new LinkedHashMap<>();
        VideoTrackConfig first = null;
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            VideoTrackConfig parsed = VideoTrackConfig.parse(VideoCodec.H264, e.getValue());
            first = first == null ? parsed : first;
            next.put(e.getKey(), rendition(e.getKey(), false, parsed));
        }
        videos = next;
        avc = first;
        announceRenditions();
    }

    /**
     * The node shuts down: the publisher (if any) is detached and the stream ends now, without
     * waiting for a reconnect; its playlists get EXT-X-ENDLIST. True when it ended here.
     */
    boolean endNow() {
        cancelLifecycleTimer();
        if (state == State.LIVE) {
            detach(publisherId);
        }
        return endIfAbandoned();
    }

    /** Ends the stream unless a publisher came back; true when it ended. */
    boolean endIfAbandoned() {
        if (state != State.RECONNECTING) {
            return false;
        }
        state = State.ENDED;
        for (RenditionTimeline t : videoTimelines.values()) {
            t.end();
        }
        audioTimeline.end();
        events.emit(new TimelineEvent.StreamEnded(key));
        return true;
    }

    /** Closing a transcoder joins its threads: never on the caller's (event-loop) thread. */
    private void stopTranscoder() {
        if (transcoder != null) {
            LiveTranscoder old = transcoder;
            transcoder = null;
            transcoderGeneration++;
            Thread t = new Thread(old::close, "transcoder-close-" + key);
            t.setDaemon(true);
            t.start();
        }
    }

    // ---- media from the publisher ----

    /**
     * Video sequence header: (re)builds the video renditions. Throws MediaFormatException
     * for a malformed record and TranscodeException when the ladder cannot run on it.
     *
     * <p>An H.265 or AV1 source is passed through as rendition {@value #VIDEO} (unless the ladder
     * has an explicit bypass rung) and every other rung, size-matched ones included, is encoded
     * to H.264, so every player finds an H.264 rendition. Without a decoder for the source codec
     * in this FFmpeg build the source is passed through alone, and the node counts it
     * ({@code tributary_transcode_admissions_total{result="undecodable"}}).
     */
    void videoConfig(VideoCodec codec, byte[] record) {
        if (avc != null && avc.codec() == codec && java.util.Arrays.equals(avc.record(), record)
                && (!transcoding || transcoder != null)) {
            return; // some encoders repeat the sequence header: nothing changed, nothing restarts
        }
        VideoTrackConfig parsed = VideoTrackConfig.parse(codec, record);
        stopTranscoder();
        transcoding = false;
        Map<String, VideoRendition> next = new LinkedHashMap<>();
        List<LadderRung> configured = ladder;
        boolean h264 = codec == VideoCodec.H264;
        if (!h264 && !ladder.isEmpty()) {
            if (LiveTranscoder.canDecode(codec)) {
                configured = encodeSizeMatches(ladder);
            } else {
                LOG.warning(() -> "stream " + key + ": no " + codec + " decoder in this FFmpeg build, "
                        + "the source is passed through without an H.264 ladder");
                transcodeEvents.admission("undecodable");
                configured = List.of();
            }
        }
        List<LadderRung> resolved = configured.isEmpty() ? List.of()
                : Ladder.resolve(configured, parsed.width(), parsed.height());
        if (!ladder.isEmpty()) {
            // what this source makes the node encode, at the declared (else nominal) frame rate
            long pixelRate = TranscodeCapacity.pixelRate(Ladder.encoded(resolved), frameRate() > 0 ? frameRate() : 30);
            if (!admission.admit(this, pixelRate)) {
                resolved = List.of(); // no room: the source alone
            }
        }
        if (resolved.isEmpty()) {
            // no ladder, or a source smaller than every rung: the source alone
            next.put(VIDEO, rendition(VIDEO, false, parsed));
        } else if (Ladder.encoded(resolved).isEmpty()) {
            for (LadderRung rung : resolved) {
                next.put(rung.name(), rendition(rung.name(), false, parsed)); // bypass only: nothing to encode
            }
        } else {
            if (!h264 && resolved.stream().noneMatch(r -> r.mode() == LadderRung.Mode.BYPASS)) {
                next.put(VIDEO, rendition(VIDEO, false, parsed)); // the source itself, for players that take it
            }
            int generation = transcoderGeneration;
            LiveTranscoder t;
            try {
                t = new LiveTranscoder(parsed, configured, new RungOutput(generation),
                        TranscodeOptions.defaults().withFrameRate((int) Math.max(1, Math.round(frameRate() > 0 ? frameRate() : 30))));
            } catch (RuntimeException e) {
                admission.admit(this, 0); // nothing runs: the capacity goes back
                throw e;
            }
            try {
                for (LadderRung rung : t.ladder()) {
                    boolean encoded = rung.mode() == LadderRung.Mode.ENCODE;
                    VideoTrackConfig config = encoded ? AvcConfig.parse(t.outputConfig(rung.name())) : parsed;
                    next.put(rung.name(), rendition(rung.name(), encoded, config));
                }
            } catch (RuntimeException e) {
                // an encoder's config the packager cannot take: the transcoder goes, and its capacity
                transcoder = t;
                stopTranscoder();
                admission.admit(this, 0);
                throw e;
            }
            transcoder = t;
            transcoding = true;
            transcodeEvents.rungs(this, t.encodedRungs().stream().map(LadderRung::name).toList());
        }
        videos = next;
        avc = parsed;
        announceRenditions();
    }

    private void announceRenditions() {
        List<String> now = renditions();
        if (!now.equals(announcedRenditions)) {
            announcedRenditions = now;
            events.emit(new TimelineEvent.RenditionsChanged(key, now));
        }
    }

    /** A non-H.264 source: rungs of its size are encoded to H.264 too (the source passes through as well). */
    private static List<LadderRung> encodeSizeMatches(List<LadderRung> rungs) {
        return rungs.stream()
                .map(r -> r.mode() == LadderRung.Mode.BYPASS_IF_MATCH ? r.withMode(LadderRung.Mode.ENCODE) : r)
                .toList();
    }

    private VideoRendition rendition(String name, boolean encoded, VideoTrackConfig config) {
        RenditionTimeline timeline = videoTimelines.computeIfAbsent(name, this::timeline);
        VideoRendition old = videos.get(name);
        TrackPackager packager = old != null ? old.packager
                : new TrackPackager(timeline, VIDEO_TIMESCALE, hls.partTarget(), hls.segmentTarget(), true);
        VideoRendition v = new VideoRendition(name, timeline, packager, encoded);
        v.config = config;
        timeline.init(CmafInitSegment.video(config, 1, VIDEO_TIMESCALE));
        return v;
    }

    /** AAC sequence header; throws MediaFormatException for a malformed config. */
    void audioConfig(byte[] asc) {
        AacConfig parsed = AacConfig.parse(asc);
        if (audio == null || aac == null || aac.sampleRate() != parsed.sampleRate()) {
            audio = new TrackPackager(audioTimeline, parsed.sampleRate(), hls.partTarget(), hls.segmentTarget(), false);
            audioClock = new AudioClock(parsed.sampleRate());
        }
        audioTimeline.init(CmafInitSegment.audio(parsed, 1));
        aac = parsed;
        announceRenditions();
    }

    void metaData(Map<String, Object> values) {
        if (values.get("framerate") instanceof Number n && n.doubleValue() > 0 && n.doubleValue() < 1000) {
            metaFrameRate = n.doubleValue();
        }
    }

    /**
     * One sample; samples before their track's config are dropped.
     *
     * @return true when its timestamp jumped (see {@link #JUMP_BACK_MS}) and media time was rebased
     */
    boolean sample(MediaSample s) {
        return sample(s, null);
    }

    /**
     * The same, for one prepared rendition ({@link #preparedVideo}) when {@code rendition} is not
     * null: the sample is packaged into that rendition only.
     */
    boolean sample(MediaSample s, String rendition) {
        if (state != State.LIVE) {
            return false;
        }
        boolean jumped = false;
        if (!sessionStarted) {
            offsetMs = lastEndMs >= 0 ? lastEndMs - s.dts() : 0;
            wallAnchor = nextWallAnchor != Long.MIN_VALUE ? nextWallAnchor : System.currentTimeMillis();
            nextWallAnchor = Long.MIN_VALUE;
            dtsAnchor = s.dts() + offsetMs;
            sessionStarted = true;
            for (EarlyCue c : earlyCues) {
                placeCue(c.kind(), c.mediaTimeMs() + offsetMs, c.durationSeconds(), c.id(), c.scte35());
            }
            earlyCues.clear();
        }
        long t = s.dts() + offsetMs;
        long last = s.track() == Track.VIDEO ? lastVideoMediaDts : lastAudioMediaDts;
        // back: against the track's own last (a track's decode times only go forward); forward:
        // against the newest of both, so a track that paused (audio muted, a still screen) and
        // resumes in step with the other is no jump
        long newest = Math.max(lastVideoMediaDts, lastAudioMediaDts);
        if (last != Long.MIN_VALUE && (t < last - JUMP_BACK_MS || t > newest + JUMP_FORWARD_MS)) {
            // The same encoder, its clock moved: media time goes on one frame after the newest
            // (both tracks moved together, so the other one continues too under the new offset)
            offsetMs += newest + (s.track() == Track.VIDEO ? JUMP_VIDEO_STEP_MS : JUMP_AUDIO_STEP_MS) - t;
            t = s.dts() + offsetMs;
            jumped = true;
        }
        if (s.track() == Track.VIDEO) {
            lastVideoMediaDts = t;
        } else {
            lastAudioMediaDts = t;
        }
        if (s.track() == Track.VIDEO) {
            if (avc == null) {
                return jumped; // no sequence header yet: nothing to package with
            }
            if (rendition == null || rendition.equals(videos.keySet().iterator().next())) {
                // the rungs of a prepared stream carry the same frames: the first one is counted
                if (rateFirstDts == Long.MIN_VALUE || t < lastVideoDts) {
                    rateFirstDts = t;
                    rateFrames = 0;
                }
                rateFrames++;
                rateSpanMs = t - rateFirstDts;
            }
            lastVideoDts = t;
            MediaSample shifted = new MediaSample(Track.VIDEO, t, s.compositionOffset(), s.keyframe(), s.data());
            if (rendition != null) {
                VideoRendition v = videos.get(rendition);
                if (v != null) {
                    packVideo(v, shifted);
                }
                return jumped;
            }
            if (!captionsSeen && captionProbes < CAPTION_PROBE_FRAMES) {
                captionProbes++;
                captionsSeen = io.tributary.media.codec.CaptionProbe.hasCaptions(avc, s.data());
            }
            if (transcoder != null) {
                transcoder.offer(shifted); // never blocks: the rungs come back through RungOutput
            }
            for (VideoRendition v : videos.values()) {
                if (!v.encoded) {
                    packVideo(v, shifted);
                }
            }
        } else {
            if (aac == null || (avc != null && !videoStarted)) {
                return jumped; // audio waits for the first video segment so renditions align
            }
            long at = audioClock.map(t);
            // the PDT of audio follows its own (frame-cadence) media time, as video's does: from the RTMP
            // ms clock it would wander up to two frames against the media, and players that place
            // segments by PDT (Shaka) would see those ms as gaps and overlaps between audio segments
            audio.offer(at, 0, true, s.data(), wallAnchor + Math.round(at * 1000.0 / aac.sampleRate()) - dtsAnchor);
        }
        return jumped;
    }



    /** An operator's cue: at the newest media time the stream has. */
    void cueNow(boolean out, double durationSeconds, String id) {
        if (state != State.LIVE) {
            throw new StatusException(409, "stream '" + key + "' has no publisher now: a cue needs live media");
        }
        long now = lastVideoDts != Long.MIN_VALUE ? lastVideoDts : Math.max(0, lastEndMs);
        placeCue(CueKind.of(out), now, durationSeconds, id, null);
    }

    /**
     * An ad-break cue at {@code mediaTimeMs} of the source's clock: on the timeline as the stream's
     * media time, and into every rendition's playlist at the first part from that time on. A cue
     * before the session's first sample waits for it (the clock mapping starts there).
     */
    void cue(CueKind kind, long mediaTimeMs, double durationSeconds, String id, byte[] scte35) {
        if (state != State.LIVE) {
            return;
        }
        if (!sessionStarted) {
            if (earlyCues.size() == MAX_EARLY_CUES) {
                earlyCues.remove(0);
            }
            earlyCues.add(new EarlyCue(kind, mediaTimeMs, durationSeconds, id, scte35));
            return;
        }
        placeCue(kind, mediaTimeMs + offsetMs, durationSeconds, id, scte35);
    }

    private record EarlyCue(CueKind kind, long mediaTimeMs, double durationSeconds, String id, byte[] scte35) {
    }

    private static final int MAX_EARLY_CUES = 16;
    private final List<EarlyCue> earlyCues = new ArrayList<>();

    /** A cue at timeline time {@code t} (ms): to the playlists (by program date-time) and the subscribers. */
    private void placeCue(CueKind kind, long t, double durationSeconds, String id, byte[] scte35) {
        long date = sessionStarted ? pdt(t) : System.currentTimeMillis();
        if (sessionStarted && (lastVideoDts == Long.MIN_VALUE || t > lastVideoDts)) {
            // still ahead: the keyframe there starts a segment (the rungs cut at their first keyframe from then);
            // commands too, since a programme or chapter boundary is where a downstream splicer cuts
            for (VideoRendition v : videos.values()) {
                v.packager.requestSplice(t * (VIDEO_TIMESCALE / 1000));
            }
        }
        for (RenditionTimeline timeline : videoTimelines.values()) {
            timeline.cue(id, kind, date, durationSeconds, scte35);
        }
        audioTimeline.cue(id, kind, date, durationSeconds, scte35);
        if (kind == CueKind.OUT && sessionStarted && durationSeconds > 0) {
            events.emit(new TimelineEvent.BreakAhead(key, id, date, durationSeconds));
        }
        events.emit(new TimelineEvent.Cue(key, kind, t, durationSeconds, id, scte35));
    }

    /** A break that will start at wall-clock {@code date} (a FAST schedule's), told to the subscribers ahead of its cue. */
    void breakAhead(String id, long date, double durationSeconds) {
        if (state == State.LIVE && durationSeconds > 0) {
            events.emit(new TimelineEvent.BreakAhead(key, id, date, durationSeconds));
        }
    }

    private long pdt(long t) {
        return wallAnchor + (t - dtsAnchor);
    }

    /** Packages one video sample (timeline ms) into a rendition; the first rendition leads audio's cuts. */
    private void packVideo(VideoRendition v, MediaSample s) {
        long scale = VIDEO_TIMESCALE / 1000;
        boolean cut = v.packager.offer(s.dts() * scale, s.compositionOffset() * (int) scale, s.keyframe(), s.data(), pdt(s.dts()));
        if (cut && v == videos.values().iterator().next()) {
            videoStarted = true;
            if (audio != null) {
                audio.requestCut(audioClock.toTimescale(s.dts()));
            }
        }
    }

    /** Transcoder output, on its rung threads: handed to the writer, packaged there. */
    private final class RungOutput implements TranscodeListener {

        private final int generation;

        RungOutput(int generation) {
            this.generation = generation;
        }

        @Override
        public void onConfig(String rung, byte[] avcDecoderConfigurationRecord) {
            // the rendition's init was written from outputConfig() when the ladder was built
        }

        @Override
        public void onSample(String rung, MediaSample sample) {
            try {
                writer.runOnContext(x -> {
                    VideoRendition v = videos.get(rung);
                    if (generation != transcoderGeneration || state != State.LIVE || v == null) {
                        return; // output of a replaced transcoder, or after the publisher left
                    }
                    packVideo(v, sample);
                });
            } catch (RejectedExecutionException e) {
                // the node is shutting down under a running transcoder: nobody is left to package for
            }
        }

        @Override
        public void onDropped(String rung, int frames) {
            transcodeEvents.dropped(key, rung, frames);
            LOG.fine(() -> "stream " + key + " rung " + rung + " dropped " + frames + " frames (transcoder behind)");
        }

        @Override
        public void onError(String rung, TranscodeException error) {
            try (LogContext c = LogContext.stream(key)) {
                LOG.log(Level.WARNING, "stream " + key + (rung == null ? "" : " rung " + rung) + ": transcoding failed", error);
            }
        }
    }
}
