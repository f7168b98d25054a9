package io.tributary.testing;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.rtmp.RtmpClientEvent;
import io.tributary.media.rtmp.RtmpClientSession;
import io.tributary.media.rtmp.RtmpLimits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;

/**
 * A publisher with exact control over what is sent and when: the sans-IO RTMP client
 * over a real socket, sending pre-encoded samples (no encoder delay). It can stop
 * cleanly ({@link #unpublish}) or drop the connection like a network failure ({@link #drop}).
 */
public final class RtmpTestPublisher implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final RtmpClientSession session;
    /** The server's refusal: of the publish, or of an accepted publish later (onStatus error). */
    private volatile RtmpClientEvent.Failed failure;

    private RtmpTestPublisher(int port, String key) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        session = new RtmpClientSession("live", "rtmp://127.0.0.1:" + port + "/live", key, RtmpLimits.defaults());
    }

    /** Connects and publishes; returns once the server said Publish.Start, or with {@link #failure()} set. */
    /**
     * Sends {@code source} live on a daemon thread: one second of media a second, paced on one clock
     * (the time spent encoding each second does not add up to a lag), for at most {@code maxSeconds}
     * or until {@code publishing} turns false; closes the source at the end. Started before returning.
     */
    public Thread sendLive(io.tributary.media.testing.SyntheticAvSource source, int maxSeconds,
                           java.util.concurrent.atomic.AtomicBoolean publishing, String threadName) {
        Thread live = new Thread(() -> {
            long start = System.nanoTime();
            long firstDts = -1;
            try (source) {
                for (int i = 0; i < maxSeconds && publishing.get(); i++) {
                    for (MediaSample sample : source.next(1.0)) {
                        if (firstDts < 0) {
                            firstDts = sample.dts();
                        }
                        long wait = start + (sample.dts() - firstDts) * 1_000_000L - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        send(sample, 0);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // the socket closed at the end of the test
            }
        }, threadName);
        live.setDaemon(true);
        live.start();
        return live;
    }

    public static RtmpTestPublisher publish(int port, String key) {
        try {
            RtmpTestPublisher p = new RtmpTestPublisher(port, key);
            p.handshake();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handshake() throws IOException {
        write(session.drainOutbound());
        byte[] buf = new byte[8192];
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            int n = in.read(buf);
            if (n < 0) {
                failure = new RtmpClientEvent.Failed("closed", "server closed the connection");
                return;
            }
            List<RtmpClientEvent> events = session.receive(buf, 0, n);
            write(session.drainOutbound());
            for (RtmpClientEvent e : events) {
                if (e instanceof RtmpClientEvent.PublishStarted) {
                    startDraining();
                    return;
                }
                if (e instanceof RtmpClientEvent.Failed f) {
                    failure = f;
                    return;
                }
            }
        }
        throw new IOException("no publish answer within 5 s");
    }

    /** Server bytes after publishing (acks, pings) are read and fed to the session. */
    private void startDraining() {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (this) {
                        for (RtmpClientEvent e : session.receive(buf, 0, n)) {
                            if (e instanceof RtmpClientEvent.Failed f) {
                                failure = f;
                            }
                        }
                        write(session.drainOutbound());
                    }
                }
            } catch (IOException | RuntimeException e) {
                // socket closed: the test decides what that means
            }
        }, "rtmp-test-publisher-reader");
        t.setDaemon(true);
        t.start();
    }

    public RtmpClientEvent.Failed failure() {
        return failure;
    }

    public boolean publishing() {
        return failure == null;
    }

    public synchronized void configs(byte[] avcRecord, byte[] asc) {
        write(session.encodeVideo(0, concat(new byte[]{0x17, 0, 0, 0, 0}, avcRecord)));
        if (asc != null) {
            write(session.encodeAudio(0, concat(new byte[]{(byte) 0xAF, 0}, asc)));
        }
    }

    /** Sends samples as FLV tags, shifted by {@code offsetMs}. */
    public synchronized void send(List<MediaSample> samples, long offsetMs) {
        for (MediaSample s : samples) {
            send(s, offsetMs);
        }
    }

    public synchronized void send(MediaSample s, long offsetMs) {
        long ts = s.dts() + offsetMs;
        if (s.track() == Track.VIDEO) {
            int cts = s.compositionOffset();
            byte[] head = {(byte) (s.keyframe() ? 0x17 : 0x27), 1, (byte) (cts >> 16), (byte) (cts >> 8), (byte) cts};
            write(session.encodeVideo(ts, concat(head, s.data())));
        } else {
            write(session.encodeAudio(ts, concat(new byte[]{(byte) 0xAF, 1}, s.data())));
        }
    }

    /** Sends one FLV video tag body as it is (for codecs this helper does not know). */
    public synchronized void sendVideoTag(long ts, byte[] flvVideoTagPayload) {
        write(session.encodeVideo(ts, flvVideoTagPayload));
    }

    /** Sends samples paced by their timestamps from now (real time). */
    public void sendPaced(List<MediaSample> samples, long offsetMs) throws InterruptedException {
        if (samples.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        long first = samples.get(0).dts();
        for (MediaSample s : samples) {
            long due = start + (s.dts() - first) * 1_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            send(s, offsetMs);
        }
    }

    /** Stops like FFmpeg does: FCUnpublish + deleteStream, then closes. */
    public synchronized void unpublish() {
        session.unpublish();
        write(session.drainOutbound());
        close();
    }

    /** Writes raw bytes on the connection (for malformed input). */
    public synchronized void writeRaw(byte[] bytes) {
        write(bytes);
    }

    /** Drops the TCP connection without a word, like a network failure. */
    public void drop() {
        close();
    }

    /** True when the server closed this connection (read returns end of stream). */
    public boolean closedByServer(int timeoutMs) {
        try {
            socket.setSoTimeout(timeoutMs);
            return in.read() < 0;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    private void write(byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
