package io.tributary.media.testing;

import io.tributary.media.srt.SrtCaller;
import io.tributary.media.srt.SrtReject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Random;

/**
 * An SRT publisher in plain Java: {@link SrtCaller} on a loopback UDP channel, sending
 * MPEG-TS in 1316-byte payloads (7 TS packets) and answering ACKs and NAKs as it goes.
 * Cheap enough to run hundreds in one generator (the benchmark), and a second libsrt-free
 * caller beside FFmpeg in tests. Not thread-safe: one thread drives it.
 */
public final class SrtTsPush implements AutoCloseable {

    public static final int PAYLOAD = 1316;

    private final DatagramChannel channel;
    private final InetSocketAddress server;
    private final SrtCaller caller;
    private final ByteBuffer in = ByteBuffer.allocate(2048);
    private long sentBytes;

    private SrtTsPush(DatagramChannel channel, InetSocketAddress server, SrtCaller caller) {
        this.channel = channel;
        this.server = server;
        this.caller = caller;
    }

    static long now() {
        return System.nanoTime() / 1000;
    }

    /** Connects (handshake within 3 s); a refusal throws with its reject reason. */
    public static SrtTsPush connect(int port, String streamId, int latencyMs, String passphrase) {
        try {
            DatagramChannel ch = DatagramChannel.open();
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ch.configureBlocking(false);
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            SrtTsPush p = new SrtTsPush(ch, server, new SrtCaller(streamId, latencyMs, passphrase, 4096, new Random(), now()));
            p.write(p.caller.induction(now()));
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (p.caller.state() == SrtCaller.State.INDUCTION || p.caller.state() == SrtCaller.State.CONCLUSION) {
                if (System.nanoTime() > deadline) {
                    ch.close();
                    throw new IllegalStateException("SRT handshake with port " + port + " timed out");
                }
                if (!p.poll()) {
                    Thread.sleep(1);
                }
                p.writeAll(p.caller.tick(now()));
            }
            if (p.caller.state() == SrtCaller.State.REJECTED) {
                ch.close();
                throw new IllegalStateException("SRT publish refused: " + SrtReject.name(p.caller.rejectReason())
                        + " (" + p.caller.rejectReason() + ")");
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public SrtCaller caller() {
        return caller;
    }

    public long sentBytes() {
        return sentBytes;
    }

    /** Sends one payload (at most 1316 bytes of TS). */
    public void send(byte[] ts, int off, int len) {
        write(caller.data(ts, off, len, now()));
        sentBytes += len;
    }

    /** Reads what arrived and answers it; false when nothing did. */
    public boolean poll() {
        boolean any = false;
        try {
            while (true) {
                in.clear();
                if (channel.receive(in) == null) {
                    break;
                }
                any = true;
                writeAll(caller.receive(in.array(), 0, in.position(), now()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeAll(caller.tick(now()));
        return any;
    }

    /** Sends all of {@code ts} in real time at {@code bitsPerSecond}, answering the listener between payloads. */
    public void sendPaced(byte[] ts, double bitsPerSecond) throws InterruptedException {
        long start = System.nanoTime();
        for (int off = 0; off < ts.length; off += PAYLOAD) {
            long due = start + (long) (off * 8 / bitsPerSecond * 1e9);
            while (System.nanoTime() < due) {
                if (!poll()) {
                    Thread.sleep(1);
                }
            }
            send(ts, off, Math.min(PAYLOAD, ts.length - off));
            poll();
        }
    }

    /** Keeps answering for {@code millis} (retransmissions at the end), then says goodbye. */
    public void finish(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (!poll()) {
                Thread.sleep(1);
            }
        }
    }

    private void writeAll(List<byte[]> datagrams) {
        for (byte[] d : datagrams) {
            write(d);
        }
    }

    private void write(byte[] d) {
        try {
            channel.send(ByteBuffer.wrap(d), server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (caller.state() == SrtCaller.State.CONNECTED) {
                write(caller.shutdown(now()));
            }
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
