package io.tributary.bench.ingest;

import io.tributary.media.rtmp.RtmpEvent;
import io.tributary.media.rtmp.RtmpLimits;
import io.tributary.media.rtmp.RtmpServerSession;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The reference receiver: one NIO thread that answers the RTMP handshake and publish with
 * the same sans-IO {@link RtmpServerSession} the server uses, then only reads and discards
 * the bytes (no chunk parsing, no packaging). Run it pinned to the server's core: the CPU it
 * needs for N publishers is the floor (kernel TCP receive plus one copy) the server's cost is
 * compared with. Usage: {@code IngestSink PORT [MAX_SECONDS]}.
 */
public final class IngestSink {

    private IngestSink() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        long end = System.currentTimeMillis() + 1000L * (args.length > 1 ? Long.parseLong(args[1]) : 600);
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
        byte[] heap = new byte[256 * 1024];
        long discarded = 0;
        System.out.println("sink listening on " + port);
        while (System.currentTimeMillis() < end) {
            selector.select(1000);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                try {
                    if (k.isAcceptable()) {
                        SocketChannel c = server.accept();
                        if (c != null) {
                            c.configureBlocking(false);
                            c.register(selector, SelectionKey.OP_READ, new RtmpServerSession(RtmpLimits.defaults()));
                        }
                        continue;
                    }
                    SocketChannel c = (SocketChannel) k.channel();
                    RtmpServerSession s = (RtmpServerSession) k.attachment();
                    buf.clear();
                    int r = c.read(buf);
                    if (r < 0) {
                        k.cancel();
                        c.close();
                        continue;
                    }
                    if (s == null) {
                        discarded += r; // publishing: the bytes are only counted
                        continue;
                    }
                    buf.flip();
                    buf.get(heap, 0, r);
                    boolean accepted = false;
                    for (RtmpEvent e : s.receive(heap, 0, r)) {
                        if (e instanceof RtmpEvent.PublishRequested) {
                            s.acceptPublish();
                            accepted = true;
                        }
                    }
                    byte[] out = s.drainOutbound();
                    ByteBuffer ob = ByteBuffer.wrap(out);
                    while (ob.hasRemaining()) {
                        c.write(ob); // small control replies; the socket buffer is empty at this stage
                    }
                    if (accepted) {
                        k.attach(null);
                    }
                } catch (IOException | RuntimeException e) {
                    k.cancel();
                    k.channel().close();
                }
            }
        }
        System.out.println("sink done, " + discarded + " bytes discarded");
    }
}
