package io.tributary.live;

import io.tributary.config.TributaryConfig;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.cmaf.CmafInitSegment;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.hls.RenditionSnapshot;
import io.tributary.media.hls.RenditionTimeline;
import io.tributary.media.hls.TrackPackager;

import java.util.ArrayList;
import java.util.List;

/**
 * One live stream (one key): its renditions' timelines and the packagers that feed
 * them. Driven by one publisher at a time, on that publisher's event loop; delivery
 * reads the timelines' immutable snapshots from any thread.
 *
 * <p>A publisher that goes away leaves the stream {@link State#RECONNECTING}: the
 * next publisher on the key continues the same timeline after a discontinuity, its
 * timestamps shifted so the media clock keeps running.
 */
public final class LiveStream {

    public enum State { LIVE, RECONNECTING, ENDED }

    public static final String VIDEO = "video";
    public static final String AUDIO = "audio";
    static final int VIDEO_TIMESCALE = 90_000;

    private final String key;
    private final TributaryConfig.Hls hls;
    private final RenditionTimeline videoTimeline;
    private final RenditionTimeline audioTimeline;
    private final TrackPackager video;
    private TrackPackager audio;
    private AudioClock audioClock;
    private final Runnable onChange;
    private final long createdAt = System.currentTimeMillis();

    private volatile State state = State.LIVE;
    private volatile AvcConfig avc;
    private volatile AacConfig aac;
    private volatile double metaFrameRate;
    private volatile double frameDeltaMs;
    private volatile long publishedAt = System.currentTimeMillis();
    private long publisherId;
    private Runnable closePublisher = () -> { };
    private int sessions;

    // per publisher session
    private boolean sessionStarted;
    private boolean videoStarted;
    private long offsetMs;
    private long lastEndMs = -1;
    private long wallAnchor;
    private long dtsAnchor;
    private long lastVideoDts = Long.MIN_VALUE;
    private long droppedSamples;

    LiveStream(String key, TributaryConfig.Hls hls, Runnable onChange) {
        this.key = key;
        this.hls = hls;
        this.onChange = onChange;
        int target = (int) Math.ceil(hls.segmentTarget());
        this.videoTimeline = new RenditionTimeline(VIDEO, target, hls.partTarget(), hls.windowSegments(), hls.retainSegments());
        this.audioTimeline = new RenditionTimeline(AUDIO, target, hls.partTarget(), hls.windowSegments(), hls.retainSegments());
        this.video = new TrackPackager(videoTimeline, VIDEO_TIMESCALE, hls.partTarget(), hls.segmentTarget(), true);
    }

    public String key() {
        return key;
    }

    public State state() {
        return state;
    }

    public AvcConfig videoConfig() {
        return avc;
    }

    public AacConfig audioConfig() {
        return aac;
    }

    /** The publisher's declared frame rate, else the measured one (0 before two frames). */
    public double frameRate() {
        if (metaFrameRate > 0) {
            return metaFrameRate;
        }
        return frameDeltaMs > 0 ? Math.round(100_000.0 / frameDeltaMs) / 100.0 : 0;
    }

    public long publishedAt() {
        return publishedAt;
    }

    public long createdAt() {
        return createdAt;
    }

    /** Publisher sessions so far (1 + reconnects). */
    public synchronized int sessions() {
        return sessions;
    }

    /** The renditions that have media, video first. */
    public List<String> renditions() {
        List<String> out = new ArrayList<>(2);
        if (avc != null) {
            out.add(VIDEO);
        }
        if (aac != null) {
            out.add(AUDIO);
        }
        return out;
    }

    /** A rendition's snapshot, or null for an unknown rendition name. */
    public RenditionSnapshot snapshot(String rendition) {
        return switch (rendition) {
            case VIDEO -> avc != null ? videoTimeline.snapshot() : null;
            case AUDIO -> aac != null ? audioTimeline.snapshot() : null;
            default -> null;
        };
    }

    /** Changes whenever any rendition publishes a part. */
    public long version() {
        return videoTimeline.snapshot().version() * 31 + audioTimeline.snapshot().version();
    }

    /** Whether players can start: the main rendition has at least one part. */
    public boolean playable() {
        RenditionSnapshot main = avc != null ? videoTimeline.snapshot() : aac != null ? audioTimeline.snapshot() : null;
        return main != null && main.hasMedia();
    }

