package io.tributary.ingest.srt;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.vertx.core.datagram.DatagramSocket;

import java.lang.reflect.Field;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What Vert.x 5.0.7's {@link DatagramSocket} does not let an SRT listener choose. It reads one
 * datagram per event-loop turn ({@code maxMessagesPerRead(1)}), and its receive-buffer option
 * also sizes the buffer allocated and zeroed for every read. At tens of thousands of datagrams a
 * second (200 publishers at 2.5 Mbit/s) the loop then fell behind and the 212 KiB default
 * SO_RCVBUF overflowed. Set here on the Netty channel: a kernel receive buffer as large as
 * {@code net.core.rmem_max} allows, datagram-sized read buffers, many datagrams per turn, and
 * pooled read buffers (Vert.x then hands each datagram on in a heap array of exactly its size,
 * instead of a fresh 2 KiB array per read). On the native epoll transport, reads are batched
 * in the kernel too: one recvmmsg fills a 64 KiB buffer with up to 32 datagrams (Netty hands each
 * on as a slice of it), where NIO makes one system call per datagram. If the internals move in
 * another Vert.x release, the socket keeps Vert.x's defaults and says so.
 */
final class UdpSocketTuning {

    private static final Logger LOG = Logger.getLogger(UdpSocketTuning.class.getName());
    /** The largest SRT datagram (1456-byte payload + 16-byte header) fits; jumbo frames are refused anyway. */
    static final int READ_BUFFER = 2048;
    static final int DATAGRAMS_PER_READ = 64;
    /** Datagrams one recvmmsg may take (epoll): the read buffer is this many {@link #READ_BUFFER} slots. */
    static final int DATAGRAMS_PER_SYSCALL = 32;
    /** Netty's EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE: option constants are one pool, looked up by name. */
    private static final ChannelOption<Integer> MAX_DATAGRAM_PAYLOAD_SIZE = ChannelOption.valueOf("MAX_DATAGRAM_PAYLOAD_SIZE");

    private UdpSocketTuning() {
    }

    /** Tunes the socket; gives its Netty channel (for direct writes), or null when Vert.x's internals were not found. */
    static DatagramChannel apply(DatagramSocket socket, int receiveBufferBytes) {
        try {
            Field f = socket.getClass().getDeclaredField("channel");
            f.setAccessible(true);
            DatagramChannel channel = (DatagramChannel) f.get(socket);
            channel.config().setReceiveBufferSize(receiveBufferBytes);
            channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
            // epoll's option (by name: the epoll classes are a runtime dependency); NIO does not know it and says false
            if (channel.config().setOption(MAX_DATAGRAM_PAYLOAD_SIZE, READ_BUFFER)) {
                // a buffer larger than the largest datagram is read with recvmmsg, a slot of READ_BUFFER bytes each
                channel.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(READ_BUFFER * DATAGRAMS_PER_SYSCALL)
                        .maxMessagesPerRead(DATAGRAMS_PER_READ)); // counted in datagrams: two recvmmsg a turn at most
            } else {
                channel.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(READ_BUFFER).maxMessagesPerRead(DATAGRAMS_PER_READ));
            }
            int granted = channel.config().getReceiveBufferSize();
            if (granted < receiveBufferBytes) {
                // said, not warned: it is every default Linux, and a few SRT callers need no more
                LOG.info("srt socket: receive buffer " + granted + " bytes (asked " + receiveBufferBytes
                        + ", capped by net.core.rmem_max); for many SRT callers raise it, e.g. sysctl -w net.core.rmem_max="
                        + receiveBufferBytes + ", or datagrams are dropped whenever the node pauses");
            } else {
                LOG.fine(() -> "srt socket: SO_RCVBUF " + granted + " bytes");
            }
            return channel;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "srt socket left at Vert.x's defaults (one datagram per read, OS receive buffer): " + e);
            return null;
        }
    }
}
