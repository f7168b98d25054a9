package io.tributary.ingest.srt;

import io.tributary.live.Publications;
import io.tributary.media.srt.SrtConnection;
import io.tributary.media.srt.SrtListener;
import io.tributary.media.srt.SrtPeer;
import io.tributary.media.srt.SrtReject;
import io.tributary.metrics.NodeMetrics;
import io.tributary.media.srt.SrtPacket;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramChannel;
import io.vertx.core.internal.ContextInternal;

import java.net.InetSocketAddress;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Accepts SRT callers on one UDP port: every datagram goes through the sans-IO
 * {@link SrtListener}, a 5 ms timer drives its ACKs, NAK reports, TSBPD delivery and
 * timeouts, and each accepted caller publishes through the publication API
 * ({@link SrtPublisher}). With the native transport, several instances share the port
 * ({@code srt.instances}, SO_REUSEPORT: {@link SrtListenerGroup}), each on its own event loop
 * with its own listener; on Java NIO a UDP port is one socket, one instance.
 *
 * <p>Per datagram, at tens of thousands a second: datagrams are taken off the Netty pipeline
 * ahead of Vert.x's handler (no Vert.x packet, buffer and address objects, and a connection's
 * caller address is matched to its {@link SrtPeer} without making a host string), and each
 * read's datagrams run together on this verticle's context as Vert.x would run them. A data
 * packet is copied once from the pooled read buffer into an array of a small pool, which the
 * listener keeps until delivery and which then goes back to the pool (no 1.3 KB of garbage per
 * datagram). What the listener sends is written straight to the channel, to the connection's
 * resolved address, and flushed once per read or timer tick rather than through a Future per datagram.
 */
public final class SrtIngestVerticle extends VerticleBase implements SrtListener.Output {

    private static final Logger LOG = Logger.getLogger(SrtIngestVerticle.class.getName());
    static final long TICK_MILLIS = 5;

    private final SrtSettings config;
    private final Publications publications;
    private final NodeMetrics metrics;
    private final SrtListenerGroup group;
    /** This instance's place in the group: 0 binds the port first. */
    private final int index;
    private final Map<SrtConnection, SrtPublisher> publishers = new HashMap<>();
    /** Datagrams of the read in progress, run together when the read completes. */
    private final ArrayDeque<io.netty.channel.socket.DatagramPacket> inbox = new ArrayDeque<>();
    /** Arrays for data packets, back from delivery (bounded: what exceeds it is left to the collector). */
    private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
    /** A data packet's array: the largest SRT data datagram (1456-byte payload + 16-byte header). */
    static final int DATA_ARRAY = SrtPacket.HEADER + 1456;
    /** At most this many spare arrays (6 MB) per instance. */
    static final int MAX_SPARE = 4096;
    private final io.vertx.core.Handler<Void> drain = v -> receivedRead();
    /** Resolved addresses of connections' peers, both ways (not of strangers: one per connection held, so bounded). */
    private final Map<SrtPeer, InetSocketAddress> addresses = new HashMap<>();
    private final Map<InetSocketAddress, SrtPeer> peers = new HashMap<>();
    /** Largest array taken over from a read: Vert.x's exact-size copy of a datagram; anything larger is copied. */
    static final int MAX_OWNED_ARRAY = UdpSocketTuning.READ_BUFFER;
    private DatagramChannel channel;
    private boolean batching;
    private boolean unflushed;
    private SrtListener listener;
    private DatagramSocket socket;
    /**
     * 32 MiB of datagrams (about 0.25 s of 200 publishers at 2.5 Mbit/s, at the kernel's ~2x bookkeeping per datagram)
     * while the loop is busy or the JVM pauses: unlike TCP, nothing holds a caller back, a full buffer drops. The
     * kernel caps it at net.core.rmem_max (often 208 KiB to 4 MiB), which is said at start-up when it does.
     */
    static final int RECEIVE_BUFFER = 32 << 20;
    private long timer = -1;
    private volatile int actualPort = -1;
    private volatile int connections;
    /** The listener's held bytes and over-budget drops, as of the last tick (read by the metrics scrape). */
    private volatile long heldBytes;
    private volatile long overBudget;

    public SrtIngestVerticle(SrtSettings config, Publications publications, NodeMetrics metrics) {
        this(config, publications, metrics, new SrtListenerGroup(1, metrics));
    }

