package io.tributary.ssai;

import io.tributary.live.LiveStream;
import io.tributary.media.CueKind;
import io.tributary.media.cmcd.Cmcd;
import io.tributary.media.cmcd.CmcdParser;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.hls.AdRun;
import io.tributary.media.hls.PodPlacement;
import io.tributary.media.hls.SplicedPlaylist;
import io.tributary.media.dash.SplicedManifest;
import io.tributary.media.timeline.PlaylistCue;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.session.SessionUris;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Per-session media playlists (and live MPDs) for server-side ad insertion, as the live HLS and DASH
 * delivery ask for them: which session a request is (CMCD {@code sid}, else the node-issued {@code sid}), its pod for every
 * break in the playlist (one decision per session per break over the event bus, waited for at most
 * {@code ssai.decision-wait}; a failed or empty one plays the break as the shared playlist), and the
 * shared playlist's text with those pods spliced in. One instance per node, shared by the delivery
 * verticles; sessions bounded by {@code ssai.max-sessions} and forgotten after {@code ssai.session-idle}.
 */
public final class SessionPlaylists implements Shareable {

    private static final String SHARED_MAP = "tributary.ssai";
    static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final DateTimeFormatter PDT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    private final Vertx vertx;
    private final SsaiSettings settings;
    private final AdSegmentCatalog catalog;
    private final BreakMetrics metrics;
    /** A stream's own ladder (null when it has none yet): the decision conditions creatives to it. */
    private final java.util.function.Function<String, io.tributary.vod.ConformLadder> ladders;
    private final Map<String, SessionPods> sessions = new ConcurrentHashMap<>();

    SessionPlaylists(Vertx vertx, SsaiSettings settings, AdSegmentCatalog catalog, BreakMetrics metrics,
                     java.util.function.Function<String, io.tributary.vod.ConformLadder> ladders) {
        this.vertx = vertx;
        this.ladders = ladders;
        this.settings = settings;
        this.catalog = catalog;
        this.metrics = metrics;
    }

    static void install(Vertx vertx, SessionPlaylists p) {
        vertx.sharedData().<String, SessionPlaylists>getLocalMap(SHARED_MAP).put("playlists", p);
    }

    /** This node's per-session playlists; null when SSAI is off. */
    public static SessionPlaylists of(Vertx vertx) {
        return vertx.sharedData().<String, SessionPlaylists>getLocalMap(SHARED_MAP).get("playlists");
    }

    public boolean fills(String stream) {
        return settings.fills(stream);
    }

    SsaiSettings settings() {
        return settings;
    }

    SessionPods session(String sid) {
        return sid == null ? null : sessions.get(sid);
    }

    /**
     * The session's pods, made now when it is new (an edge asking for a viewer this node has never
     * served); null when the sid already belongs to another stream's session.
     */
    SessionPods sessionFor(String sid, String stream) {
        SessionPods pods = sessions.get(sid);
        if (pods == null) {
            pods = sessions.computeIfAbsent(sid, k -> new SessionPods(k, stream, System.currentTimeMillis()));
            bound();
        }
        return pods.stream.equals(stream) ? pods : null;
    }

    /** The viewing session of a player request: the node-issued sid, the {@code sid} query, or CMCD {@code sid}. */
    static String session(RoutingContext ctx) {
        String issued = SessionUris.sid(ctx);
        if (issued != null) {
            return issued;
        }
        // the sid this node put in the player's URIs comes back on every reload; CMCD's may be missing from the
        // first ones (hls.js sets CMCD up after its first requests): the query first keeps one session per player
        String query = ctx.request().getParam(SessionUris.PARAM);
        String sid = query != null ? query : cmcd(ctx).sessionId();
        return sid != null && SESSION.matcher(sid).matches() ? sid : null;
    }

    private static Cmcd cmcd(RoutingContext ctx) {
        String q = ctx.request().getParam("CMCD");
        Cmcd c = q != null ? CmcdParser.parse(q) : CmcdParser.parseHeaders(ctx.request().getHeader("CMCD-Request"),
                ctx.request().getHeader("CMCD-Object"), ctx.request().getHeader("CMCD-Status"),
                ctx.request().getHeader("CMCD-Session"));
        return c.malformed() ? Cmcd.NONE : c;
    }

