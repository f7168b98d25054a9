package io.tributary.session;

import io.tributary.StatusException;
import io.tributary.config.StreamKeys;
import io.tributary.live.LiveStream;
import io.tributary.media.cmcd.Cmcd;
import io.tributary.media.cmcd.CmcdParser;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs before every {@code /live/*} route, and every {@code /vod/*} one: reads CMCD (query or headers),
 * attributes the request to a session (CMCD {@code sid}, else the {@code sid} query parameter the node
 * issued), starts sessions on a multivariant playlist or MPD, and once the response is sent records its
 * bytes, the rung it asked for and a 4xx/5xx. All in memory; nothing here blocks or writes the cluster.
 * An asset ({@code vod:{id}}) is asked about once, when it has no meters here yet: only a playable one
 * gets them, so an invented id makes no label.
 */
final class SessionRequests {

    private static final String REGION_HEADER = "X-Region";

    private final PlaybackSessions sessions;
    /** Null: the live hook. */
    private final PlayableAssets assets;
    private final String prefix;

    SessionRequests(PlaybackSessions sessions, PlayableAssets assets) {
        this.sessions = sessions;
        this.assets = assets;
        this.prefix = assets == null ? "/live/" : "/vod/";
    }

    void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String path = req.path();
        int keyEnd = path.indexOf('/', prefix.length());
        if (!path.startsWith(prefix) || keyEnd < 0 || req.headers().contains(PlaybackSessions.EDGE_FETCH_HEADER)) {
            ctx.next();
            return;
        }
        String name = path.substring(prefix.length(), keyEnd);
        String rest = path.substring(keyEnd + 1);
        if (assets == null) {
            attribute(ctx, name, rest, sessions.qoe(name));
            return;
        }
        String key = PlaybackSessions.vodKey(name);
        StreamQoe known = sessions.qoe(key);
        if (known != null || !StreamKeys.valid(name)) {
            attribute(ctx, key, rest, known);
            return;
        }
        assets.rungs(name).onComplete(ar -> attribute(ctx, key, rest,
                ar.succeeded() && ar.result() != null ? sessions.assetQoe(key, ar.result()) : null));
    }

    /** {@code q}: the content's meters, null when it does not exist here (the request is served, nothing attributed). */
    private void attribute(RoutingContext ctx, String key, String rest, StreamQoe q) {
        HttpServerRequest req = ctx.request();
        int slash = rest.indexOf('/');
        boolean entry = slash < 0 && (rest.equals("index.m3u8") || rest.equals("manifest.mpd"));
        String rendition = slash < 0 ? null : rest.substring(0, slash);
        boolean media = slash >= 0 && (rest.endsWith(".m4s"));

        Cmcd cmcd = cmcd(req);
        if (cmcd.malformed()) {
            sessions.cmcdMalformed();
            cmcd = Cmcd.NONE;
        }
        if (q == null) {
            if (cmcd.present()) {
                sessions.unknownStream();
            }
            ctx.next();
            return;
        }
        String querySid = req.getParam(SessionUris.PARAM);
        if (querySid != null && !SessionUris.valid(querySid)) {
            ctx.fail(StatusException.badRequest("sid must be 1 to 64 letters, digits, '.', '-' or '_'"));
            return;
        }
        String sid = cmcd.sessionId() != null ? cmcd.sessionId() : querySid;
        boolean carry = cmcd.sessionId() == null;
        String region = sessions.config().qoe().region(req.getHeader(REGION_HEADER));

        PlaybackSession session = sessions.session(sid);
        if (session == null && (entry || sid != null)) {
            if (sid == null) {
                sid = PlaybackSessions.newSid();
            }
            session = sessions.start(sid, q, region, entry ? (rest.equals("manifest.mpd") ? "mpd" : "multivariant") : "resume");
        }
        if (session != null && !session.stream.equals(key)) {
            session = null; // a sid of another stream's session: serve, attribute nothing
        }
        q.used(System.nanoTime());
        if (session != null) {
            session.touch(System.currentTimeMillis(), System.nanoTime());
            if (carry) {
                ctx.put(SessionUris.CONTEXT_KEY, session.sid);
            }
        }
        if (cmcd.present()) {
            sessions.beaconResult("cmcd", "accepted");
            cmcd(q, session, cmcd, region);
        }
        PlaybackSession s = session;
        ctx.addEndHandler(v -> ended(ctx.response(), q, s, media ? rendition : null));
        ctx.next();
    }

    private static Cmcd cmcd(HttpServerRequest req) {
        String query = req.getParam("CMCD");
        if (query != null) {
            return CmcdParser.parse(query);
        }
        return CmcdParser.parseHeaders(req.getHeader("CMCD-Request"), req.getHeader("CMCD-Object"),
                req.getHeader("CMCD-Status"), req.getHeader("CMCD-Session"));
    }

    private void cmcd(StreamQoe q, PlaybackSession session, Cmcd cmcd, String region) {
        if (cmcd.bufferLengthMs() >= 0) {
            q.bufferLength(cmcd.bufferLengthMs() / 1000.0);
            if (session != null) {
                session.cmcdBuffer();
            }
        }
        if (cmcd.throughputKbps() >= 0) {
            q.throughput(cmcd.throughputBytesPerSecond());
        }
        // a player that beacons reports its stalls itself, with their length
        if (cmcd.bufferStarvation() && (session == null || !session.sendsBeacons())) {
            q.rebuffer(region);
            sessions.events().publish("rebuffer", session == null ? "" : session.sid, q.stream,
                    new JsonObject().put("source", "cmcd"));
        }
    }

    /** After the response: bytes, rung switches on media objects, and the node-observed errors. */
    private void ended(HttpServerResponse res, StreamQoe q, PlaybackSession session, String mediaRendition) {
        int status = res.getStatusCode();
        long bytes = res.bytesWritten();
        q.served(bytes);
        if (status >= 400) {
            String type = status >= 500 ? "http_5xx" : "http_4xx";
            q.error(type);
            if (session != null) {
                sessions.events().publish("error", session.sid, q.stream,
                        new JsonObject().put("source", "node").put("kind", type).put("status", status));
            }
        }
        if (session == null) {
            return;
        }
        session.served(bytes);
        if (status < 300 && mediaRendition != null && !mediaRendition.equals(LiveStream.AUDIO)) {
            String previous = session.rung(mediaRendition);
            if (previous != null) {
                Boolean up = sessions.direction(q.stream, previous, mediaRendition);
                JsonObject f = new JsonObject().put("source", "node").put("from", previous).put("to", mediaRendition);
                if (up != null) {
                    q.switched(up);
                    f.put("direction", up ? "up" : "down");
                }
                sessions.events().publish("switch", session.sid, q.stream, f);
            }
        }
    }
}
