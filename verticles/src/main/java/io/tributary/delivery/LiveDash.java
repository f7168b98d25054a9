package io.tributary.delivery;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.dash.DashManifest;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.session.SessionUris;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MPEG-DASH delivery of live streams: {@code /live/{key}/manifest.mpd}, an MPD whose
 * Representations address the LL-HLS rendition objects themselves (see {@link DashManifest}),
 * and {@code /api/v1/time}, the clock players synchronise with (UTCTiming http-iso).
 */
public final class LiveDash {

    public static final String TIME_PATH = "/api/v1/time";
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(LiveDash.class.getName());
    /** host, [v6] or host:port; nothing that could break out of an attribute or a URL. */
    private static final java.util.regex.Pattern FORWARDED_HOST =
            java.util.regex.Pattern.compile("(\\[[0-9A-Fa-f:.]{2,45}]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?");
    private static final CharSequence MPD_TYPE = HttpHeaders.createOptimized(DashManifest.CONTENT_TYPE);
    /** The media timescale of video renditions (LiveStream's packager clock). */
    private static final int VIDEO_TIMESCALE = 90_000;
    /** How long a first request waits for a starting stream's first complete segment. */
    private static final long FIRST_SEGMENT_WAIT_MS = 10_000;
    private static final DateTimeFormatter ISO_MS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final LiveStreams streams;
    private final HeldRequests held;
    private final DashSettings settings;
    /**
     * Per stream key: the stream's publish time and the availabilityStartTime its MPDs use (see
     * {@link DashManifest#firstSessionOrigin}), fixed at the first MPD so it never moves while the
     * stream lives. Bounded; an evicted stream's origin is found again from its first session.
     */
    private final Map<String, long[]> origins = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > MAX_ORIGINS;
        }
    };
    private static final int MAX_ORIGINS = 4096;

    LiveDash(LiveStreams streams, HeldRequests held, DashSettings settings) {
        this.streams = streams;
        this.held = held;
        this.settings = settings;
    }

    /** Per-session MPDs with ad Periods (SSAI); null when off. */
    private io.tributary.ssai.SessionPlaylists ssai;

    LiveDash withSsai(io.tributary.ssai.SessionPlaylists ssai) {
        this.ssai = ssai;
        return this;
    }

    void manifest(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        if (!StreamKeys.valid(key)) {
            throw StatusException.badRequest("malformed stream key");
        }
        if (streams.get(key) == null) {
            throw StatusException.notFound("stream '" + key + "' is not live on this node");
        }
        io.tributary.playback.StreamEncryption enc = io.tributary.playback.StreamEncryption.of(ctx.vertx());
        if (enc != null && enc.encrypted(key)) {
            // HLS AES-128 has no DASH counterpart (that would be CENC): encrypted streams play over HLS
            throw StatusException.notFound("stream '" + key + "' is AES-128 encrypted: play it over HLS (index.m3u8)");
        }
        String timeUrl = origin(ctx.request()) + TIME_PATH;
        if (ssai != null && ssai.fills(key)) {
            // the session's pods first (a decision at most ssai.decision-wait away), then on this event loop again
            io.vertx.core.Context here = ctx.vertx().getOrCreateContext();
            ssai.manifestView(ctx, streams.get(key)).otherwiseEmpty()
                    .onComplete(ar -> here.runOnContext(v -> answer(ctx, key, timeUrl, ar.result())));
            return;
        }
        answer(ctx, key, timeUrl, null);
    }

    private void answer(RoutingContext ctx, String key, String timeUrl, io.tributary.ssai.SessionManifestView view) {
        held.hold(key, ctx.response(), FIRST_SEGMENT_WAIT_MS,
                s -> s == null || s.state() == LiveStream.State.ENDED || DashManifest.renderable(input(s, null, settings)),
                s -> {
                    DashManifest.Input in = s == null ? null : anchored(input(s, timeUrl, settings), s);
                    if (in == null || !DashManifest.renderable(in)) {
                        LiveHls.fail(ctx, StatusException.notFound("stream '" + key + "' has no media"));
                        return;
                    }
                    String mpd = DashManifest.render(in);
                    if (view != null) {
                        try {
                            mpd = ssai.splice(view, mpd);
                        } catch (RuntimeException e) {
                            // a creative's MPD that cannot be read: the shared MPD (content or slate), never a 5xx
                            LOG.warning("session " + view.session() + " of " + key + " gets the shared MPD: " + e.getMessage());
                        }
                    }
                    send(ctx.response(), SessionUris.tag(mpd, SessionUris.carried(ctx)));
                },
                () -> LiveHls.fail(ctx, new StatusException(503, "stream '" + key + "' has not produced a segment yet")));
    }

    /**
     * The input with the stream's availabilityStartTime: the wall clock of its first session's media
     * time 0 (so the first Period starts at 0 and a ProducerReferenceTime means the same to every
     * player), remembered from the first MPD; the publish time when that session is already gone.
     */
    DashManifest.Input anchored(DashManifest.Input in, LiveStream s) {
        long[] known = origins.get(s.key());
        if (known == null || known[0] != s.publishedAt()) {
            long origin = DashManifest.firstSessionOrigin(in);
            known = new long[] {s.publishedAt(), origin >= 0 ? origin : s.publishedAt()};
            origins.put(s.key(), known);
        }
        return new DashManifest.Input(in.renditions(), known[1], in.now(), in.ended(), in.utcTimingUrl(),
                in.availabilityTimeOffset(), in.lowLatency());
    }

    /** Every rendition the stream has: audio by name, every other one is a video rendition. */
    static DashManifest.Input input(LiveStream s, String timeUrl, DashSettings settings) {
        List<DashManifest.Rendition> out = new ArrayList<>();
        for (String name : s.renditions()) {
            RenditionSnapshot snap = s.snapshot(name);
            if (snap == null) {
                continue;
            }
            if (name.equals(LiveStream.AUDIO)) {
                AacConfig aac = s.audioConfig();
                if (aac != null) {
                    out.add(DashManifest.Rendition.audio(name, snap, aac.codecString(), aac.sampleRate(), aac.channels(),
                            LiveHls.bandwidth(snap)[0]));
                }
            } else {
                VideoTrackConfig avc = s.videoConfig(name); // the rung encoder's own size and codecs
                if (avc != null) {
                    out.add(DashManifest.Rendition.video(name, snap, VIDEO_TIMESCALE, avc.codecString(), avc.width(),
                            avc.height(), s.frameRate(), LiveHls.bandwidth(snap)[0]));
                }
            }
        }
        RenditionSnapshot first = out.isEmpty() ? null : out.get(0).snapshot();
        // a segment may be asked for once its first part exists: segment target minus part target early
        double ato = first == null ? 0 : Math.max(0, first.targetDuration() - first.partTarget());
        DashManifest.LowLatency ll = first == null ? null : settings.lowLatency(first.partTarget(), first.targetDuration());
        return new DashManifest.Input(out, s.publishedAt(), System.currentTimeMillis(),
                s.state() == LiveStream.State.ENDED, timeUrl, ato, ll);
    }

    private static void send(HttpServerResponse res, String mpd) {
        if (res.closed() || res.ended()) {
            return;
        }
        res.putHeader(HttpHeaders.CONTENT_TYPE, MPD_TYPE)
                .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=1")
                .end(mpd);
    }

    /** {@code GET /api/v1/time}: now, ISO-8601 UTC with milliseconds. */
    public static void time(RoutingContext ctx) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(ISO_MS.format(Instant.now()));
    }

    /**
     * The scheme and authority the client used, for absolute URLs: a proxy's X-Forwarded-Proto and
     * X-Forwarded-Host win (a router in proxy mode sets them), a malformed one is ignored.
     */
    public static String origin(HttpServerRequest req) {
        String scheme = req.getHeader("X-Forwarded-Proto");
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            scheme = req.scheme() == null ? "http" : req.scheme();
        }
        String forwardedHost = req.getHeader("X-Forwarded-Host");
        if (forwardedHost != null && FORWARDED_HOST.matcher(forwardedHost).matches()) {
            return scheme + "://" + forwardedHost;
        }
        HostAndPort authority = req.authority();
        String host;
        if (authority == null) {
            host = req.localAddress().hostAddress() + ":" + req.localAddress().port();
        } else {
            String h = authority.host();
            if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
                h = "[" + h + "]";
            }
            host = authority.port() >= 0 ? h + ":" + authority.port() : h;
        }
        return scheme + "://" + host;
    }
}
