package io.tributary.delivery;

import io.netty.buffer.Unpooled;
import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.tributary.dvr.DvrLiveWindow;
import io.tributary.hotness.ContentHotness;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.TimelineEvent;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.timeline.MediaPart;
import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.hls.LlHlsPlaylist;
import io.tributary.media.hls.MultivariantPlaylist;
import io.tributary.media.hls.RenditionReport;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.metrics.NodeMetrics;
import io.tributary.metrics.NodeMetrics.DeliveryKind;
import io.tributary.session.PlaybackSessions;
import io.tributary.session.SessionUris;
import io.tributary.playback.SegmentCipher;
import io.tributary.playback.StreamEncryption;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * LL-HLS delivery of live streams from memory: {@code /live/{key}/index.m3u8} and
 * {@code /live/{key}/{rendition}/{object}}. One instance per delivery verticle (one
 * event loop); rendered playlists are cached per stream version.
 */
final class LiveHls {

    static final CharSequence PLAYLIST_TYPE = HttpHeaders.createOptimized("application/vnd.apple.mpegurl");
    private static final CharSequence IMMUTABLE = HttpHeaders.createOptimized("public, max-age=31536000, immutable");
    private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");
    private static final CharSequence ACCEPT_ENCODING = HttpHeaders.createOptimized("Accept-Encoding");
    private static final CharSequence VIDEO_MP4 = HttpHeaders.createOptimized("video/mp4");
    private static final String REGION_HEADER = "X-Region";
    private static final CharSequence AUDIO_MP4 = HttpHeaders.createOptimized("audio/mp4");
    /** How long a first playlist request waits for a starting stream's first part. */
    private static final long FIRST_MEDIA_WAIT_MS = 10_000;

    private final LiveStreams streams;
    private final HeldRequests held;
    private final NodeMetrics metrics;
    /** Counts requests and gives segments and parts their tier's max-age; null: immutable as before. */
    private final ContentHotness hotness;
    private final Map<String, RenderedPlaylist> rendered = new HashMap<>();
    /** The recorded past a playlist lists before its live window ({@code ?dvr=2h}, dvr.window). */
    private final DvrLiveWindow dvr;
    /** The same playlists with a sid placeholder, for players whose session id travels in the URIs. */
    private final Map<String, SessionUris.Template> sidRendered = new HashMap<>();

    /**
     * A rendering of one stream version, written as it is to many responses (read-only, see
     * {@link #sharedBytes}); its gzip form is made at the first request that takes gzip, once.
     */
    private static final class RenderedPlaylist {
        private final long version;
        private final byte[] text;
        private final Buffer plain;
        private Buffer gzip;

        RenderedPlaylist(long version, byte[] text) {
            this.version = version;
            this.text = text;
            this.plain = sharedBytes(text);
        }

        long version() {
            return version;
        }

        Buffer plain() {
            return plain;
        }

        Buffer gzip() {
            if (gzip == null) {
                gzip = sharedBytes(LiveHls.gzip(text));
            }
            return gzip;
        }
    }

    /** AES-128 of streams under an aes-128 rule (segments encrypted once, node-wide); null: nothing encrypted. */
    private StreamEncryption encryption;

    LiveHls withEncryption(StreamEncryption encryption) {
        this.encryption = encryption;
        return this;
    }

    /** Per-session playlists with ad pods (SSAI); null when off. */
    private io.tributary.ssai.SessionPlaylists ssai;

    LiveHls withSsai(io.tributary.ssai.SessionPlaylists ssai) {
        this.ssai = ssai;
        return this;
    }

    private boolean encrypted(String key) {
        return encryption != null && encryption.encrypted(key);
    }

    LiveHls(LiveStreams streams, HeldRequests held, NodeMetrics metrics, ContentHotness hotness) {
        this(streams, held, metrics, hotness, DvrLiveWindow.NONE);
    }

    LiveHls(LiveStreams streams, HeldRequests held, NodeMetrics metrics, ContentHotness hotness, DvrLiveWindow dvr) {
        this.dvr = dvr;
        this.streams = streams;
        this.held = held;
        this.metrics = metrics;
        this.hotness = hotness;
    }

    private CharSequence mediaCacheControl(String key, String rendition) {
        return hotness == null ? IMMUTABLE : hotness.mediaCacheControl(key, rendition);
    }

