package io.tributary.ingest;

import io.micrometer.core.instrument.Counter;
import io.tributary.StatusException;
import io.tributary.cluster.registry.StreamHeldException;
import io.tributary.config.StreamKeys;
import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.PublishClaims;
import io.tributary.media.Track;
import io.tributary.media.codec.MediaFormatException;
import io.tributary.media.rtmp.RtmpEvent;
import io.tributary.media.rtmp.RtmpLimits;
import io.tributary.media.rtmp.RtmpProtocolException;
import io.tributary.media.rtmp.RtmpServerSession;
import io.tributary.media.transcode.TranscodeException;
import io.tributary.metrics.NodeMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One RTMP connection: bytes in go through the sans-IO session, its events drive the
 * stream, its outbound bytes go back to the socket. Any fault closes this connection
 * only; the stream it fed waits for a reconnect like after any drop. A publish first claims its
 * key ({@link PublishClaims}: in a cluster, no other origin may hold it); while that answer is
 * pending the connection reads nothing and handles nothing.
 */
final class RtmpPublisher {

    private static final Logger LOG = Logger.getLogger(RtmpPublisher.class.getName());

    private final long id;
    private final NetSocket socket;
    private final RtmpSettings config;
    private final LiveStreams streams;
    private final PublishClaims claims;
    private final NodeMetrics metrics;
    private final RtmpServerSession session;
    /** Decoded events not handled yet: the rest of a batch while a claim is pending. */
    private final ArrayDeque<RtmpEvent> queued = new ArrayDeque<>();
    /** Input the socket still delivered after it was paused for a claim. */
    private final List<Buffer> deferred = new ArrayList<>();
    private Context context;
    private LiveStream stream;
    private Counter bytesIn;
    private Counter videoFrames;
    private Counter audioFrames;
    private boolean closing;
    /** A publish waits for its claim. */
    private boolean claiming;
    /** The peer or the network closed the connection. */
    private boolean closed;

    RtmpPublisher(long id, NetSocket socket, RtmpSettings config, LiveStreams streams, PublishClaims claims,
                  NodeMetrics metrics) {
        this.id = id;
        this.socket = socket;
        this.config = config;
        this.streams = streams;
        this.claims = claims;
        this.metrics = metrics;
        this.session = new RtmpServerSession(new RtmpLimits(config.maxMessageBytes(), RtmpLimits.defaults().maxChunkSize()));
    }

    void start() {
        context = Vertx.currentContext();
        metrics.rtmpConnection();
        socket.handler(this::received);
        socket.closeHandler(v -> {
            closed = true;
            released();
        });
        socket.exceptionHandler(e -> LOG.log(Level.FINE, "rtmp connection " + id + ": " + e));
    }

