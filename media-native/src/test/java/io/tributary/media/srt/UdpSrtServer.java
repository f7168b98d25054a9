package io.tributary.media.srt;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The socket loop a server would run around {@link SrtListener}, on a test thread: one
 * loopback UDP socket, the listener fed every datagram and ticked every millisecond.
 * Keeps what each connection delivered and why connections closed.
 */
final class UdpSrtServer implements AutoCloseable {

    final SrtListener listener;
    final DatagramChannel channel;
    final Map<Integer, ByteArrayOutputStream> delivered = new ConcurrentHashMap<>();
    final List<String> closed = new CopyOnWriteArrayList<>();
    final List<SrtConnection> connected = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    volatile Throwable failure;

    /** {@code decide}: the reject reason for a pending connection, or -1 to accept it. */
    UdpSrtServer(SrtListenerSettings settings, Function<String, String> passphrases,
                 Function<SrtConnection, Integer> decide) throws Exception {
        channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.configureBlocking(false);
        List<SrtConnection> pending = new ArrayList<>();
        listener = new SrtListener(settings, passphrases, new SrtListener.Output() {
            @Override
            public void send(SrtPeer peer, byte[] datagram) {
                try {
                    channel.send(ByteBuffer.wrap(datagram), new InetSocketAddress(peer.host(), peer.port()));
                } catch (Exception e) {
                    failure = e;
                }
            }

            @Override
            public void connecting(SrtConnection connection) {
                pending.add(connection);
            }

            @Override
            public void delivered(SrtConnection connection, byte[] payload) {
                delivered.computeIfAbsent(connection.socketId(), k -> new ByteArrayOutputStream()).writeBytes(payload);
            }

            @Override
            public void closed(SrtConnection connection, String reason) {
                closed.add(reason);
            }
        }, new Random(1));
        thread = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(2048);
            try {
                while (running) {
                    buf.clear();
                    SocketAddress from = channel.receive(buf);
                    long now = System.nanoTime() / 1000;
                    if (from != null) {
                        InetSocketAddress a = (InetSocketAddress) from;
                        listener.receive(new SrtPeer(a.getAddress().getHostAddress(), a.getPort()), buf.array(), 0, buf.position(), now);
                    } else {
                        Thread.sleep(1);
                    }
                    listener.tick(now);
                    for (SrtConnection c : pending) {
                        int reason = decide.apply(c);
                        if (reason < 0) {
                            listener.accept(c, now);
                            connected.add(c);
                        } else {
                            listener.reject(c, reason, now);
                        }
                    }
                    pending.clear();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failure = t;
            }
        }, "srt-test-server");
        thread.setDaemon(true);
        thread.start();
    }

    int port() throws Exception {
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    byte[] deliveredBytes(SrtConnection c) {
        ByteArrayOutputStream b = delivered.get(c.socketId());
        return b == null ? new byte[0] : b.toByteArray();
    }

    @Override
    public void close() throws Exception {
        running = false;
        thread.join(5000);
        channel.close();
    }
}