    /** A stream's timeline moved: release what waits on it, drop cached renderings of a removed one. */
    void changed(TimelineEvent event) {
        if (event instanceof TimelineEvent.Lagged) {
            held.wakeAll(); // some events did not reach us: look at every stream
            return;
        }
        if (event instanceof TimelineEvent.Cue || event instanceof TimelineEvent.BreakAhead) {
            return; // nothing a held request waits for
        }
        String key = event.stream();
        long at = event instanceof TimelineEvent.PartPublished p ? p.atNanos()
                : event instanceof TimelineEvent.SegmentCompleted c ? c.atNanos() : System.nanoTime();
        held.wake(key, at);
        // a stream that is gone, or a new one that replaced an ended one of the key: its versions start over
        if (event instanceof TimelineEvent.StreamRemoved || event instanceof TimelineEvent.StreamStarted) {
            rendered.keySet().removeIf(k -> k.startsWith(key + "/"));
            sidRendered.keySet().removeIf(k -> k.startsWith(key + "/"));
        }
    }

    private static String key(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        if (!StreamKeys.valid(key)) {
            throw StatusException.badRequest("malformed stream key");
        }
        return key;
    }

    private LiveStream stream(String key) {
        LiveStream s = streams.get(key);
        if (s == null) {
            throw StatusException.notFound("stream '" + key + "' is not live on this node");
        }
        return s;
    }

    // ---- multivariant ----

    void multivariant(RoutingContext ctx) {
        String key = key(ctx);
        stream(key);
        String dvrParam = ctx.request().getParam("dvr");
        // ?dvr= travels to the media playlists, where the seek-back is listed
        String query = dvrParam == null ? SessionUris.carried(ctx)
                : join(SessionUris.carried(ctx), "dvr=" + io.tributary.dvr.DvrTimes.seconds(dvr.windowMs(dvrParam)));
        // every rung that has begun gets its first segment (an encoded rung starts later than the
        // source), or, after the wait, the rungs that have one are listed
        held.hold(key, ctx.response(), FIRST_MEDIA_WAIT_MS,
                s -> s == null || everyRungStartable(s) || s.state() == LiveStream.State.ENDED,
                s -> answerMultivariant(ctx, key, s, query),
                () -> {
                    LiveStream s = streams.get(key);
                    if (s != null && startable(s)) {
                        answerMultivariant(ctx, key, s, query);
                    } else {
                        fail(ctx, new StatusException(503, "stream '" + key + "' has not produced media yet"));
                    }
                });
    }

    private void answerMultivariant(RoutingContext ctx, String key, LiveStream s, String query) {
        if (s == null || !s.playable()) {
            fail(ctx, StatusException.notFound("stream '" + key + "' has no media"));
            return;
        }
        // captions only ever come from a source that showed them (the rungs are re-encoded without)
        String body = MultivariantPlaylist.render(variants(s), audio(s), query, !s.captionsSeen());
        sendPlaylist(ctx, DeliveryKind.MULTIVARIANT, "public, max-age=1", Buffer.buffer(body), null);
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "&" + b;
    }

    /**
     * A playlist a player can start from: one complete segment at least. A playlist of parts
     * alone is valid LL-HLS, but Shaka (5.2) fails to load one (it probes the middle segment's
     * URI, and the segment being built has none), so a stream's first seconds wait for it.
     */
    static boolean startable(RenditionSnapshot snap) {
        return snap.ended() || !snap.listed().isEmpty();
    }

    /** The stream's first video rendition and its audio can both be started from. */
    static boolean startable(LiveStream s) {
        if (!s.playable()) {
            return false;
        }
        List<String> videos = s.videoRenditions();
        RenditionSnapshot video = videos.isEmpty() ? null : s.snapshot(videos.get(0));
        RenditionSnapshot audio = s.audioConfig() == null ? null : s.snapshot(LiveStream.AUDIO);
        return (video == null || startable(video)) && (audio == null || startable(audio));
    }

    /** {@link #startable(LiveStream)}, and so is every video rendition that has media yet. */
    static boolean everyRungStartable(LiveStream s) {
        if (!startable(s)) {
            return false;
        }
        for (String rendition : s.videoRenditions()) {
            RenditionSnapshot snap = s.snapshot(rendition);
            if (snap != null && snap.hasMedia() && !startable(snap)) {
                return false;
            }
        }
        return true;
    }