    private void received(Buffer buffer) {
        if (closing) {
            return;
        }
        if (claiming) {
            deferred.add(buffer);
            return;
        }
        guarded(() -> {
            if (bytesIn != null) {
                bytesIn.increment(buffer.length());
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
            fail("protocol_error", "RTMP protocol error: " + e.getMessage());
        } catch (MediaFormatException e) {
            fail("bad_media", "malformed media: " + e.getMessage());
        } catch (TranscodeException e) {
            fail("transcode_error", "cannot transcode this source: " + e.getMessage());
        } catch (StatusException e) {
            // refused once its media showed what it needs (transcoding capacity)
            session.failPublish("NetStream.Publish.Rejected", e.getMessage());
            flush();
            fail("capacity", e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rtmp connection " + id + " failed", e);
            fail("internal_error", e.toString());
        }
    }

    /** Handles the queued events in order, until none is left or a publish waits for its claim. */
    private void drain() {
        while (!closing && !claiming && !queued.isEmpty()) {
            handle(queued.poll());
        }
    }

    private void handle(RtmpEvent event) {
        // Java 17: no pattern matching for switch yet
        if (event instanceof RtmpEvent.PublishRequested p) {
            publish(p);
        } else if (stream == null) {
            if (event instanceof RtmpEvent.Connected c) {
                LOG.fine(() -> "rtmp connection " + id + " connected to app " + c.app());
            }
        } else if (event instanceof RtmpEvent.Sample s) {
            (s.sample().track() == Track.VIDEO ? videoFrames : audioFrames).increment();
            stream.sample(s.sample());
        } else if (event instanceof RtmpEvent.VideoConfig c) {
            stream.videoConfig(c.avcDecoderConfigurationRecord());
        } else if (event instanceof RtmpEvent.AudioConfig c) {
            stream.audioConfig(c.audioSpecificConfig());
        } else if (event instanceof RtmpEvent.MetaData m) {
            stream.metaData(m.values());
        } else if (event instanceof RtmpEvent.UnsupportedCodec u) {
            fail("unsupported_codec", "unsupported " + u.track().name().toLowerCase() + " codec " + u.codec()
                    + " (this server ingests H.264 video and AAC audio)");
        } else if (event instanceof RtmpEvent.Unpublished) {
            released();
        }
    }

    private void publish(RtmpEvent.PublishRequested p) {
        String key = p.streamKey();
        if (!StreamKeys.valid(key) || !config.allows(key)) {
            reject("bad_key", "NetStream.Publish.BadName", "stream key '" + key + "' is not allowed on this server");
            return;
        }
        if (!streams.acceptsPublish(key)) {
            reject("draining", "NetStream.Publish.Rejected", "this node is draining and takes no new streams: publish '"
                    + key + "' to another node");
            return;
        }
        Future<Void> claim = claims.claim(key);
        if (claim.isComplete()) {
            claim.onComplete(x -> claimed(key, claim));
            return;
        }
        // nothing more is read or handled until the answer: events decoded already stay queued
        claiming = true;
        socket.pause();
        claim.onComplete(x -> context.runOnContext(v -> {
            claiming = false;
            guarded(() -> {
                claimed(key, claim);
                drain();
            });
            List<Buffer> early = List.copyOf(deferred);
            deferred.clear();
            early.forEach(this::received);
            if (!closing && !closed && !claiming) {
                socket.resume();
            }
        }));
    }

    /** The cluster answered the claim of {@code key}: refuse the publish, or take the stream here. */
    private void claimed(String key, Future<Void> claim) {
        if (closed || closing) {
            if (claim.succeeded()) {
                claims.release(key);
            }
            return;
        }
        if (claim.failed()) {
            if (claim.cause() instanceof StreamHeldException held) {
                reject("duplicate", "NetStream.Publish.BadName", held.getMessage());
            } else {
                LOG.log(Level.WARNING, "claiming stream key " + key + " failed", claim.cause());
                reject("registry_error", "NetStream.Publish.Rejected", "cannot claim stream key '" + key
                        + "' in the cluster: " + claim.cause().getMessage());
            }
            return;
        }
        try {
            stream = streams.claim(key, id, this::takenOver);
        } catch (StatusException e) {
            claims.release(key);
            if (e.status() == 409) {
                reject("duplicate", "NetStream.Publish.BadName", e.getMessage());
            } else {
                reject("capacity", "NetStream.Publish.Rejected", e.getMessage());
            }
            return;
        }
        bytesIn = metrics.ingestBytes(key);
        videoFrames = metrics.ingestFrames(key, "video");
        audioFrames = metrics.ingestFrames(key, "audio");
        session.acceptPublish();
        // media the client sent before our answer was held by the session: it comes before the rest
        List<RtmpEvent> held = session.receive(new byte[0]);
        for (int i = held.size() - 1; i >= 0; i--) {
            queued.addFirst(held.get(i));
        }
        LOG.info(() -> "publish started: " + key + " (connection " + id + ", " + socket.remoteAddress() + ")");
    }

    private void reject(String reason, String code, String description) {
        metrics.rtmpRejected(reason);
        LOG.info(() -> "publish refused on connection " + id + ": " + description);
        session.rejectPublish(code, description);
        flush();
        closing = true;
        socket.close();
    }

    private void takenOver() {
        LOG.info(() -> "connection " + id + " was taken over by a new publisher on " + stream.key());
        closing = true;
        socket.close();
    }

    private void fail(String reason, String message) {
        metrics.rtmpRejected(reason);
        LOG.info(() -> "closing rtmp connection " + id + (stream != null ? " (stream " + stream.key() + ")" : "") + ": " + message);
        closing = true;
        released();
        socket.close();
    }

    /** Publisher gone, for whatever reason: the stream waits for a reconnect. */
    private void released() {
        if (stream != null) {
            LiveStream s = stream;
            stream = null;
            streams.release(s.key(), id);
            LOG.info(() -> "publish stopped: " + s.key() + " (connection " + id + ")");
        }
    }

    private void flush() {
        byte[] out = session.drainOutbound();
        if (out.length > 0) {
            socket.write(Buffer.buffer(out));
        }
    }
}