    // ---- publisher lifecycle (called by LiveStreams) ----

    synchronized void attach(long id, Runnable closer) {
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
        videoStarted = false;
        if (resumed) {
            videoTimeline.discontinuity();
            audioTimeline.discontinuity();
        } else {
            publishedAt = System.currentTimeMillis();
        }
    }

    /** @return true when {@code id} was the publisher (and the stream now awaits a reconnect) */
    synchronized boolean detach(long id) {
        if (id != publisherId || state != State.LIVE) {
            return false;
        }
        long endTs = video.flush();
        if (endTs >= 0) {
            lastEndMs = Math.max(lastEndMs, endTs / (VIDEO_TIMESCALE / 1000));
        }
        if (audio != null) {
            long audioEnd = audio.flush();
            if (audioEnd >= 0) {
                lastEndMs = Math.max(lastEndMs, audioEnd * 1000 / audio.timescale());
            }
            audioClock.reset();
        }
        lastVideoDts = Long.MIN_VALUE;
        state = State.RECONNECTING;
        onChange.run();
        return true;
    }

    /** Ends the stream unless a publisher came back; true when it ended. */
    synchronized boolean endIfAbandoned() {
        if (state != State.RECONNECTING) {
            return false;
        }
        state = State.ENDED;
        videoTimeline.end();
        audioTimeline.end();
        onChange.run();
        return true;
    }

    synchronized boolean isPublisher(long id) {
        return id == publisherId && state == State.LIVE;
    }

    // ---- media from the publisher ----

    /** AVC sequence header; throws MediaFormatException for a malformed record. */
    public synchronized void videoConfig(byte[] record) {
        AvcConfig parsed = AvcConfig.parse(record);
        videoTimeline.init(CmafInitSegment.video(parsed, 1, VIDEO_TIMESCALE));
        avc = parsed;
    }

    /** AAC sequence header; throws MediaFormatException for a malformed config. */
    public synchronized void audioConfig(byte[] asc) {
        AacConfig parsed = AacConfig.parse(asc);
        if (audio == null || aac == null || aac.sampleRate() != parsed.sampleRate()) {
            audio = new TrackPackager(audioTimeline, parsed.sampleRate(), hls.partTarget(), hls.segmentTarget(), false);
            audioClock = new AudioClock(parsed.sampleRate());
        }
        audioTimeline.init(CmafInitSegment.audio(parsed, 1));
        aac = parsed;
    }

    public void metaData(java.util.Map<String, Object> values) {
        if (values.get("framerate") instanceof Number n && n.doubleValue() > 0 && n.doubleValue() < 1000) {
            metaFrameRate = n.doubleValue();
        }
    }

    /** One sample; samples before their track's config are dropped. */
    public synchronized void sample(MediaSample s) {
        if (state != State.LIVE) {
            return;
        }
        long before = version();
        if (!sessionStarted) {
            offsetMs = lastEndMs >= 0 ? lastEndMs - s.dts() : 0;
            wallAnchor = System.currentTimeMillis();
            dtsAnchor = s.dts() + offsetMs;
            sessionStarted = true;
        }
        long t = s.dts() + offsetMs;
        long pdt = wallAnchor + (t - dtsAnchor);
        if (s.track() == Track.VIDEO) {
            if (avc == null) {
                droppedSamples++;
                return;
            }
            if (lastVideoDts != Long.MIN_VALUE && t > lastVideoDts) {
                long d = t - lastVideoDts;
                frameDeltaMs = frameDeltaMs == 0 ? d : frameDeltaMs * 0.95 + d * 0.05;
            }
            lastVideoDts = t;
            long scale = VIDEO_TIMESCALE / 1000;
            boolean cut = video.offer(t * scale, s.compositionOffset() * (int) scale, s.keyframe(), s.data(), pdt);
            if (cut) {
                videoStarted = true;
                if (audio != null) {
                    audio.requestCut(audioClock.toTimescale(t));
                }
            }
        } else {
            if (aac == null || (avc != null && !videoStarted)) {
                droppedSamples++; // audio waits for the first video segment so renditions align
                return;
            }
            audio.offer(audioClock.map(t), 0, true, s.data(), pdt);
        }
        if (version() != before) {
            onChange.run();
        }
    }

    public synchronized long droppedSamples() {
        return droppedSamples;
    }
}