    /** The renditions a player can start from (a rung of parts alone would fail Shaka's load). */
    private static List<MultivariantPlaylist.Variant> variants(LiveStream s) {
        List<MultivariantPlaylist.Variant> out = new ArrayList<>();
        for (String rendition : s.videoRenditions()) {
            VideoTrackConfig avc = s.videoConfig(rendition);
            RenditionSnapshot snap = s.snapshot(rendition);
            if (avc == null || snap == null || !snap.hasMedia() || !startable(snap)) {
                continue;
            }
            long[] bw = bandwidth(snap);
            out.add(new MultivariantPlaylist.Variant(rendition + "/index.m3u8", avc.codecString(),
                    avc.width(), avc.height(), s.frameRate(), bw[0], bw[1]));
        }
        return out;
    }

    private static MultivariantPlaylist.Audio audio(LiveStream s) {
        AacConfig aac = s.audioConfig();
        RenditionSnapshot snap = s.snapshot(LiveStream.AUDIO);
        if (aac == null || snap == null || !snap.hasMedia()) {
            return null;
        }
        return new MultivariantPlaylist.Audio(LiveStream.AUDIO + "/index.m3u8", "audio", aac.codecString(),
                aac.channels(), bandwidth(snap)[0]);
    }

    /** Peak and average bits/s over the listed segments (or the parts so far). */
    static long[] bandwidth(RenditionSnapshot snap) {
        List<MediaSegment> segs = new ArrayList<>(snap.listed());
        if (segs.isEmpty() && snap.open() != null) {
            segs.add(snap.open());
        }
        double peak = 0;
        double bits = 0;
        double seconds = 0;
        for (MediaSegment seg : segs) {
            double d = seg.duration();
            if (d <= 0) {
                continue;
            }
            double b = seg.size() * 8.0;
            peak = Math.max(peak, b / d);
            bits += b;
            seconds += d;
        }
        if (seconds == 0) {
            return new long[]{1_000_000, 1_000_000};
        }
        return new long[]{(long) Math.ceil(peak), (long) Math.ceil(bits / seconds)};
    }

    // ---- rendition objects ----

    void object(RoutingContext ctx) {
        String key = key(ctx);
        String rendition = ctx.pathParam("rendition");
        MediaObject object = MediaObject.parse(ctx.pathParam("object"));
        LiveStream stream = stream(key);
        RenditionSnapshot snap = stream.snapshot(rendition);
        if (snap == null) {
            throw StatusException.notFound("stream '" + key + "' has no rendition '" + rendition + "'");
        }
        // an edge's cache fill is not a viewer: the edge counts its viewers' requests itself
        if (hotness != null && !ctx.request().headers().contains(PlaybackSessions.EDGE_FETCH_HEADER)) {
            hotness.hit(key, rendition, ctx.request().getHeader(REGION_HEADER));
        }
        switch (object.kind()) {
            case PLAYLIST -> {
                long seekBackMs = dvr.windowMs(ctx.request().getParam("dvr"));
                if (seekBackMs <= 0) {
                    mediaPlaylist(ctx, key, rendition, snap, null);
                    return;
                }
                // the index down: the live window alone, live delivery goes on
                // back on this verticle's event loop: held requests are its own (the rows may come from another's query)
                io.vertx.core.Context here = ctx.vertx().getOrCreateContext();
                dvr.recorded(key, rendition, seekBackMs).otherwise((DvrLiveWindow.Recorded) null).onSuccess(rows -> here.runOnContext(v -> {
                    try {
                        mediaPlaylist(ctx, key, rendition, snap, rows == null ? null : new SeekBack(seekBackMs, rows));
                    } catch (StatusException e) {
                        fail(ctx, e);
                    }
                }));
            }
            case INIT -> {
                byte[] init = snap.inits().get((int) object.index());
                if (init == null) {
                    throw StatusException.notFound("init segment " + object.index() + " of " + key + "/" + rendition + " is not available");
                }
                sendMedia(ctx, rendition, DeliveryKind.INIT, IMMUTABLE, BufferInternal.buffer(Unpooled.wrappedBuffer(init)));
            }
            case SEGMENT -> segment(ctx, key, rendition, snap, object.msn());
            case PART -> part(ctx, key, rendition, snap, object.msn(), object.index());
        }
    }

