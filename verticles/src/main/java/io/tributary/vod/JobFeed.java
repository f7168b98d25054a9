package io.tributary.vod;

import io.tributary.StatusException;
import io.tributary.auth.Role;
import io.tributary.http.ConnectionGate;
import io.tributary.ops.OpsLogin;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code /ws/jobs}: transcode jobs as they move, for operator pages. A socket gets
 * {@code {"jobs": [...]}} (the recent jobs, as {@code GET /api/v1/jobs/{id}} gives them, with their
 * asset's title) when it opens, then {@code {"event": {...}}} for every job event of the cluster
 * ({@code job.queued}, {@code job.started}, {@code job.progress} with percent, media time done,
 * speed and ETA, {@code job.done}, {@code job.failed}). A socket that cannot keep up skips events and
 * gets a fresh list once it drains. The content events are heard only while a socket is open, on the
 * event loop that accepted it (one feed per HTTP router, so per delivery verticle instance). With
 * accounts, a socket is fed only once an editor or admin signed in on it, as on {@code /ws/ops}.
 */
final class JobFeed {

    private static final Logger LOG = Logger.getLogger(JobFeed.class.getName());
    /** Operator pages are few; this bounds what one client can make the node hold. */
    static final int MAX_SOCKETS = 64;
    /** Jobs in the list a socket opens with. */
    static final int RECENT_JOBS = 50;
    /** A socket whose write queue stays full for this many events is closed. */
    static final int MAX_SKIPPED = 200;
    private static final int WRITE_QUEUE_BYTES = 256 * 1024;
    private static final Set<String> JOB_EVENTS = Set.of("job.queued", "job.started", "job.progress", "job.done", "job.failed");

    /** Jobs are catalog work: who may watch them (admins too). */
    static final Role ROLE = Role.EDITOR;

    private final VodCatalog catalog;
    /** socket -> events skipped since its queue filled (it gets the list again when it drains) */
    private final Map<ServerWebSocket, Integer> sockets = new LinkedHashMap<>();
    private MessageConsumer<JsonObject> events;
    private long pings = -1;
    private Vertx vertx;
    /** Under the default http.idle-timeout (60 s). */
    static final long PING_MS = 20_000;

    JobFeed(VodCatalog catalog) {
        this.catalog = catalog;
    }

    /**
     * The {@code GET /ws/jobs} route. On a node with accounts, a socket is fed once its first message
     * carried the token of an editor or admin ({@link OpsLogin}, as {@code /ws/ops}), or the upgrade
     * carried it as {@code Authorization: Bearer}.
     */
    void accept(RoutingContext ctx) {
        if (!ctx.request().canUpgradeToWebSocket()) {
            throw StatusException.badRequest("/ws/jobs is a WebSocket endpoint: send an Upgrade: websocket request");
        }
        if (sockets.size() >= MAX_SOCKETS) {
            throw new StatusException(503, "too many job feeds open on this node (" + MAX_SOCKETS + ")");
        }
        vertx = ctx.vertx();
        OpsLogin.upgrade(ctx, ROLE, "/ws/jobs", ws -> {
            ws.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
            ws.exceptionHandler(e -> forget(ws));
            ws.closeHandler(v -> {
                forget(ws);
                ConnectionGate.closed(ctx);
            });
        }, this::feed);
    }

    private void feed(ServerWebSocket ws) {
        if (ws.isClosed()) {
            return;
        }
        if (sockets.size() >= MAX_SOCKETS) {
            ws.close((short) 1013, "too many job feeds open on this node");
            return;
        }
        sockets.put(ws, 0);
        if (events == null) {
            events = vertx.eventBus().consumer(ContentEvents.ADDRESS, m -> event(m.body()));
            // no job may move for a long while: a ping keeps the sockets past http.idle-timeout
            pings = vertx.setPeriodic(PING_MS, t -> sockets.keySet().forEach(s -> {
                if (!s.isClosed() && !s.writeQueueFull()) {
                    s.writePing(Buffer.buffer());
                }
            }));
        }
        snapshot(ws);
    }

    private void forget(ServerWebSocket ws) {
        sockets.remove(ws);
        if (sockets.isEmpty() && events != null) {
            events.unregister();
            events = null;
            vertx.cancelTimer(pings);
        }
    }

    /** The recent jobs, to one socket. */
    private void snapshot(ServerWebSocket ws) {
        catalog.recentJobs(RECENT_JOBS).onSuccess(jobs -> {
            if (sockets.containsKey(ws) && !ws.isClosed()) {
                ws.writeTextMessage(new JsonObject().put("jobs", jobs).encode());
            }
        }).onFailure(e -> LOG.log(Level.FINE, "job feed: the recent jobs not read", e));
    }

    private void event(JsonObject e) {
        if (!JOB_EVENTS.contains(e.getString("type"))) {
            return;
        }
        String frame = new JsonObject().put("event", e).encode();
        for (Map.Entry<ServerWebSocket, Integer> s : new ArrayList<>(sockets.entrySet())) {
            ServerWebSocket ws = s.getKey();
            int skipped = s.getValue();
            if (ws.isClosed()) {
                forget(ws); // closed before its close handler ran
            } else if (ws.writeQueueFull()) {
                if (skipped + 1 >= MAX_SKIPPED) {
                    forget(ws);
                    ws.close((short) 1008, "too slow to read the feed");
                } else {
                    sockets.put(ws, skipped + 1);
                }
            } else if (skipped > 0) {
                sockets.put(ws, 0);
                snapshot(ws); // what it missed, as a whole
            } else {
                ws.writeTextMessage(frame);
            }
        }
    }
}
