package io.tributary.ingest;

import io.tributary.log.LogContext;
import io.tributary.live.Publication;
import io.tributary.live.Publications;
import io.tributary.live.PublishException;
import io.tributary.live.PublishSource;
import io.tributary.media.rtmp.RtmpEvent;
import io.tributary.media.rtmp.RtmpLimits;
import io.tributary.media.rtmp.RtmpProtocolException;
import io.tributary.media.rtmp.RtmpServerSession;
import io.tributary.metrics.NodeMetrics;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One RTMP connection translated into the publication API: bytes in go through the
 * sans-IO session, a publish request opens a {@link Publication}, media events go to it,
 * the session's outbound bytes go back to the socket. Any fault closes this connection
 * only; the stream it fed waits for a reconnect like after any drop. While a publish
 * waits for its key's cluster claim the connection reads nothing and handles nothing.
 */
final class RtmpPublisher implements PublishSource {

    private static final Logger LOG = Logger.getLogger(RtmpPublisher.class.getName());
    /** Input kept while a publish opens; beyond it the socket is paused until the publication answers. */
    static final long MAX_DEFERRED_BYTES = 1 << 20;

    private final long id;
    private final NetSocket socket;
    private final Publications publications;
    private final NodeMetrics metrics;
    private final RtmpServerSession session;
    /** Decoded events not handled yet: the rest of a batch while a publish is opening. */
    private final ArrayDeque<RtmpEvent> queued = new ArrayDeque<>();
    /** Input the socket still delivered after it was paused for a claim. */
    private final List<Buffer> deferred = new ArrayList<>();
    private long deferredBytes;
    /** Reading stopped because too much input waited for the publication to open. */
    private boolean heldBack;
    private Publication publication;
    private boolean closing;
    /** A publish waits for its publication to open. */
    private boolean opening;
    /** The peer or the network closed the connection. */
    private boolean closed;
    /**
     * A peer that sends nothing for {@code rtmp.idle-timeout} is closed ({@link IdleSweep}). Counted only
     * while the node reads: a publisher the node holds back (its stream's writer is behind, or its publish
     * is opening) is not idle, however long the hold (a socket idle timeout would count the hold and cut it).
     */
    private long lastReadNanos = System.nanoTime();
    /** The publication asked this connection to stop reading (its writer is behind). */
    private boolean pausedForWriter;
    private final IdleSweep idle;

    RtmpPublisher(long id, NetSocket socket, RtmpLimits limits, Publications publications, NodeMetrics metrics, IdleSweep idle) {
        this.id = id;
        this.idle = idle;
        this.socket = socket;
        this.publications = publications;
        this.metrics = metrics;
        this.session = new RtmpServerSession(limits);
    }

    void start() {
        metrics.rtmpConnection();
        socket.handler(this::received);
        idle.add(this);
        socket.closeHandler(v -> {
            idle.remove(this);
            closed = true;
            session.close();
            released();
        });
        socket.exceptionHandler(e -> LOG.log(Level.FINE, "rtmp connection " + id + ": " + e));
    }

    /** Closes the connection when it is read and has been silent for {@code idleNanos} (the sweep's call). */
    void closeIfIdle(long now, long idleNanos) {
        if (!closing && !closed && !pausedForWriter && !heldBack && !opening && now - lastReadNanos > idleNanos) {
            LOG.info("closing rtmp connection " + id + ": nothing received for " + idleNanos / 1_000_000_000 + " s");
            closing = true;
            socket.close();
        }
    }

    private void received(Buffer buffer) {
        lastReadNanos = System.nanoTime();
        if (closing) {
            return;
        }
        if (opening) {
            deferred.add(buffer);
            deferredBytes += buffer.length();
            if (deferredBytes > MAX_DEFERRED_BYTES && !heldBack) {
                heldBack = true; // a client that keeps sending while its publish opens waits for it
                socket.pause();
            }
            return;
        }
        guarded(() -> {
            if (publication != null) {
                publication.countBytes(buffer.length());
            }
            queued.addAll(session.receive(buffer.getBytes()));
            drain();
        });
    }