    /** The breaks a stream's playlists show now: the out cues (with a duration) of its leading rendition. */
    static List<PlaylistCue> breaks(LiveStream s) {
        List<String> videos = s.videoRenditions();
        RenditionSnapshot lead = s.snapshot(videos.isEmpty() ? LiveStream.AUDIO : videos.get(0));
        List<PlaylistCue> out = new ArrayList<>(2);
        if (lead != null) {
            for (PlaylistCue c : lead.cues()) {
                if (c.kind() == CueKind.OUT && c.duration() > 0) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /**
     * What this request's session gets in {@code rendition}; null (as a result) for the shared
     * playlist: no session, no break, or every decision failed. Completes on any thread.
     */
    public Future<SessionPlaylistView> view(RoutingContext ctx, LiveStream s, String rendition) {
        String sid = session(ctx);
        if (sid == null || !settings.fills(s.key())) {
            return Future.succeededFuture();
        }
        List<PlaylistCue> cues = breaks(s);
        SessionPods pods = pods(sid, s, cues);
        if (pods == null) {
            return Future.succeededFuture(); // nothing to splice: no state for this session
        }
        if (settings.modeOf(s.key()) == SsaiSettings.Mode.INTERSTITIALS) {
            if (cues.isEmpty()) {
                return Future.succeededFuture(); // no break in view: the shared playlist is the session's
            }
            List<SessionPlaylistView.InterstitialBreak> list = new ArrayList<>();
            for (PlaylistCue c : cues) {
                list.add(new SessionPlaylistView.InterstitialBreak(c.rangeId(), c.date(), Math.round(c.duration() * 1000),
                        "/ads/" + sid + "/" + c.rangeId() + "/assets.json"));
            }
            return Future.succeededFuture(new SessionPlaylistView(sid, SsaiSettings.Mode.INTERSTITIALS, List.of(), new long[2], list));
        }
        for (PlaylistCue c : cues) {
            pod(pods, s.key(), c.rangeId(), c.date(), Math.round(c.duration() * 1000), throughput(ctx));
        }
        boolean audio = rendition.equals(LiveStream.AUDIO);
        VideoTrackConfig video = audio ? null : s.videoConfig(rendition);
        int height = video == null ? 0 : video.height();
        RenditionSnapshot snap = s.snapshot(rendition);
        long tolerance = snap == null ? 250 : Math.min(500, Math.round(snap.targetDuration() * 1000 * 0.4));
        List<Future<PodPlacement>> placed = new ArrayList<>();
        for (SessionPod p : pods.all()) {
            placed.add(p.placement(rendition, pod -> runs(p, pod, rendition, audio, height), tolerance));
        }
        SessionPods owner = pods;
        return Future.join(placed).transform(x -> {
            List<PodPlacement> list = new ArrayList<>();
            for (Future<PodPlacement> f : placed) {
                if (f.succeeded() && f.result() != null) {
                    list.add(f.result());
                }
            }
            long[] base = owner.base(rendition);
            return Future.succeededFuture(list.isEmpty() && base[0] == 0 && base[1] == 0
                    ? null : new SessionPlaylistView(sid, SsaiSettings.Mode.STITCH, list, base, List.of()));
        });
    }

    /**
     * The request's session and its pods, created when it first shows up (so a break announced ahead
     * finds it, {@link DecisionsAhead}); its join point is the stream's live edge when it first shows
     * up with a break in view. Null when the sid is another stream's session.
     */
    private SessionPods pods(String sid, LiveStream s, List<PlaylistCue> cues) {
        SessionPods pods = sessions.get(sid);
        long now = System.currentTimeMillis();
        if (pods == null && cues.isEmpty()) {
            pods = sessions.computeIfAbsent(sid, k -> new SessionPods(k, s.key(), now)); // watching before any break
            bound();
        } else if (pods == null) {
            RenditionSnapshot lead = lead(s);
            // a watching player reloads at least once a target duration, and sees a break's first
            // segment within a target duration of its start: up to two target durations is on time
            long grace = lead == null ? 4000 : Math.max(2000, 2000L * lead.targetDuration());
            long joined = edge(lead, now);
            pods = sessions.computeIfAbsent(sid, k -> new SessionPods(k, s.key(), now, joined, grace));
            bound();
        }
        if (!pods.stream.equals(s.key())) {
            return null;
        }
        pods.lastSeen = now;
        return pods;
    }

    private static RenditionSnapshot lead(LiveStream s) {
        List<String> videos = s.videoRenditions();
        return s.snapshot(videos.isEmpty() ? LiveStream.AUDIO : videos.get(0));
    }

    /** Wall-clock ms of the newest media of a rendition (its PDT clock), or {@code now} when it has none. */
    static long edge(RenditionSnapshot snap, long now) {
        if (snap == null) {
            return now;
        }
        long edge = Long.MIN_VALUE;
        List<io.tributary.media.timeline.MediaSegment> listed = snap.listed();
        if (!listed.isEmpty()) {
            var last = listed.get(listed.size() - 1);
            edge = last.programDateTime() + Math.round(last.duration() * 1000);
        }
        var open = snap.open();
        if (open != null && !open.parts().isEmpty()) {
            edge = Math.max(edge, open.programDateTime() + Math.round(open.duration() * 1000));
        }
        return edge == Long.MIN_VALUE ? now : edge;
    }

    /**
     * What this request's session gets in the live MPD: its pods as DASH Periods (stitched whatever
     * {@code ssai.mode} says: DASH has no interstitials); null (as a result) for the shared MPD.
     */
    public Future<SessionManifestView> manifestView(RoutingContext ctx, LiveStream s) {
        String sid = session(ctx);
        if (s == null || sid == null || !settings.fills(s.key())) {
            return Future.succeededFuture();
        }
        List<PlaylistCue> cues = breaks(s);
        SessionPods pods = pods(sid, s, cues);
        if (pods == null) {
            return Future.succeededFuture();
        }
        for (PlaylistCue c : cues) {
            pod(pods, s.key(), c.rangeId(), c.date(), Math.round(c.duration() * 1000), throughput(ctx));
        }
        RenditionSnapshot lead = lead(s);
        long tolerance = lead == null ? 250 : Math.min(500, Math.round(lead.targetDuration() * 1000 * 0.4));
        List<Future<SplicedManifest.Pod>> all = new ArrayList<>();
        for (SessionPod p : pods.all()) {
            all.add(p.decision.compose(pod -> dashPod(p, pod)).otherwise((SplicedManifest.Pod) null));
        }
        return Future.join(all).transform(x -> {
            List<SplicedManifest.Pod> list = new ArrayList<>();
            for (Future<SplicedManifest.Pod> f : all) {
                if (f.succeeded() && f.result() != null) {
                    list.add(f.result());
                }
            }
            return Future.succeededFuture(list.isEmpty() ? null : new SessionManifestView(sid, list, tolerance));
        });
    }

    /** A pod as the MPD splice takes it: each ad with its creative's VOD MPD, under the session's /ads path. */
    private Future<SplicedManifest.Pod> dashPod(SessionPod p, AdPod pod) {
        List<Future<String>> mpds = new ArrayList<>();
        for (AdPod.Ad ad : pod.ads()) {
            mpds.add(catalog.manifest(ad.assetId()));
        }
        int skip = p.skipped(pod);
        return Future.join(mpds).transform(x -> {
            List<SplicedManifest.Ad> ads = new ArrayList<>();
            int skipped = 0;
            for (int i = 0; i < mpds.size(); i++) {
                if (mpds.get(i).failed()) {
                    continue; // its media is not there: left out, as in HLS
                }
                ads.add(new SplicedManifest.Ad("ad-" + p.breakId + "-" + i, mpds.get(i).result(),
                        "/ads/" + p.session + "/" + p.breakId + "/" + i + "/"));
                if (i < skip) {
                    skipped++;
                }
            }
            return Future.succeededFuture(ads.size() == skipped ? null : new SplicedManifest.Pod(p.breakId, p.startDate, ads, skipped));
        });
    }

    /** The session's live MPD: the shared one with its pods as Periods. */
    public String splice(SessionManifestView view, String shared) {
        return SplicedManifest.render(shared, view.pods(), view.toleranceMs());
    }

    /**
     * The session's pod for a break: asked for once (or taken from the decision asked ahead of the
     * break), the answer (or failure) kept with the session.
     */
    SessionPod pod(SessionPods pods, String stream, String breakId, long startDate, long breakMs, long throughputKbps) {
        if (throughputKbps > 0) {
            pods.throughputKbps = throughputKbps;
        }
        return pods.pod(breakId, () -> {
            Future<AdPod> ahead = pods.takeAhead(breakId, startDate);
            Future<AdPod> decision = ahead != null ? ahead : decide(pods.session, stream, breakId, breakMs, throughputKbps);
            return new SessionPod(pods.session, stream, breakId, startDate, breakMs, pods.joinedInto(startDate), decision);
        });
    }

    /** One decision over the event bus, waited for at most {@code ssai.decision-wait}, counted when it completes. */
    Future<AdPod> decide(String session, String stream, String breakId, long breakMs, long throughputKbps) {
        long t0 = System.nanoTime();
        AdDecisionRequest req = new AdDecisionRequest(session, stream, breakId, breakMs, throughputKbps, ladders.apply(stream));
        return vertx.eventBus().<JsonObject>request(AdDecisionRequest.ADDRESS, req.toJson(),
                        new DeliveryOptions().setSendTimeout(settings.decisionWait().toMillis()))
                .map(m -> AdPod.fromJson(m.body()))
                .andThen(ar -> metrics.decided(session, stream, breakId, breakMs, ar.result(), ar.cause(), System.nanoTime() - t0));
    }

    /** The sessions this node knows watching {@code stream} now (a copy). */
    List<SessionPods> watching(String stream) {
        List<SessionPods> out = new ArrayList<>();
        for (SessionPods p : sessions.values()) {
            if (p.stream.equals(stream)) {
                out.add(p);
            }
        }
        return out;
    }

    private static long throughput(RoutingContext ctx) {
        long mtp = cmcd(ctx).throughputKbps();
        return Math.max(0, mtp);
    }

    /** The pod's ads in one rendition: each ad's same-name (else nearest) VOD rendition, under the session's /ads path. */
    private Future<List<AdRun>> runs(SessionPod p, AdPod pod, String rendition, boolean audio, int height) {
        List<Future<AdSegmentCatalog.Asset>> assets = new ArrayList<>();
        for (AdPod.Ad ad : pod.ads()) {
            assets.add(catalog.asset(ad.assetId()));
        }
        return Future.join(assets).transform(x -> {
            List<AdRun> runs = new ArrayList<>();
            for (int i = 0; i < assets.size(); i++) {
                Future<AdSegmentCatalog.Asset> f = assets.get(i);
                AdSegmentCatalog.Rendition r = f.succeeded() ? f.result().pick(rendition, audio, height) : null;
                if (r == null || r.files().isEmpty()) {
                    runs.add(null); // its media is not there: left out (the ad's error is sent when its segment is asked for)
                    continue;
                }
                String base = "/ads/" + p.session + "/" + p.breakId + "/" + i + "/" + r.name() + "/";
                List<String> uris = new ArrayList<>(r.files().size());
                for (String file : r.files()) {
                    uris.add(base + file);
                }
                runs.add(new AdRun(base + "init.mp4", uris, r.durations()));
            }
            return Future.succeededFuture(runs);
        });
    }

    /** The session's media playlist: the shared one with its pods spliced in, or its interstitials added. */
    public String splice(SessionPlaylistView view, String shared) {
        if (view.stitched()) {
            return SplicedPlaylist.render(shared, view.placements(), view.base()[0], view.base()[1]);
        }
        return interstitials(shared, view.interstitials());
    }

    /** Whether a blocking reload for the session's msn (and part) can be answered from {@code snap}. */
    public boolean satisfies(SessionPlaylistView view, RenditionSnapshot snap, long msn, int part) {
        if (!view.stitched()) {
            return snap.satisfies(msn, part);
        }
        return SplicedPlaylist.satisfies(snap, view.placements(), view.base()[0], msn, part);
    }

    /** HLS Interstitials: one date range per break naming the session's asset list, after the header. */
    static String interstitials(String shared, List<SessionPlaylistView.InterstitialBreak> breaks) {
        int at = shared.indexOf("#EXT-X-DISCONTINUITY-SEQUENCE:");
        at = at < 0 ? -1 : shared.indexOf('\n', at);
        if (at < 0 || breaks.isEmpty()) {
            return shared;
        }
        StringBuilder b = new StringBuilder(shared.length() + 256 * breaks.size());
        b.append(shared, 0, at + 1);
        for (SessionPlaylistView.InterstitialBreak br : breaks) {
            String seconds = String.format(Locale.ROOT, "%.3f", br.durationMs() / 1000.0);
            b.append("#EXT-X-DATERANGE:ID=\"ad-").append(br.breakId()).append("\",CLASS=\"com.apple.hls.interstitial\",START-DATE=\"")
                    .append(PDT.format(Instant.ofEpochMilli(br.startDate()))).append("\",DURATION=").append(seconds)
                    .append(",X-ASSET-LIST=\"").append(br.assetList()).append("\",X-RESUME-OFFSET=").append(seconds)
                    .append(",X-RESTRICT=\"SKIP,JUMP\"\n");
        }
        b.append(shared, at + 1, shared.length());
        return b.toString();
    }

    /** Forgets idle sessions, and the idlest ones beyond the bound. */
    void sweep(long now) {
        long idle = settings.sessionIdle().toMillis();
        sessions.values().removeIf(p -> now - p.lastSeen > idle);
    }

    /** Over {@code ssai.max-sessions}: the idlest hundredth go at once (one sort per that many new sessions). */
    private void bound() {
        int over = sessions.size() - settings.maxSessions();
        if (over <= 0) {
            return;
        }
        List<SessionPods> all = new ArrayList<>(sessions.values());
        all.sort(java.util.Comparator.comparingLong(p -> p.lastSeen));
        int drop = Math.min(all.size(), Math.max(over, settings.maxSessions() / 100));
        for (int i = 0; i < drop; i++) {
            sessions.remove(all.get(i).session, all.get(i));
        }
    }

    int size() {
        return sessions.size();
    }
}