    /**
     * A listed segment is answered at once; the one being built, or the next, is streamed
     * part by part as it is built ({@link GrowingSegment}: low-latency DASH clients ask
     * early, by the clock); anything else is 404.
     */
    private void segment(RoutingContext ctx, String key, String rendition, RenditionSnapshot current, long msn) {
        if (encrypted(key)) {
            encryptedSegment(ctx, key, rendition, current, msn);
            return;
        }
        boolean upcoming = !current.ended() && msn >= current.edgeMsn() && msn <= current.edgeMsn() + 1;
        if (current.segment(msn) == null && !upcoming) {
            throw StatusException.notFound("segment " + msn + " of " + key + "/" + rendition
                    + " is not available (playlist holds " + current.firstMsn() + " to " + current.lastMsn() + ")");
        }
        held.hold(key, ctx.response(), timeoutMs(current),
                s -> {
                    RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
                    return snap == null || snap.segment(msn) != null || snap.ended() || GrowingSegment.building(snap, msn);
                },
                s -> {
                    RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
                    MediaSegment seg = snap == null ? null : snap.segment(msn);
                    if (seg == null && GrowingSegment.building(snap, msn) && !ctx.response().closed()) {
                        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, rendition.equals(LiveStream.AUDIO) ? AUDIO_MP4 : VIDEO_MP4)
                                .putHeader(HttpHeaders.CACHE_CONTROL, mediaCacheControl(key, rendition));
                        new GrowingSegment(key, rendition, msn, ctx.response(), held, metrics, timeoutMs(snap)).start(s);
                        return;
                    }
                    if (seg == null) {
                        fail(ctx, StatusException.notFound("segment " + msn + " of " + key + "/" + rendition + " is not available"));
                        return;
                    }
                    // direct buffers, gathered: no copy of the media per response
                    sendMedia(ctx, rendition, DeliveryKind.SEGMENT, mediaCacheControl(key, rendition), BufferInternal.buffer(Unpooled.wrappedBuffer(seg.chunks())));
                },
                () -> fail(ctx, new StatusException(503, "segment " + msn + " did not complete in time")));
    }

    /** A segment of an encrypted stream: only once complete (never streamed as it grows), its encrypted bytes. */
    private void encryptedSegment(RoutingContext ctx, String key, String rendition, RenditionSnapshot current, long msn) {
        if (current.segment(msn) == null && (current.ended() || msn < current.edgeMsn() || msn > current.edgeMsn() + 1)) {
            throw StatusException.notFound("segment " + msn + " of " + key + "/" + rendition + " is not available");
        }
        held.hold(key, ctx.response(), timeoutMs(current),
                s -> {
                    RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
                    return snap == null || snap.segment(msn) != null || snap.ended();
                },
                s -> {
                    RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
                    MediaSegment seg = snap == null ? null : snap.segment(msn);
                    if (seg == null) {
                        fail(ctx, StatusException.notFound("segment " + msn + " of " + key + "/" + rendition + " is not available"));
                        return;
                    }
                    sendMedia(ctx, rendition, DeliveryKind.SEGMENT, mediaCacheControl(key, rendition),
                            Buffer.buffer(encryption.segment(s, rendition, seg)));
                },
                () -> fail(ctx, new StatusException(503, "segment " + msn + " did not complete in time")));
    }

    private void part(RoutingContext ctx, String key, String rendition, RenditionSnapshot current, long msn, int index) {
        // a preload-hinted part requested early is held until it exists
        held.hold(key, ctx.response(), timeoutMs(current),
                s -> {
                    RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
                    return snap == null || snap.part(msn, index) != null || !snap.mayStillHave(msn, index)
                            || msn > snap.edgeMsn() + 1;
                },
                s -> {
                    RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
                    MediaPart p = snap == null ? null : snap.part(msn, index);
                    if (p == null) {
                        fail(ctx, StatusException.notFound("part " + msn + "." + index + " of " + key + "/" + rendition
                                + " is not available"));
                        return;
                    }
                    sendMedia(ctx, rendition, DeliveryKind.PART, mediaCacheControl(key, rendition), encrypted(key)
                            ? Buffer.buffer(encryption.part(s, rendition, p)) // each part its own AES-128 resource
                            : BufferInternal.buffer(Unpooled.wrappedBuffer(p.view())));
                },
                () -> fail(ctx, new StatusException(503, "part " + msn + "." + index + " did not arrive in time")));
    }

    private static long timeoutMs(RenditionSnapshot snap) {
        return Math.max(1000, 3L * snap.targetDuration() * 1000);
    }

    /** A seek-back window and what is recorded in it. */
    private record SeekBack(long windowMs, DvrLiveWindow.Recorded recorded) {
    }

    private void mediaPlaylist(RoutingContext ctx, String key, String rendition, RenditionSnapshot snap, SeekBack seek) {
        if (ssai != null && seek == null && !encrypted(key) && ssai.fills(key)) {
            // the session's pods first (a decision at most ssai.decision-wait away), then on this event loop again
            io.vertx.core.Context here = ctx.vertx().getOrCreateContext();
            ssai.view(ctx, stream(key), rendition).otherwiseEmpty().onComplete(ar -> here.runOnContext(v -> {
                try {
                    mediaPlaylist(ctx, key, rendition, snap, null, ar.result());
                } catch (StatusException e) {
                    fail(ctx, e);
                }
            }));
            return;
        }
        mediaPlaylist(ctx, key, rendition, snap, seek, null);
    }

    private void mediaPlaylist(RoutingContext ctx, String key, String rendition, RenditionSnapshot snap, SeekBack seek,
                               io.tributary.ssai.SessionPlaylistView view) {
        MultiMap q = ctx.request().params();
        String msnParam = q.get("_HLS_msn");
        String partParam = q.get("_HLS_part");
        String skipParam = q.get("_HLS_skip");
        boolean skip = skipParam != null && (skipParam.equals("YES") || skipParam.equals("v2"));
        if (skipParam != null && !skip) {
            throw StatusException.badRequest("_HLS_skip must be YES or v2");
        }
        if (partParam != null && msnParam == null) {
            throw StatusException.badRequest("_HLS_part requires _HLS_msn");
        }
        String cacheKey = key + "/" + rendition + (skip ? "/skip" : "");
        if (msnParam == null) {
            // no blocking: answer now, or once a starting stream has media
            held.hold(key, ctx.response(), FIRST_MEDIA_WAIT_MS,
                    s -> s == null || s.snapshot(rendition) == null || startable(s.snapshot(rendition))
                            || s.state() == LiveStream.State.ENDED,
                    s -> answerPlaylist(ctx, key, rendition, skip, seek, cacheKey, "public, max-age=1", view),
                    () -> answerPlaylist(ctx, key, rendition, skip, seek, cacheKey, "no-cache", view));
            return;
        }
        long msn = MediaObject.number(msnParam, "_HLS_msn", "query", Long.MAX_VALUE);
        int part = partParam == null ? -1 : (int) MediaObject.number(partParam, "_HLS_part", "query", Integer.MAX_VALUE);
        if (view == null && msn > snap.edgeMsn() + 2) {
            throw StatusException.badRequest("_HLS_msn " + msn + " is more than two segments ahead of the playlist ("
                    + snap.edgeMsn() + ")");
        }
        // a response to a blocking request is unique to its URL: cacheable longer
        String cacheControl = "public, max-age=" + 6 * snap.targetDuration();
        StatusException late = new StatusException(503, "segment " + msn + (part >= 0 ? " part " + part : "")
                + " did not arrive within three target durations");
        if (seek == null && view == null && SessionUris.carried(ctx).isEmpty() && !encrypted(key)) {
            // the same bytes for every player of this rendition waiting on this part: tested and rendered once per release
            HeldRequests.Shared<SharedPlaylist> shared = new HeldRequests.Shared<>(
                    new PlaylistWait(key, rendition, msn, part, skip, cacheControl),
                    s -> s == null || s.snapshot(rendition) == null || s.snapshot(rendition).satisfies(msn, part),
                    s -> sharedPlaylist(key, rendition, skip, cacheKey, cacheControl));
            held.hold(key, ctx.response(), timeoutMs(snap), shared, p -> {
                if (p.playlist() == null) { // gone, or encrypted meanwhile: answered as any other request
                    answerPlaylist(ctx, key, rendition, skip, null, cacheKey, cacheControl, null);
                } else {
                    sendPlaylist(ctx, p.cacheControl(), p.playlist());
                }
            }, () -> fail(ctx, late));
            return;
        }
        held.hold(key, ctx.response(), timeoutMs(snap),
                s -> s == null || s.snapshot(rendition) == null || (view == null ? s.snapshot(rendition).satisfies(msn, part)
                        : ssai.satisfies(view, s.snapshot(rendition), msn, part)),
                s -> answerPlaylist(ctx, key, rendition, skip, seek, cacheKey, cacheControl, view),
                () -> fail(ctx, late));
    }

    /** What blocking reloads wait on together: the same stream, rendition, part, delta and freshness. */
    private record PlaylistWait(String key, String rendition, long msn, int part, boolean skip, String cacheControl) {
    }

    /** A playlist every waiting player gets as is; {@code playlist} null: answer each on its own. */
    private record SharedPlaylist(RenderedPlaylist playlist, CharSequence cacheControl) {
    }

    private SharedPlaylist sharedPlaylist(String key, String rendition, boolean skip, String cacheKey, String cacheControl) {
        LiveStream s = streams.get(key);
        RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
        if (snap == null || encrypted(key)) {
            return new SharedPlaylist(null, null);
        }
        return new SharedPlaylist(rendered(s, rendition, skip, cacheKey), HttpHeaders.createOptimized(cacheControl));
    }

    /** The plain playlist of this stream version, rendered once per version (and gzipped once). */
    private RenderedPlaylist rendered(LiveStream s, String rendition, boolean skip, String cacheKey) {
        // the version before the snapshot: a rendering cached under it is never older than it says
        long version = s.version();
        RenditionSnapshot snap = s.snapshot(rendition);
        RenderedPlaylist r = rendered.get(cacheKey);
        if (r == null || r.version() != version) {
            long began = System.nanoTime();
            byte[] text = LlHlsPlaylist.render(snap, skip, "", reports(s, rendition)).getBytes(StandardCharsets.UTF_8);
            r = new RenderedPlaylist(version, text);
            metrics.playlistRender().record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
            rendered.put(cacheKey, r);
        }
        return r;
    }

    /**
     * Bytes written as they are to many responses at once: read-only, so no response can change what
     * the others send (each write takes a slice; the bytes are the GC's, never released by a write).
     */
    private static Buffer sharedBytes(byte[] bytes) {
        return BufferInternal.buffer(Unpooled.wrappedBuffer(bytes).asReadOnly());
    }

    private void answerPlaylist(RoutingContext ctx, String key, String rendition, boolean skip, SeekBack seek,
                                String cacheKey, String cacheControl, io.tributary.ssai.SessionPlaylistView view) {
        LiveStream s = streams.get(key);
        // the version before the snapshots: a rendering cached under it is never older than it says
        long version = s == null ? 0 : s.version();
        RenditionSnapshot snap = s == null ? null : s.snapshot(rendition);
        if (snap == null) {
            fail(ctx, StatusException.notFound("stream '" + key + "' is not live on this node"));
            return;
        }
        // the sid issued to this player and its checked playback token go on every URI
        String carry = SessionUris.carried(ctx);
        if (encrypted(key)) {
            // per request: the key lines name this viewer's token; no seek-back (the recorded past is clear)
            String q = carry.isEmpty() ? "" : "?" + carry;
            String body = SegmentCipher.playlist(LlHlsPlaylist.render(snap, skip, carry, reports(s, rendition)), encryption.rotate(),
                    n -> StreamEncryption.keyUri(key, rendition, s.publishedAt(), n) + q);
            sendPlaylist(ctx, DeliveryKind.PLAYLIST, cacheControl, Buffer.buffer(body), null);
            return;
        }
        if (view != null) {
            // the session's own copy: the shared rendering (never a delta update) with its pods spliced in
            String shared = key + "/" + rendition;
            Buffer text;
            if (!carry.isEmpty()) {
                SessionUris.Template t = sidRendered.get(shared);
                if (t == null || t.version() != version) {
                    t = SessionUris.template(version, qs -> LlHlsPlaylist.render(snap, false, qs, reports(s, rendition)));
                    sidRendered.put(shared, t);
                }
                text = t.with(carry);
            } else {
                RenderedPlaylist r = rendered.get(shared);
                if (r == null || r.version() != version) {
                    byte[] plain = LlHlsPlaylist.render(snap, false, "", reports(s, rendition)).getBytes(StandardCharsets.UTF_8);
                    r = new RenderedPlaylist(version, plain);
                    rendered.put(shared, r);
                }
                text = r.plain();
            }
            sendPlaylist(ctx, DeliveryKind.PLAYLIST, cacheControl.replace("public", "private"),
                    Buffer.buffer(ssai.splice(view, text.toString(StandardCharsets.UTF_8))), null);
            return;
        }
        if (seek != null) {
            // the past is fetched at most once a second per playlist and rendered once per live window start
            LlHlsPlaylist.Past past = seek.recorded().past(snap.firstMsn());
            List<RenditionReport> others = reports(s, rendition);
            Buffer body = !carry.isEmpty()
                    ? SessionUris.template(version, q -> LlHlsPlaylist.render(snap, skip, q, others, past)).with(carry)
                    : Buffer.buffer(LlHlsPlaylist.render(snap, skip, "", others, past));
            sendPlaylist(ctx, DeliveryKind.PLAYLIST, cacheControl, body, null);
            return;
        }
        if (!carry.isEmpty()) {
            SessionUris.Template t = sidRendered.get(cacheKey);
            if (t == null || t.version() != version) {
                t = SessionUris.template(version, q -> LlHlsPlaylist.render(snap, skip, q, reports(s, rendition)));
                sidRendered.put(cacheKey, t);
            }
            sendPlaylist(ctx, DeliveryKind.PLAYLIST, cacheControl, t.with(carry), null);
            return;
        }
        sendPlaylist(ctx, cacheControl, rendered(s, rendition, skip, cacheKey));
    }

    private static List<RenditionReport> reports(LiveStream s, String rendition) {
        List<RenditionReport> reports = new ArrayList<>(2);
        for (String other : s.renditions()) {
            RenditionSnapshot o = s.snapshot(other);
            if (!other.equals(rendition) && o != null) {
                reports.add(RenditionReport.of("../" + other + "/index.m3u8", o));
            }
        }
        return reports;
    }

    // ---- responses ----

    /** A cached rendering: gzipped (made once) when the player takes gzip. */
    private void sendPlaylist(RoutingContext ctx, CharSequence cacheControl, RenderedPlaylist r) {
        String accept = ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING);
        boolean gzip = accept != null && accept.contains("gzip") && !ctx.response().closed() && !ctx.response().ended();
        sendPlaylist(ctx, DeliveryKind.PLAYLIST, cacheControl, r.plain(), gzip ? r.gzip() : null);
    }

    private void sendPlaylist(RoutingContext ctx, DeliveryKind kind, CharSequence cacheControl, Buffer plain, Buffer gzip) {
        HttpServerResponse res = ctx.response();
        if (res.closed() || res.ended()) {
            return;
        }
        Buffer body = plain;
        String accept = ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING);
        if (gzip != null && accept != null && accept.contains("gzip")) {
            body = gzip;
            res.putHeader(HttpHeaders.CONTENT_ENCODING, GZIP);
        }
        res.putHeader(HttpHeaders.VARY, ACCEPT_ENCODING)
                .putHeader(HttpHeaders.CONTENT_TYPE, PLAYLIST_TYPE)
                .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
        metrics.delivered(kind, body.length());
        res.end(body);
    }

    private void sendMedia(RoutingContext ctx, String rendition, DeliveryKind kind, CharSequence cacheControl, Buffer body) {
        HttpServerResponse res = ctx.response();
        if (res.closed() || res.ended()) {
            return;
        }
        res.putHeader(HttpHeaders.CONTENT_TYPE, rendition.equals(LiveStream.AUDIO) ? AUDIO_MP4 : VIDEO_MP4)
                .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
        metrics.delivered(kind, body.length());
        res.end(body);
    }

    static void fail(RoutingContext ctx, StatusException e) {
        ctx.fail(e); // the router's failure handler: one line of text on /live
    }

    private static byte[] gzip(byte[] text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length / 3 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