    SrtIngestVerticle(SrtSettings config, Publications publications, NodeMetrics metrics, SrtListenerGroup group) {
        this.config = config;
        this.publications = publications;
        this.metrics = metrics;
        this.group = group;
        this.index = group.join(this);
    }

    /**
     * Deploys the node's SRT listener instances ({@code srt.instances}; 0: one per core with the native transport,
     * else one); gives the first, whose deployment holds them all and whose port is theirs.
     */
    public static Future<SrtIngestVerticle> deploy(Vertx vertx, SrtSettings config, Publications publications, NodeMetrics metrics) {
        boolean reusePort = vertx.isNativeTransportEnabled();
        int n = config.instances() > 0 ? config.instances() : reusePort ? Runtime.getRuntime().availableProcessors() : 1;
        if (n > 1 && !reusePort) {
            LOG.warning("srt.instances is " + n + " but several sockets on one UDP port need the native transport "
                    + "(net.native-transport: true, SO_REUSEPORT): one SRT listener");
            n = 1;
        }
        SrtListenerGroup group = new SrtListenerGroup(n, metrics);
        SrtSettings each = config.shareOf(n);
        return vertx.deployVerticle(() -> new SrtIngestVerticle(each, publications, metrics, group), new DeploymentOptions().setInstances(n))
                .map(id -> group.first());
    }

    static long now() {
        return System.nanoTime() / 1000;
    }

