package io.tributary.session;

import io.tributary.http.ConnectionGate;
import io.tributary.StatusException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;

/**
 * Player beacons: {@code POST /api/v1/qoe} (202) and {@code /ws/qoe} (one beacon per text frame).
 * Oversized or malformed beacons get 400 (WebSocket: an error reply; oversized closes with 1009),
 * a flood from one address 429, a beacon for a stream this node does not have (or an asset nobody plays
 * here: its meters are made by a viewer's request, never by a beacon) 404; a beacon whose
 * {@code sid} is not a session of that stream this node served media to is ignored (403, counted in
 * {@code tributary_qoe_beacons_rejected_total}), one past its session's rate 429.
 */
final class QoeBeacons {

    private static final String REGION_HEADER = "X-Region";

    private final PlaybackSessions sessions;

    QoeBeacons(PlaybackSessions sessions) {
        this.sessions = sessions;
    }

    // ---- HTTP ----

    /** Before the body is read: a flooding address is refused cheaply. */
    void limit(RoutingContext ctx) {
        if (!sessions.limiter().allow(address(ctx.request().remoteAddress()), System.nanoTime())) {
            sessions.beaconResult("http", "rate_limited");
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            throw new StatusException(429, "too many beacons from this address (limit "
                    + sessions.config().qoe().beaconRate() + "/s)");
        }
        ctx.next();
    }

    void post(RoutingContext ctx) {
        String text = ctx.body().asString();
        if (text == null || text.isEmpty()) {
            sessions.beaconResult("http", "malformed");
            throw StatusException.badRequest("beacon body is empty");
        }
        StatusException problem = accept(text, ctx.request().getHeader(REGION_HEADER), "http");
        if (problem != null) {
            throw problem;
        }
        ctx.response().setStatusCode(202).end();
    }

    /** The body handler refuses a body over the limit with 413; beacons answer 400 naming it. */
    void postFailure(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            sessions.beaconResult("http", "oversized");
            ctx.fail(StatusException.badRequest("beacon larger than " + Beacon.MAX_BYTES + " bytes"));
            return;
        }
        ctx.next();
    }

    // ---- WebSocket ----

    void upgrade(RoutingContext ctx) {
        String region = ctx.request().getHeader(REGION_HEADER);
        String address = address(ctx.request().remoteAddress());
        ctx.request().toWebSocket().onSuccess(ws -> {
            ws.closeHandler(v -> ConnectionGate.closed(ctx));
            ws.textMessageHandler(text -> frame(ws, address, region, text));
            ws.binaryMessageHandler(b -> {
                sessions.beaconResult("ws", "malformed");
                reply(ws, 400, "beacons are JSON text frames");
            });
        }).onFailure(t -> {
            if (!ctx.response().ended()) {
                ctx.fail(StatusException.badRequest("/ws/qoe needs a WebSocket upgrade"));
            }
        });
    }

    private void frame(ServerWebSocket ws, String address, String region, String text) {
        if (!sessions.limiter().allow(address, System.nanoTime())) {
            sessions.beaconResult("ws", "rate_limited");
            reply(ws, 429, "too many beacons from this address (limit " + sessions.config().qoe().beaconRate() + "/s)");
            return;
        }
        if (oversized(text)) {
            sessions.beaconResult("ws", "oversized");
            ws.close((short) 1009, "beacon larger than " + Beacon.MAX_BYTES + " bytes");
            return;
        }
        StatusException problem = accept(text, region, "ws");
        if (problem != null) {
            reply(ws, problem.status(), problem.getMessage());
        }
    }

    private static boolean oversized(String text) {
        return text.length() > Beacon.MAX_BYTES
                || (text.length() > Beacon.MAX_BYTES / 3 && text.getBytes(StandardCharsets.UTF_8).length > Beacon.MAX_BYTES);
    }

    private static void reply(ServerWebSocket ws, int status, String error) {
        if (!ws.isClosed()) {
            ws.writeTextMessage(new JsonObject().put("status", status).put("error", error).encode());
        }
    }

    // ---- both ----

    /** Validates and applies one beacon; the problem when it was refused, else null. */
    private StatusException accept(String text, String regionHeader, String source) {
        Beacon b;
        try {
            b = Beacon.parse(text);
        } catch (StatusException e) {
            sessions.beaconResult(source, "malformed");
            return e;
        }
        StreamQoe q = sessions.qoe(b.stream());
        if (q == null) {
            sessions.beaconResult(source, "unknown_stream");
            sessions.unknownStream();
            return StatusException.notFound(b.stream().startsWith(PlaybackSessions.VOD_PREFIX)
                    ? "asset '" + b.stream().substring(PlaybackSessions.VOD_PREFIX.length()) + "' is not played on this node"
                    : "stream '" + b.stream() + "' is not live on this node");
        }
        // only a session this node saw on a media request of that stream reports, at a bounded rate:
        // a stranger's forged beacons change no metric
        PlaybackSession session = sessions.session(b.sid());
        QoeSettings qs = sessions.config().qoe();
        String reject = b.sid() == null ? "no_session" : session == null ? "unknown_session"
                : !session.stream.equals(b.stream()) ? "wrong_stream"
                : !session.beaconAllowed(qs.sessionBeaconRate(), qs.sessionBeaconBurst(), System.nanoTime()) ? "session_rate" : null;
        if (reject != null) {
            sessions.beaconRejected(reject);
            return reject.equals("session_rate")
                    ? new StatusException(429, "too many beacons for this session (limit " + qs.sessionBeaconRate() + "/s)")
                    : new StatusException(403, "beacon ignored: " + (b.sid() == null ? "no sid"
                    : "sid is not a session of stream '" + b.stream() + "' that this node served"));
        }
        q.used(System.nanoTime());
        sessions.apply(b, q, qs.region(regionHeader));
        sessions.beaconResult(source, "accepted");
        return null;
    }

    private static String address(SocketAddress a) {
        return a == null ? "unknown" : a.hostAddress() != null ? a.hostAddress() : String.valueOf(a.host());
    }
}
