package io.tributary.ingest.srt;

import io.tributary.log.LogContext;
import io.tributary.live.Publication;
import io.tributary.live.PublishException;
import io.tributary.live.PublishSource;
import io.tributary.live.Publications;
import io.tributary.media.MediaEvent;
import io.tributary.media.Track;
import io.tributary.media.srt.SrtConnection;
import io.tributary.media.srt.SrtListener;
import io.tributary.media.srt.SrtReject;
import io.tributary.media.srt.SrtStats;
import io.tributary.media.ts.TsDemuxer;
import io.tributary.media.ts.TsFormatException;
import io.tributary.metrics.NodeMetrics;

import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One SRT caller translated into the publication API. The handshake waits for the
 * publication to open, so a key the node refuses (not allowed, already published,
 * draining) is refused in the handshake with a reject reason the caller sees; once
 * accepted, delivered MPEG-TS goes through the TS demuxer into the publication. Any
 * fault closes this connection only.
 */
final class SrtPublisher implements PublishSource {

    private static final Logger LOG = Logger.getLogger(SrtPublisher.class.getName());

    private final SrtConnection connection;
    private final SrtListener listener;
    private final Publications publications;
    private final NodeMetrics metrics;
    private final Consumer<SrtConnection> forget;
    private final TsDemuxer demuxer = new TsDemuxer();
    private Publication publication;
    private boolean closed;

    SrtPublisher(SrtConnection connection, SrtListener listener, Publications publications, NodeMetrics metrics,
                 Consumer<SrtConnection> forget) {
        this.connection = connection;
        this.listener = listener;
        this.publications = publications;
        this.metrics = metrics;
        this.forget = forget;
    }

    void open() {
        String key = connection.streamId().key();
        publications.open(key, connection.streamId().secret(), "srt", this).onComplete(ar -> {
            long now = SrtIngestVerticle.now();
            if (ar.failed()) {
                int reason = rejectReason(ar.cause());
                metrics.srtRejected(SrtReject.name(reason));
                LOG.info(() -> "srt publish of '" + key + "' from " + connection.peer() + " refused: " + ar.cause().getMessage());
                listener.reject(connection, reason, now);
                forget.accept(connection);
                return;
            }
            Publication p = ar.result();
            if (closed || !listener.accept(connection, now)) {
                p.close(); // the caller gave up while the claim was pending
                forget.accept(connection);
                return;
            }
            publication = p;
            metrics.srtConnection(key, () -> figures());
            try (LogContext c = LogContext.stream(key)) {
                LOG.info(() -> "srt publish: " + key + " from " + connection.peer() + ", latency " + connection.latencyMs() + " ms"
                        + (connection.encrypted() ? ", encrypted" : ""));
            }
        });
    }

    /** How a refused publication reads to an SRT caller. */
    static int rejectReason(Throwable cause) {
        if (!(cause instanceof PublishException e)) {
            return SrtReject.SERVICE_UNAVAILABLE;
        }
        return switch (e.reason()) {
            case "duplicate" -> SrtReject.CONFLICT;
            case "bad_key" -> SrtReject.FORBIDDEN;
            case "capacity" -> SrtReject.OVERLOAD;
            default -> e.kind() == PublishException.Kind.BAD_NAME ? SrtReject.FORBIDDEN : SrtReject.SERVICE_UNAVAILABLE;
        };
    }

    SrtStats figures() {
        return connection.stats();
    }

    /** Delivered MPEG-TS, {@code ts[off .. off + len)}, valid during the call only. */
    void payload(byte[] ts, int off, int len) {
        if (publication == null) {
            return;
        }
        publication.countBytes(len);
        try {
            for (MediaEvent e : demuxer.feed(ts, off, len)) {
                publication.accept(e);
                if (e instanceof MediaEvent.Sample s && s.sample().track() == Track.VIDEO) {
                    traceFrame(s.sample().dts());
                }
            }
        } catch (TsFormatException e) {
            fail("bad_media", "MPEG-TS: " + e.getMessage());
        } catch (PublishException e) {
            failed(e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "srt connection of " + connection.streamId().key() + " failed", e);
            fail("internal_error", e.toString());
        }
    }

    private void traceFrame(long dtsMs) {
        SrtFrameEvent e = new SrtFrameEvent();
        if (e.isEnabled() && publication != null) {
            e.nanoTime = System.nanoTime();
            e.stream = publication.key();
            e.dtsMs = dtsMs;
            e.commit();
        }
    }

    /** The listener closed the connection (shutdown, timeout). */
    void closed(String reason) {
        closed = true;
        try (LogContext c = LogContext.stream(connection.streamId().key())) {
            LOG.info(() -> "srt connection of '" + connection.streamId().key() + "' from " + connection.peer() + " closed: " + reason
                    + "; " + connection.stats() + ", " + demuxer.stats());
        }
        if (publication != null) {
            try {
                // the last access unit has no successor to end it: the stream's end does
                for (MediaEvent e : demuxer.flush()) {
                    publication.accept(e);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "flushing the TS of " + connection.streamId().key(), e);
            }
        }
        release();
    }

    private void fail(String reason, String message) {
        metrics.srtRejected(reason);
        LOG.info(() -> "closing srt connection of '" + connection.streamId().key() + "': " + message);
        closed = true;
        listener.close(connection, message, SrtIngestVerticle.now());
        release();
    }

    private void release() {
        forget.accept(connection);
        if (publication != null) {
            Publication p = publication;
            publication = null;
            metrics.srtGone(p.key());
            p.close();
        }
    }

    // ---- PublishSource ----

    /** Nothing to pause: the handshake is only answered once the claim is decided, so no media arrives before. */
    @Override
    public void pause() {
    }

    @Override
    public void resume() {
    }

    @Override
    public void takenOver() {
        LOG.info(() -> "srt publisher of '" + connection.streamId().key() + "' was taken over by a new publisher");
        String key = publication != null ? publication.key() : null;
        publication = null; // the stream belongs to the new publisher now
        if (key != null) {
            metrics.srtGone(key);
        }
        closed = true;
        listener.close(connection, "taken over", SrtIngestVerticle.now());
        forget.accept(connection);
    }

    /** SRT has no status message: the caller sees its connection closed (a shutdown message in the close). */
    @Override
    public void shutdown(String why) {
        if (closed) {
            return;
        }
        LOG.info(() -> "closing srt connection of '" + connection.streamId().key() + "': " + why);
        closed = true;
        listener.close(connection, why, SrtIngestVerticle.now());
        release();
    }

    @Override
    public void failed(PublishException e) {
        fail(e.reason(), e.getMessage());
    }

    @Override
    public boolean active() {
        return !closed && connection.state() != SrtConnection.State.CLOSED;
    }

    @Override
    public String describe() {
        return "srt caller " + connection.peer();
    }
}
