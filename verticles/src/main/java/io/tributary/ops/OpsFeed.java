package io.tributary.ops;

import io.tributary.http.ConnectionGate;
import io.tributary.StatusException;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /ws/ops}: pushes {@code {"streams": [...], "sessions": {...}}} to operator pages once a
 * period. One timer per delivery verticle instance, whatever the number of sockets: the frame is
 * built once per tick and only while someone listens. Confined to the owning verticle's event loop
 * (its timer and the sockets its HTTP server accepted both run there).
 */
public final class OpsFeed {

    /** The sessions summary before anything tracks sessions: no sessions, no streams. */
    public static final Supplier<JsonObject> NO_SESSIONS = () -> new JsonObject().put("sessions", 0).put("streams", new JsonArray());

    /** Operator pages are few; this bounds what one client can make the node hold. */
    static final int MAX_SOCKETS = 64;
    /** A socket whose write queue stayed full this many ticks is closed, not fed. */
    static final int MAX_STALLED_TICKS = 30;
    private static final int WRITE_QUEUE_BYTES = 256 * 1024;

    private final Vertx vertx;
    private final Supplier<JsonArray> streams;
    private final Supplier<JsonObject> sessions;
    /** socket -> consecutive ticks skipped because its write queue was full */
    private final Map<ServerWebSocket, Integer> sockets = new LinkedHashMap<>();
    private final long timer;

    public OpsFeed(Vertx vertx, long periodMs, Supplier<JsonArray> streams, Supplier<JsonObject> sessions) {
        this.vertx = vertx;
        this.streams = streams;
        this.sessions = sessions;
        this.timer = vertx.setPeriodic(periodMs, id -> tick());
    }

    /** The {@code GET /ws/ops} route: upgrades, sends the current state at once, then every tick. */
    public void accept(RoutingContext ctx) {
        if (!ctx.request().canUpgradeToWebSocket()) {
            throw StatusException.badRequest("/ws/ops is a WebSocket endpoint: send an Upgrade: websocket request");
        }
        if (sockets.size() >= MAX_SOCKETS) {
            throw new StatusException(503, "too many operator feeds open on this node (" + MAX_SOCKETS + ")");
        }
        OpsLogin.upgrade(ctx, OpsLogin.ROLE, "/ws/ops", ws -> {
            ws.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
            ws.exceptionHandler(e -> sockets.remove(ws));
            ws.closeHandler(v -> {
                sockets.remove(ws);
                ConnectionGate.closed(ctx);
            });
        }, this::feed);
    }

    private void feed(ServerWebSocket ws) {
        if (ws.isClosed()) {
            return;
        }
        if (sockets.size() >= MAX_SOCKETS) {
            ws.close((short) 1013, "too many operator feeds open on this node");
            return;
        }
        {
            sockets.put(ws, 0);
            // the first state goes out on the next turn of the loop, once the 101 response has left:
            // a large frame written in the same turn reached clients still parsing the handshake
            vertx.runOnContext(v -> {
                if (sockets.containsKey(ws)) {
                    ws.writeTextMessage(frame());
                }
            });
        }
    }

    /** Sockets open on this instance. */
    public int size() {
        return sockets.size();
    }

    private String frame() {
        return new JsonObject().put("streams", streams.get()).put("sessions", sessions.get()).encode();
    }

    private void tick() {
        if (sockets.isEmpty()) {
            return;
        }
        String frame = frame();
        for (Map.Entry<ServerWebSocket, Integer> e : new ArrayList<>(sockets.entrySet())) {
            ServerWebSocket ws = e.getKey();
            if (ws.isClosed()) {
                sockets.remove(ws); // closed between its close handler's turn and this tick: writing would throw
            } else if (!ws.writeQueueFull()) {
                sockets.put(ws, 0);
                ws.writeTextMessage(frame);
            } else if (e.getValue() + 1 >= MAX_STALLED_TICKS) {
                // a reader this slow sees stale numbers anyway: let it reconnect
                sockets.remove(ws);
                ws.close((short) 1008, "too slow to read the feed");
            } else {
                sockets.put(ws, e.getValue() + 1);
            }
        }
    }

    public void close() {
        vertx.cancelTimer(timer);
        for (ServerWebSocket ws : new ArrayList<>(sockets.keySet())) {
            ws.close();
        }
        sockets.clear();
    }
}
