package io.tributary.testing;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on loopback between one caller and a server that loses, reorders and
 * duplicates datagrams at random (seeded), in both directions. Two daemon threads,
 * ended by {@link #close()}.
 */
public final class LossyUdpRelay implements AutoCloseable {

    private final DatagramSocket callerSide;
    private final DatagramSocket serverSide;
    private final InetSocketAddress server;
    private final double loss;
    private final double reorder;
    private final double duplicate;
    private volatile SocketAddress caller;
    private volatile boolean running = true;
    public final AtomicLong dropped = new AtomicLong();
    public final AtomicLong forwarded = new AtomicLong();
    private final Thread up;
    private final Thread down;

    public LossyUdpRelay(int serverPort, double loss, double reorder, double duplicate, long seed) throws Exception {
        this.server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
        this.loss = loss;
        this.reorder = reorder;
        this.duplicate = duplicate;
        callerSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        serverSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        // a datagram held back for reordering waits for the next one, at most 5 ms
        callerSide.setSoTimeout(5);
        serverSide.setSoTimeout(5);
        callerSide.setReceiveBufferSize(1 << 20);
        serverSide.setReceiveBufferSize(1 << 20);
        up = new Thread(() -> pump(callerSide, serverSide, true, new Random(seed)), "relay-up");
        down = new Thread(() -> pump(serverSide, callerSide, false, new Random(seed + 1)), "relay-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
    }

    public int port() {
        return callerSide.getLocalPort();
    }

    private void pump(DatagramSocket in, DatagramSocket out, boolean toServer, Random random) {
        byte[] buf = new byte[2048];
        DatagramPacket held = null;
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                in.receive(p);
            } catch (SocketTimeoutException e) {
                if (held != null) {
                    try {
                        out.send(held);
                    } catch (Exception x) {
                        return;
                    }
                    held = null;
                }
                continue;
            } catch (Exception e) {
                return;
            }
            if (toServer) {
                caller = p.getSocketAddress();
            }
            SocketAddress to = toServer ? server : caller;
            if (to == null) {
                continue;
            }
            byte[] copy = java.util.Arrays.copyOf(p.getData(), p.getLength());
            DatagramPacket fwd = new DatagramPacket(copy, copy.length, to);
            try {
                if (random.nextDouble() < loss) {
                    dropped.incrementAndGet();
                } else if (held == null && random.nextDouble() < reorder) {
                    held = fwd; // goes out after the next one
                    continue;
                } else {
                    out.send(fwd);
                    forwarded.incrementAndGet();
                    if (random.nextDouble() < duplicate) {
                        out.send(fwd);
                    }
                }
                if (held != null) {
                    out.send(held);
                    held = null;
                }
            } catch (Exception e) {
                return;
            }
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        up.join(2000);
        down.join(2000);
        callerSide.close();
        serverSide.close();
    }
}
