package io.tributary.ingest.srt;

import io.tributary.live.Publications;
import io.tributary.media.srt.SrtConnection;
import io.tributary.media.srt.SrtListener;
import io.tributary.media.srt.SrtPeer;
import io.tributary.media.srt.SrtReject;
import io.tributary.metrics.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Accepts SRT callers on one UDP port: every datagram goes through the sans-IO
 * {@link SrtListener}, a 5 ms timer drives its ACKs, NAK reports, TSBPD delivery and
 * timeouts, and each accepted caller publishes through the publication API
 * ({@link SrtPublisher}). One instance: a UDP port is one socket.
 */
public final class SrtIngestVerticle extends VerticleBase implements SrtListener.Output {

    private static final Logger LOG = Logger.getLogger(SrtIngestVerticle.class.getName());
    static final long TICK_MILLIS = 5;

    private final SrtSettings config;
    private final Publications publications;
    private final NodeMetrics metrics;
    private final Map<SrtConnection, SrtPublisher> publishers = new HashMap<>();
    private SrtListener listener;
    private DatagramSocket socket;
    /** 8 MiB of datagrams (about 5,700: 0.1 s of 200 publishers at 2.5 Mbit/s) while the loop is busy; the kernel caps it at net.core.rmem_max. */
    static final int RECEIVE_BUFFER = 8 << 20;
    private long timer = -1;
    private volatile int actualPort = -1;
    private volatile int connections;

    public SrtIngestVerticle(SrtSettings config, Publications publications, NodeMetrics metrics) {
        this.config = config;
        this.publications = publications;
        this.metrics = metrics;
    }

    static long now() {
        return System.nanoTime() / 1000;
    }

    @Override
    public Future<?> start() {
        listener = new SrtListener(config.listenerSettings(), config::passphraseFor, publications::allows, this,
                new SecureRandom());
        // no receive buffer size in the options: Vert.x would also make it the size of the buffer allocated (and
        // zeroed) for every datagram read; UdpSocketTuning sets SO_RCVBUF and the reads apart
        socket = vertx.createDatagramSocket(new DatagramSocketOptions().setSendBufferSize(1 << 20));
        UdpSocketTuning.apply(socket, RECEIVE_BUFFER);
        socket.handler(this::received);
        socket.exceptionHandler(e -> LOG.log(Level.FINE, "srt socket: " + e));
        return socket.listen(config.port(), config.host()).onSuccess(s -> {
            actualPort = s.localAddress().port();
            metrics.srtConnections(() -> connections);
            timer = vertx.setPeriodic(TICK_MILLIS, id -> {
                listener.tick(now());
                connections = listener.connections();
            });
            LOG.info(() -> "SRT listener on udp " + config.host() + ":" + actualPort);
        });
    }

    @Override
    public Future<?> stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        long now = now();
        for (SrtConnection c : listener.all()) {
            listener.close(c, "server stopping", now);
        }
        return socket.close();
    }

    public int actualPort() {
        return actualPort;
    }

    private void received(DatagramPacket packet) {
        Buffer data = packet.data();
        byte[] bytes = data.getBytes();
        listener.receive(new SrtPeer(packet.sender().host(), packet.sender().port()), bytes, 0, bytes.length, now());
    }

    // ---- SrtListener.Output ----

    @Override
    public void send(SrtPeer peer, byte[] datagram) {
        socket.send(Buffer.buffer(datagram), peer.port(), peer.host());
    }

    @Override
    public void connecting(SrtConnection connection) {
        SrtPublisher p = new SrtPublisher(connection, listener, publications, metrics, this::forget);
        publishers.put(connection, p);
        p.open();
    }

    @Override
    public void delivered(SrtConnection connection, byte[] payload) {
        SrtPublisher p = publishers.get(connection);
        if (p != null) {
            p.payload(payload);
        }
    }

    @Override
    public void closed(SrtConnection connection, String reason) {
        SrtPublisher p = publishers.remove(connection);
        if (p != null) {
            p.closed(reason);
        }
    }

    @Override
    public void refused(SrtPeer peer, int reason) {
        metrics.srtRejected(SrtReject.name(reason));
    }

    private void forget(SrtConnection connection) {
        publishers.remove(connection);
    }

    /** The publishers now (tests, metrics). */
    List<SrtPublisher> publishers() {
        return List.copyOf(publishers.values());
    }
}