    @Override
    public Future<?> start() {
        // a stream's key without its secret: 1401 (unauthorized); a wrong secret, or a key not allowed: 1403 (forbidden)
        listener = new SrtListener(config.listenerSettings(), config::passphraseFor,
                (java.util.function.ToIntFunction<io.tributary.media.srt.SrtStreamId>) id -> publications.refusal(id.key(), id.secret()) == null ? 0
                        : id.secret() == null && publications.needsSecret(id.key()) ? SrtReject.UNAUTHORIZED : SrtReject.FORBIDDEN,
                group.hosts(), this, new SecureRandom());
        // no receive buffer size in the options: Vert.x would also make it the size of the buffer allocated (and
        // zeroed) for every datagram read; UdpSocketTuning sets SO_RCVBUF and the reads apart. SO_REUSEPORT (the
        // native transport only) when instances share the port: each caller's address hashes to one of them.
        socket = vertx.createDatagramSocket(new DatagramSocketOptions().setSendBufferSize(1 << 20).setReusePort(group.size() > 1));
        channel = UdpSocketTuning.apply(socket, RECEIVE_BUFFER);
        socket.handler(this::received);
        if (channel != null) {
            ContextInternal ctx = (ContextInternal) context;
            channel.pipeline().addFirst("srt-datagrams", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext handlerContext, Object msg) {
                    if (msg instanceof io.netty.channel.socket.DatagramPacket packet) {
                        inbox.add(packet);
                    } else {
                        handlerContext.fireChannelRead(msg);
                    }
                }

                @Override
                public void channelReadComplete(ChannelHandlerContext handlerContext) {
                    if (!inbox.isEmpty()) {
                        ctx.emit(null, drain);
                    }
                    handlerContext.fireChannelReadComplete();
                }
            });
        }
        socket.exceptionHandler(e -> LOG.log(Level.FINE, "srt socket: " + e));
        Future<Integer> port = index == 0 ? Future.succeededFuture(config.port()) : group.port();
        return port.compose(p -> socket.listen(p, config.host())).onFailure(e -> {
            if (index == 0) {
                group.failed(e);
            }
        }).onSuccess(s -> {
            actualPort = s.localAddress().port();
            if (index == 0) {
                group.bound(actualPort);
            }
            timer = vertx.setPeriodic(TICK_MILLIS, id -> {
                batching = true;
                try {
                    listener.tick(now());
                } finally {
                    endBatch();
                }
                connections = listener.connections();
                heldBytes = listener.heldBytes();
                overBudget = listener.overBudget();
            });
            LOG.info(() -> "SRT listener on udp " + config.host() + ":" + actualPort
                    + (group.size() > 1 ? " (instance " + index + " of " + group.size() + ", SO_REUSEPORT)" : ""));
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
        io.netty.channel.socket.DatagramPacket unread;
        while ((unread = inbox.poll()) != null) {
            unread.release();
        }
        return socket.close();
    }

    public int actualPort() {
        return actualPort;
    }

    int connections() {
        return connections;
    }

    long heldBytes() {
        return heldBytes;
    }

    long overBudget() {
        return overBudget;
    }

    private void received(DatagramPacket packet) {
        Buffer data = packet.data();
        SrtPeer peer = new SrtPeer(packet.sender().host(), packet.sender().port());
        batching = true;
        try {
            if (data instanceof BufferInternal internal) {
                ByteBuf buf = internal.getByteBuf();
                if (buf.hasArray() && buf.array().length <= MAX_OWNED_ARRAY) {
                    // Vert.x made this array for this datagram alone and keeps no use of it: the listener may hold it
                    listener.receiveOwned(peer, buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes(), now());
                    return;
                }
            }
            byte[] bytes = data.getBytes();
            listener.receiveOwned(peer, bytes, 0, bytes.length, now());
        } finally {
            endBatch();
        }
    }

    /** One read's datagrams off the pipeline, on this verticle's context; what they make the listener send goes in one flush. */
    private void receivedRead() {
        batching = true;
        try {
            long now = now();
            io.netty.channel.socket.DatagramPacket packet;
            while ((packet = inbox.poll()) != null) {
                received(packet, now);
            }
        } finally {
            endBatch();
        }
    }

    /** A datagram: copied out of the pooled read buffer (then released) into an array the listener may keep. */
    private void received(io.netty.channel.socket.DatagramPacket packet, long now) {
        ByteBuf content = packet.content();
        try {
            InetSocketAddress sender = packet.sender();
            SrtPeer peer = peers.get(sender);
            if (peer == null) {
                peer = new SrtPeer(sender.getAddress().getHostAddress(), sender.getPort());
            }
            int len = content.readableBytes();
            int at = content.readerIndex();
            // a data packet waits in the window until delivered, then its array comes back; control packets are small
            boolean data = len > 0 && len <= DATA_ARRAY && (content.getByte(at) & 0x80) == 0;
            byte[] bytes = data ? array() : new byte[len];
            content.getBytes(at, bytes, 0, len);
            listener.receiveOwned(peer, bytes, 0, len, now);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "srt datagram from " + packet.sender(), e); // the listener drops what it cannot parse: a fault of ours
        } finally {
            content.release();
        }
    }

    private byte[] array() {
        byte[] b = spare.poll();
        return b != null ? b : new byte[DATA_ARRAY];
    }

    private void endBatch() {
        batching = false;
        if (unflushed) {
            unflushed = false;
            channel.flush();
        }
    }

    // ---- SrtListener.Output ----

    @Override
    public void send(SrtPeer peer, byte[] datagram) {
        if (channel == null) {
            socket.send(Buffer.buffer(datagram), peer.port(), peer.host());
            return;
        }
        InetSocketAddress to = addresses.get(peer);
        if (to == null) {
            to = new InetSocketAddress(peer.host(), peer.port()); // an IP literal: parsed, never looked up
        }
        channel.write(new io.netty.channel.socket.DatagramPacket(Unpooled.wrappedBuffer(datagram), to), channel.voidPromise());
        if (batching) {
            unflushed = true;
        } else {
            channel.flush();
        }
    }

    @Override
    public void connecting(SrtConnection connection) {
        SrtPublisher p = new SrtPublisher(connection, listener, publications, metrics, this::forget);
        publishers.put(connection, p);
        connection.attach(p);
        InetSocketAddress address = new InetSocketAddress(connection.peer().host(), connection.peer().port());
        addresses.put(connection.peer(), address);
        peers.put(address, connection.peer());
        p.open();
    }

    @Override
    public void delivered(SrtConnection connection, byte[] payload) {
        delivered(connection, payload, 0, payload.length);
    }

    @Override
    public void delivered(SrtConnection connection, byte[] buf, int off, int len) {
        if (connection.attachment() instanceof SrtPublisher p) {
            p.payload(buf, off, len); // the demuxer copies what it keeps
        }
        if (buf.length == DATA_ARRAY && spare.size() < MAX_SPARE) {
            spare.push(buf); // from array(): the listener is done with it
        }
    }

    @Override
    public void closed(SrtConnection connection, String reason) {
        SrtPublisher p = publishers.remove(connection);
        unaddress(connection);
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
        unaddress(connection);
    }

    private void unaddress(SrtConnection connection) {
        InetSocketAddress address = addresses.remove(connection.peer());
        if (address != null) {
            peers.remove(address, connection.peer());
        }
        connection.attach(null);
    }

    /** The publishers now (tests, metrics). */
    List<SrtPublisher> publishers() {
        return List.copyOf(publishers.values());
    }
}
