package io.tributary.bench.srt;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.Random;

/** A loopback UDP relay between one caller and a server dropping a share of datagrams at random, both ways. */
final class LossRelay implements AutoCloseable {

    private final DatagramSocket callerSide;
    private final DatagramSocket serverSide;
    private final InetSocketAddress server;
    private final double loss;
    private volatile SocketAddress caller;
    private volatile boolean running = true;
    private final Thread up;
    private final Thread down;

    LossRelay(int serverPort, double loss) throws Exception {
        this.server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
        this.loss = loss;
        callerSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        serverSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        callerSide.setSoTimeout(50);
        serverSide.setSoTimeout(50);
        up = new Thread(() -> pump(callerSide, serverSide, true, new Random(1)), "relay-up");
        down = new Thread(() -> pump(serverSide, callerSide, false, new Random(2)), "relay-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
    }

    int port() {
        return callerSide.getLocalPort();
    }

    private void pump(DatagramSocket in, DatagramSocket out, boolean toServer, Random random) {
        byte[] buf = new byte[2048];
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                in.receive(p);
                if (toServer) {
                    caller = p.getSocketAddress();
                }
                SocketAddress to = toServer ? server : caller;
                if (to != null && random.nextDouble() >= loss) {
                    out.send(new DatagramPacket(p.getData(), p.getLength(), to));
                }
            } catch (SocketTimeoutException e) {
                // look at running again
            } catch (Exception e) {
                return;
            }
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        up.join(1000);
        down.join(1000);
        callerSide.close();
        serverSide.close();
    }
}