    /** One step of the connection, its answers flushed; any fault closes the connection. */
    private void guarded(Runnable step) {
        try {
            step.run();
            flush();
        } catch (RtmpProtocolException e) {
            fail(e.overLimit() ? "over_limit" : "protocol_error",
                    (e.overLimit() ? "over its limits: " : "RTMP protocol error: ") + e.getMessage());
        } catch (PublishException e) {
            failed(e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rtmp connection " + id + " failed", e);
            fail("internal_error", e.toString());
        }
    }

    /** Handles the queued events in order, until none is left or a publish waits to open. */
    private void drain() {
        while (!closing && !opening && !queued.isEmpty()) {
            handle(queued.poll());
        }
    }

    private void handle(RtmpEvent event) {
        // Java 17: no pattern matching for switch yet
        if (event instanceof RtmpEvent.PublishRequested p) {
            io.tributary.live.PublishGate.Credentials c = io.tributary.live.PublishGate.Credentials.parse(p.streamKey(), p.query());
            publish(c.key(), c.secret());
        } else if (publication == null) {
            if (event instanceof RtmpEvent.Connected c) {
                LOG.fine(() -> "rtmp connection " + id + " connected to app " + c.app());
            }
        } else if (event instanceof RtmpEvent.Media m) {
            publication.accept(m.event());
        } else if (event instanceof RtmpEvent.Unpublished) {
            released();
        }
    }

    private void publish(String key, String secret) {
        opening = true;
        publications.open(key, secret, "rtmp", this).onComplete(ar -> {
            opening = false;
            lastReadNanos = System.nanoTime(); // the wait for the publication is no peer's silence
            guarded(() -> {
                if (ar.failed()) {
                    refused(ar.cause());
                    return;
                }
                if (closed || closing) {
                    ar.result().close(); // gone while it opened: the stream waits for a reconnect as after any drop
                    return;
                }
                publication = ar.result();
                session.acceptPublish();
                // media the client sent before our answer was held by the session: it comes before the rest
                List<RtmpEvent> held = session.receive(new byte[0]);
                for (int i = held.size() - 1; i >= 0; i--) {
                    queued.addFirst(held.get(i));
                }
                drain();
            });
            List<Buffer> early = List.copyOf(deferred);
            deferred.clear();
            deferredBytes = 0;
            if (heldBack) {
                heldBack = false;
                resume();
            }
            early.forEach(this::received);
        });
    }

    private void refused(Throwable cause) {
        if (!(cause instanceof PublishException e)) {
            LOG.log(Level.WARNING, "opening a publication on connection " + id + " failed", cause);
            fail("internal_error", cause.toString());
            return;
        }
        if (closed) {
            return;
        }
        metrics.rtmpRejected(e.reason());
        LOG.info(() -> "publish refused on connection " + id + ": " + e.getMessage());
        session.rejectPublish(e.kind() == PublishException.Kind.BAD_NAME ? "NetStream.Publish.BadName"
                : "NetStream.Publish.Rejected", e.getMessage());
        flush();
        closing = true;
        socket.close();
    }

    // ---- PublishSource: what the publication asks of this connection ----

    @Override
    public void pause() {
        pausedForWriter = true;
        socket.pause();
    }

    /** What arrives before the publication opens is deferred, and handled in order once it has. */
    @Override
    public void resume() {
        pausedForWriter = false;
        lastReadNanos = System.nanoTime(); // idle from now on, not from before the hold
        if (!closing && !closed) {
            socket.resume();
        }
    }

    @Override
    public boolean active() {
        return !closed && !closing;
    }

    @Override
    public void takenOver() {
        LOG.info(() -> "connection " + id + " was taken over by a new publisher"
                + (publication != null ? " on " + publication.key() : ""));
        closing = true;
        publication = null; // the stream belongs to the new publisher now
        socket.close();
    }

    /** NetConnection.Connect.AppShutdown is the status RTMP servers give when the application goes away. */
    @Override
    public void shutdown(String why) {
        if (closed || closing) {
            return;
        }
        session.failPublish("NetConnection.Connect.AppShutdown", why);
        flush();
        LOG.info(() -> "closing rtmp connection " + id + (publication != null ? " (stream " + publication.key() + ")" : "")
                + ": " + why);
        closing = true;
        released();
        socket.close();
    }

    @Override
    public void failed(PublishException e) {
        if (e.kind() == PublishException.Kind.REJECTED) {
            session.failPublish("NetStream.Publish.Rejected", e.getMessage());
            flush();
        }
        fail(e.reason(), e.getMessage());
    }

    @Override
    public String describe() {
        return "rtmp connection " + id + ", " + socket.remoteAddress();
    }

    private void fail(String reason, String message) {
        metrics.rtmpRejected(reason);
        try (LogContext c = LogContext.stream(publication != null ? publication.key() : null)) {
            LOG.info(() -> "closing rtmp connection " + id + (publication != null ? " (stream " + publication.key() + ")" : "")
                    + ": " + message);
        }
        closing = true;
        released();
        socket.close();
    }

    /** Publisher gone, for whatever reason: the stream waits for a reconnect. */
    private void released() {
        if (publication != null) {
            Publication p = publication;
            publication = null;
            p.close();
            try (LogContext c = LogContext.stream(p.key())) {
                LOG.info(() -> "publish stopped: " + p.key() + " (connection " + id + ")");
            }
        }
    }

    private void flush() {
        byte[] out = session.drainOutbound();
        if (out.length > 0) {
            socket.write(Buffer.buffer(out));
        }
    }
}
