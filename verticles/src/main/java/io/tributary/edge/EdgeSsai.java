package io.tributary.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.StatusException;
import io.tributary.cluster.ring.ContentKey;
import io.tributary.media.cmcd.Cmcd;
import io.tributary.media.cmcd.CmcdParser;
import io.tributary.media.hls.AdRun;
import io.tributary.media.hls.PodHistory;
import io.tributary.media.hls.PodPlacement;
import io.tributary.media.hls.SplicedPlaylist;
import io.tributary.session.SessionUris;
import io.tributary.ssai.SsaiModule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Server-side ad insertion at the edge. A session's media playlist is the cached shared playlist with
 * the session's pods spliced in here ({@link SplicedPlaylist}), so the origin still sends one playlist
 * per freshness for every viewer of a stream. Each pod is asked of the stream's origin once per session
 * per break ({@code /ads/{sid}/{break}/pod.json}, which runs the cluster's ad decision there and answers
 * each rendition's ad media lists); the ad objects the splice names ({@code /ads/{sid}/...}) are served
 * from the shared, immutable VOD objects of the creative ({@code /vod/{asset}/...}), fetched once per
 * edge. A served ad segment is reported to the origin (a bodiless request) so the session's beacons
 * are sent there, in order, as when the origin serves it.
 *
 * <p>Bounded: at most {@value #MAX_SESSIONS} sessions (the idlest hundredth go beyond), forgotten
 * {@value #IDLE_MINUTES} minutes after their last request, {@value #MAX_PODS} pods each, and at most
 * {@value #MAX_REPORTS} reports in flight (beyond, a report is dropped and counted).
 */
final class EdgeSsai {

    static final int MAX_SESSIONS = 50_000;
    static final int MAX_PODS = 16;
    static final int IDLE_MINUTES = 10;
    static final int MAX_REPORTS = 1024;
    /** How long a creative's media stays cached (within the origin's max-age): it never changes. */
    static final Duration AD_TTL = Duration.ofHours(1);
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern BREAK = Pattern.compile("[A-Za-z0-9._-]{1,96}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern FILE = Pattern.compile("init\\.mp4|seg_\\d{1,9}\\.m4s");
    private static final String DATERANGE = "#EXT-X-DATERANGE:";

    private final Vertx vertx;
    private final EdgeFetcher fetcher;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger reporting = new AtomicInteger();
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(EdgeSsai.class.getName());
    private final Counter podFetches;
    private final Counter podFailures;
    private final java.util.concurrent.atomic.AtomicLong lastFailureLog = new java.util.concurrent.atomic.AtomicLong();
    private final Counter reportsSent;
    private final Counter reportsFailed;
    private final Counter reportsDropped;
    private final long sweep;

    EdgeSsai(Vertx vertx, EdgeFetcher fetcher, MeterRegistry meters) {
        this.vertx = vertx;
        this.fetcher = fetcher;
        this.podFetches = pods(meters, "ok");
        this.podFailures = pods(meters, "failed");
        this.reportsSent = report(meters, "sent");
        this.reportsFailed = report(meters, "failed");
        this.reportsDropped = report(meters, "dropped");
        Gauge.builder("tributary_edge_ad_sessions", sessions, Map::size)
                .description("viewing sessions the edge splices ad pods for").register(meters);
        this.sweep = vertx.setPeriodic(30_000, t -> sweep(System.currentTimeMillis()));
    }

    private static Counter pods(MeterRegistry meters, String result) {
        return Counter.builder("tributary_edge_ad_pod_fetches_total")
                .description("session pods the edge asked its origins for (one per session per break), by result; a failed one plays the break as the shared playlist")
                .tag("result", result).register(meters);
    }

    private static Counter report(MeterRegistry meters, String outcome) {
        return Counter.builder("tributary_edge_ad_reports_total")
                .description("ad segments served by the edge and reported to the origin for their beacons, by outcome")
                .tag("outcome", outcome).register(meters);
    }

    void close() {
        vertx.cancelTimer(sweep);
    }

    /** The viewing session of a player request: the issued sid, the {@code sid} query, or CMCD {@code sid}; else null. */
    static String session(RoutingContext ctx) {
        String issued = SessionUris.sid(ctx);
        if (issued != null) {
            return issued;
        }
        String sid = ctx.request().getParam(SessionUris.PARAM); // as the origin: the sid in the URIs first, then CMCD's
        if (sid == null) {
            String q = ctx.request().getParam("CMCD");
            Cmcd c = q != null ? CmcdParser.parse(q) : CmcdParser.parseHeaders(ctx.request().getHeader("CMCD-Request"),
                    ctx.request().getHeader("CMCD-Object"), ctx.request().getHeader("CMCD-Status"),
                    ctx.request().getHeader("CMCD-Session"));
            sid = c.malformed() ? null : c.sessionId();
        }
        return sid != null && SESSION.matcher(sid).matches() ? sid : null;
    }

    /**
     * What to fetch for a session's playlist request: as asked when the edge splices nothing for it; else
     * never a delta update (the splice needs the whole playlist), and a blocking reload's msn, which counts
     * the session's segments, turned into the content's. Inside a pod it waits for the content segment under
     * the ad segment asked for (as long as the ad's, near enough: a splice that does not reveal it yet makes
     * the player ask again); after a pod whose end is not known yet, as if the pod replaced as many segments
     * as it has.
     */
    ContentKey upstreamKey(String sid, ContentKey key) {
        Session s = sessions.get(sid);
        if (s == null || !s.stream.equals(key.stream()) || key.directives().isEmpty()) {
            return key;
        }
        long msn = -1;
        String part = null;
        for (String d : key.directives().split("&")) {
            if (d.startsWith("_HLS_msn=")) {
                msn = parse(d.substring(9));
            } else if (d.startsWith("_HLS_part=")) {
                part = d.substring(10);
            }
        }
        if (msn < 0) {
            return new ContentKey(key.stream(), key.rendition(), key.object(), "");
        }
        long offset = s.base(key.rendition())[0];
        for (PodPlacement p : s.placements(key.rendition())) {
            if (p.missed() || p.adSegments() == 0 || p.firstMsn() < 0) {
                continue;
            }
            long first = p.firstMsn() + offset;
            if (msn < first) {
                break;
            }
            if (msn - first < p.adSegments()) {
                return new ContentKey(key.stream(), key.rendition(), key.object(), "_HLS_msn=" + (p.firstMsn() + msn - first));
            }
            if (!p.settled()) {
                break;
            }
            offset += p.adSegments() - (p.resumeMsn() - p.firstMsn());
        }
        long content = msn - offset;
        if (content < 0) {
            return new ContentKey(key.stream(), key.rendition(), key.object(), "");
        }
        return new ContentKey(key.stream(), key.rendition(), key.object(),
                "_HLS_msn=" + content + (part == null ? "" : "&_HLS_part=" + part));
    }

    private static long parse(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The session's copy of {@code shared} (a media playlist as the origin renders it for everyone): its
     * pods spliced in; null (as a result) when it gets the shared one (no break, every decision failed).
     */
    Future<String> playlist(String sid, ContentKey key, String shared) {
        List<Break> found = breaks(shared);
        Session s = sessions.get(sid);
        if (s == null) {
            if (found.isEmpty()) {
                return Future.succeededFuture(); // nothing to splice: no state for this session
            }
            s = sessions.computeIfAbsent(sid, k -> new Session(k, key.stream()));
            bound();
        }
        if (!s.stream.equals(key.stream())) {
            return Future.succeededFuture(); // a sid of another stream's session
        }
        s.lastSeen = System.currentTimeMillis();
        for (Break b : found) {
            s.pod(b.id(), () -> new Pod(b.id(), spec(sid, key.stream(), b.id())));
        }
        if (shared.contains("#EXT-X-SKIP:")) {
            return Future.succeededFuture(); // a delta update asked before the session was known: the next reload is whole
        }
        long tolerance = tolerance(shared);
        List<Future<PodPlacement>> placed = new ArrayList<>();
        for (Pod p : s.all()) {
            placed.add(p.placement(sid, key.rendition(), tolerance));
        }
        Session owner = s;
        return Future.join(placed).transform(x -> {
            List<PodPlacement> list = new ArrayList<>();
            for (Future<PodPlacement> f : placed) {
                if (f.succeeded() && f.result() != null) {
                    list.add(f.result());
                }
            }
            long[] base = owner.base(key.rendition());
            if (list.isEmpty() && base[0] == 0 && base[1] == 0) {
                return Future.succeededFuture();
            }
            return Future.succeededFuture(SplicedPlaylist.render(shared, list, base[0], base[1]));
        });
    }

    /** The session's pod, asked of the stream's origin (which asks the cluster's ad decision service). */
    private Future<Spec> spec(String sid, String stream, String breakId) {
        return fetcher.liveOrigin(stream)
                .compose(origin -> fetcher.fetchUncached(origin, "/ads/" + sid + "/" + breakId + "/pod.json?stream=" + stream))
                .map(o -> {
                    if (o.status() != 200) {
                        throw new IllegalStateException("origin answered " + o.status() + " for the pod of " + sid);
                    }
                    return Spec.parse(new JsonObject(o.body()));
                })
                .andThen(ar -> {
                    if (ar.succeeded()) {
                        podFetches.increment();
                        return;
                    }
                    podFailures.increment();
                    long now = System.nanoTime();
                    long last = lastFailureLog.get();
                    if (now - last > 10_000_000_000L && lastFailureLog.compareAndSet(last, now)) { // at most one line in 10 s
                        LOG.warning("edge SSAI: the pod of session " + sid + " for break " + breakId + " of " + stream + " failed ("
                                + ar.cause().getMessage() + "); the break plays as the shared playlist");
                    }
                });
    }

    /** A break as the shared playlist shows it: an EXT-X-DATERANGE with a planned duration (an ad break's start). */
    record Break(String id, long startDate, double seconds) {
    }

    /** The breaks a media playlist shows (each once), oldest first. */
    static List<Break> breaks(String playlist) {
        List<Break> out = new ArrayList<>(2);
        int from = 0;
        while ((from = playlist.indexOf(DATERANGE, from)) >= 0) {
            int eol = playlist.indexOf('\n', from);
            String line = playlist.substring(from, eol < 0 ? playlist.length() : eol);
            from += DATERANGE.length();
            if (line.contains("SCTE35-CMD=") || line.contains("CLASS=")) {
                continue; // a command, or someone else's date range (an interstitial): no break of ours
            }
            String id = quoted(line, "ID");
            String start = quoted(line, "START-DATE");
            String planned = plain(line, "PLANNED-DURATION");
            if (id == null || start == null || planned == null || !BREAK.matcher(id).matches()) {
                continue;
            }
            try {
                double seconds = Double.parseDouble(planned);
                Break b = new Break(id, Instant.parse(start.replace("+00:00", "Z")).toEpochMilli(), seconds);
                if (seconds > 0 && out.stream().noneMatch(o -> o.id().equals(id))) {
                    out.add(b);
                }
            } catch (NumberFormatException | DateTimeParseException e) {
                // a malformed range is no break
            }
        }
        return out;
    }

    private static String quoted(String line, String name) {
        int at = attribute(line, name + "=\"");
        if (at < 0) {
            return null;
        }
        int end = line.indexOf('"', at);
        return end < 0 ? null : line.substring(at, end);
    }

    private static String plain(String line, String name) {
        int at = attribute(line, name + "=");
        if (at < 0) {
            return null;
        }
        int end = line.indexOf(',', at);
        return line.substring(at, end < 0 ? line.length() : end).trim();
    }

    /** Where the value of attribute {@code prefix} starts (the attribute itself, not one ending in its name), or -1. */
    private static int attribute(String line, String prefix) {
        int at = line.indexOf(prefix);
        while (at > 0) {
            char before = line.charAt(at - 1);
            if (before == ':' || before == ',') {
                return at + prefix.length();
            }
            at = line.indexOf(prefix, at + 1);
        }
        return -1;
    }

    /** As the origin does: a segment this close to a boundary is at it; 0.4 target durations, at most 500 ms. */
    static long tolerance(String playlist) {
        int at = playlist.indexOf("#EXT-X-TARGETDURATION:");
        if (at < 0) {
            return 250;
        }
        int eol = playlist.indexOf('\n', at);
        long target = parse(playlist.substring(at + 22, eol < 0 ? playlist.length() : eol).trim());
        return target <= 0 ? 250 : Math.min(500, Math.round(target * 1000 * 0.4));
    }

    /**
     * {@code /ads/{session}/{break}/{ad}/{rendition}/{file}}: an ad object the session's splice names,
     * sent from the creative's shared VOD object (cached here once for every session); a segment is
     * then reported to the origin for the session's beacons.
     */
    void adObject(RoutingContext ctx) {
        String sid = ctx.pathParam("session");
        String breakId = ctx.pathParam("break");
        String rendition = ctx.pathParam("rendition");
        String file = ctx.pathParam("file");
        Session s = SESSION.matcher(sid).matches() ? sessions.get(sid) : null;
        Pod pod = s == null || !BREAK.matcher(breakId).matches() ? null : s.find(breakId);
        Spec spec = pod != null && pod.spec.succeeded() ? pod.spec.result() : null;
        int ad = (int) parse(ctx.pathParam("ad"));
        if (spec == null || !NAME.matcher(rendition).matches() || !FILE.matcher(file).matches() || !spec.lists(ad, rendition, file)) {
            throw StatusException.notFound("no such ad object for this session at this edge");
        }
        s.lastSeen = System.currentTimeMillis();
        String target = "/vod/" + spec.assets().get(ad) + "/" + rendition + "/" + file;
        String stream = s.stream;
        String path = ctx.request().path();
        fetcher.getRecorded(target, false, AD_TTL, () -> fetcher.liveOrigin(stream)).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause() instanceof StatusException e ? e : new StatusException(502, String.valueOf(ar.cause().getMessage())));
                return;
            }
            EdgeObject o = ar.result().object();
            if (o.status() != 200) {
                ctx.fail(new StatusException(o.status() == 404 ? 404 : 502, "the origin answered " + o.status() + " for " + target));
                return;
            }
            HttpServerResponse res = ctx.response();
            if (res.closed() || res.ended()) {
                return;
            }
            res.putHeader("X-Cache", ar.result().outcome().name());
            if (o.contentType() != null) {
                res.putHeader(HttpHeaders.CONTENT_TYPE, o.contentType());
            }
            // the URI is this session's alone: no shared cache downstream keeps it for others
            res.putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=86400").end(o.body());
            if (file.startsWith("seg_")) {
                report(stream, path);
            }
        });
    }

    /** Tells the origin the session got this ad segment, so the beacons it earns are sent (at most {@value #MAX_REPORTS} at once). */
    private void report(String stream, String path) {
        if (reporting.incrementAndGet() > MAX_REPORTS) {
            reporting.decrementAndGet();
            reportsDropped.increment();
            return;
        }
        fetcher.liveOrigin(stream).compose(origin -> fetcher.report(origin, path, SsaiModule.EDGE_SERVED_HEADER))
                .onComplete(ar -> {
                    reporting.decrementAndGet();
                    (ar.succeeded() && ar.result() == 204 ? reportsSent : reportsFailed).increment();
                });
    }

    /** Forgets sessions idle for {@value #IDLE_MINUTES} minutes. */
    void sweep(long now) {
        long idle = Duration.ofMinutes(IDLE_MINUTES).toMillis();
        sessions.values().removeIf(p -> now - p.lastSeen > idle);
    }

    /** Over the bound: the idlest hundredth go at once (one sort per that many new sessions). */
    private void bound() {
        int over = sessions.size() - MAX_SESSIONS;
        if (over <= 0) {
            return;
        }
        List<Session> all = new ArrayList<>(sessions.values());
        all.sort(Comparator.comparingLong(p -> p.lastSeen));
        int drop = Math.min(all.size(), Math.max(over, MAX_SESSIONS / 100));
        for (int i = 0; i < drop; i++) {
            sessions.remove(all.get(i).sid, all.get(i));
        }
    }

    int sessions() {
        return sessions.size();
    }

    /**
     * A pod as the origin answered it: the creatives' assets by ad index, and per content rendition the ad
     * media to list (the creative's nearest rendition, its files and durations).
     */
    record Spec(long startDate, List<String> assets, Map<String, List<Run>> renditions) {

        record Run(int ad, String rendition, List<String> files, List<Double> durations) {
        }

        static Spec parse(JsonObject json) {
            List<String> assets = new ArrayList<>();
            for (Object a : json.getJsonArray("ads", new JsonArray())) {
                String asset = a instanceof JsonObject o ? o.getString("asset", "") : "";
                assets.add(NAME.matcher(asset).matches() ? asset : null);
            }
            Map<String, List<Run>> renditions = new HashMap<>();
            JsonObject byName = json.getJsonObject("renditions", new JsonObject());
            for (String name : byName.fieldNames()) {
                List<Run> runs = new ArrayList<>();
                for (Object o : byName.getJsonArray(name, new JsonArray())) {
                    JsonObject r = (JsonObject) o;
                    int ad = r.getInteger("ad", -1);
                    String rendition = r.getString("rendition", "");
                    List<String> files = new ArrayList<>();
                    List<Double> durations = new ArrayList<>();
                    JsonArray f = r.getJsonArray("files", new JsonArray());
                    JsonArray d = r.getJsonArray("durations", new JsonArray());
                    for (int i = 0; i < f.size() && i < d.size(); i++) {
                        if (FILE.matcher(f.getString(i)).matches()) {
                            files.add(f.getString(i));
                            durations.add(d.getDouble(i));
                        }
                    }
                    if (ad >= 0 && ad < assets.size() && assets.get(ad) != null && NAME.matcher(rendition).matches() && !files.isEmpty()) {
                        runs.add(new Run(ad, rendition, files, durations));
                    }
                }
                renditions.put(name, runs);
            }
            return new Spec(json.getLong("startDate", 0L), assets, renditions);
        }

        /** Whether the splice of some rendition names this ad's {@code file} in {@code rendition}. */
        boolean lists(int ad, String rendition, String file) {
            for (List<Run> runs : renditions.values()) {
                for (Run r : runs) {
                    if (r.ad() == ad && r.rendition().equals(rendition) && (file.equals("init.mp4") || r.files().contains(file))) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** One session's pod for one break: the origin's answer, and where it sits in each rendition. */
    static final class Pod {

        final String breakId;
        final Future<Spec> spec;
        private final ConcurrentHashMap<String, Future<PodPlacement>> placements = new ConcurrentHashMap<>();

        Pod(String breakId, Future<Spec> spec) {
            this.breakId = breakId;
            this.spec = spec;
        }

        /** The pod in {@code rendition}, built once (so every reload numbers alike); null when it has no ads there. */
        Future<PodPlacement> placement(String sid, String rendition, long toleranceMs) {
            return placements.computeIfAbsent(rendition, r -> spec.map(sp -> {
                List<AdRun> runs = new ArrayList<>();
                for (Spec.Run run : sp.renditions().getOrDefault(r, List.of())) {
                    String base = "/ads/" + sid + "/" + breakId + "/" + run.ad() + "/" + run.rendition() + "/";
                    List<String> uris = new ArrayList<>(run.files().size());
                    for (String f : run.files()) {
                        uris.add(base + f);
                    }
                    runs.add(new AdRun(base + "init.mp4", uris, run.durations()));
                }
                return runs.isEmpty() ? null : new PodPlacement(breakId, sp.startDate(), runs, toleranceMs);
            }).otherwise((PodPlacement) null));
        }

        /** The placement built so far in {@code rendition}, or null. */
        PodPlacement placed(String rendition) {
            Future<PodPlacement> f = placements.get(rendition);
            return f != null && f.succeeded() ? f.result() : null;
        }

        java.util.Set<String> renditions() {
            return placements.keySet();
        }
    }

    /** One viewing session's pods, by break, oldest first, as the origin's sessions keep them. */
    static final class Session extends PodHistory<Pod> {

        final String sid;
        final String stream;
        volatile long lastSeen = System.currentTimeMillis();

        Session(String sid, String stream) {
            super(MAX_PODS, Pod::renditions, Pod::placed);
            this.sid = sid;
            this.stream = stream;
        }

        /** The placements of {@code rendition} built so far, by start date. */
        List<PodPlacement> placements(String rendition) {
            List<PodPlacement> out = new ArrayList<>();
            for (Pod p : all()) {
                PodPlacement placed = p.placed(rendition);
                if (placed != null) {
                    out.add(placed);
                }
            }
            out.sort(Comparator.comparingLong(PodPlacement::startDate));
            return out;
        }
    }

    static String text(io.vertx.core.buffer.Buffer b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
