package io.tributary.bench.support;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.rtmp.RtmpClientEvent;
import io.tributary.media.rtmp.RtmpClientSession;
import io.tributary.media.rtmp.RtmpLimits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A publisher on a plain socket driving the sans-IO {@link RtmpClientSession}: publishes,
 * sends the sequence headers, then pre-encoded samples either as fast as possible or
 * paced in real time by their timestamps. A reader thread answers the server (acks).
 */
public final class RtmpPush implements AutoCloseable {

    /** Called after a sample's bytes were written to the socket, with System.nanoTime(). */
    public interface SentListener {
        void sent(MediaSample sample, long nanoTime);
    }

    private final Socket socket;
    private final OutputStream out;
    private final RtmpClientSession session;
    private final Object lock = new Object();
    private final CountDownLatch publishing = new CountDownLatch(1);
    private volatile String failure;
    private final Thread reader;

    private RtmpPush(Socket socket, RtmpClientSession session) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.session = session;
        this.reader = new Thread(this::readLoop, "rtmp-push-reader");
        this.reader.setDaemon(true);
    }

    public static RtmpPush publish(int port, String key, EncodedMedia media) {
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            RtmpClientSession session = new RtmpClientSession("live", "rtmp://127.0.0.1:" + port + "/live", key,
                    RtmpLimits.defaults());
            RtmpPush p = new RtmpPush(s, session);
            p.write(session.drainOutbound());
            p.reader.start();
            if (!p.publishing.await(10, TimeUnit.SECONDS) || p.failure != null) {
                s.close();
                throw new IllegalStateException("publish of '" + key + "' failed: " + p.failure);
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("width", (double) media.width());
            meta.put("height", (double) media.height());
            meta.put("framerate", (double) media.fps());
            meta.put("videocodecid", 7.0);
            if (media.asc() != null) {
                meta.put("audiocodecid", 10.0);
            }
            synchronized (p.lock) {
                p.write(session.encodeMetaData(meta));
                p.write(session.encodeVideo(0, cat(new byte[]{0x17, 0, 0, 0, 0}, media.avcC())));
                if (media.asc() != null) {
                    p.write(session.encodeAudio(0, cat(new byte[]{(byte) 0xAF, 0}, media.asc())));
                }
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void readLoop() {
        byte[] buf = new byte[16384];
        try {
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (lock) {
                    List<RtmpClientEvent> events = session.receive(buf, 0, n);
                    write(session.drainOutbound());
                    for (RtmpClientEvent e : events) {
                        if (e instanceof RtmpClientEvent.PublishStarted) {
                            publishing.countDown();
                        } else if (e instanceof RtmpClientEvent.Failed f) {
                            failure = f.code() + ": " + f.description();
                            publishing.countDown();
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!socket.isClosed()) {
                failure = String.valueOf(e);
                publishing.countDown();
            }
        }
    }

    private void write(byte[] bytes) throws IOException {
        if (bytes.length > 0) {
            out.write(bytes);
            out.flush();
        }
    }

    /** FLV tag body for one sample. */
    public static byte[] flvPayload(MediaSample s) {
        if (s.track() == Track.VIDEO) {
            int cts = s.compositionOffset();
            byte[] head = {(byte) (s.keyframe() ? 0x17 : 0x27), 1, (byte) (cts >> 16), (byte) (cts >> 8), (byte) cts};
            return cat(head, s.data());
        }
        return cat(new byte[]{(byte) 0xAF, 1}, s.data());
    }

    /** Sends one sample (timestamp shifted by {@code tsOffsetMs}); returns System.nanoTime() after the write. */
    public long send(MediaSample s, long tsOffsetMs) {
        byte[] payload = flvPayload(s);
        try {
            synchronized (lock) {
                long ts = s.dts() + tsOffsetMs;
                write(s.track() == Track.VIDEO ? session.encodeVideo(ts, payload) : session.encodeAudio(ts, payload));
            }
            return System.nanoTime();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An {@code onMetaData} data message: changes no media, keeps the connection from idling out. */
    public void sendMetaData(Map<String, ?> values) {
        try {
            synchronized (lock) {
                write(session.encodeMetaData(values));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends all samples as fast as the socket takes them. */
    public void sendAll(List<MediaSample> samples) {
        for (MediaSample s : samples) {
            send(s, 0);
        }
    }

    /**
     * Sends samples in real time: a sample of timestamp t leaves at start + (t - t0).
     * Stops at the end of the list, at {@code deadlineNanos}, or when interrupted.
     * @return the number of samples sent
     */
    public int sendPaced(List<MediaSample> samples, long deadlineNanos, SentListener listener) {
        if (samples.isEmpty()) {
            return 0;
        }
        long t0 = samples.get(0).dts();
        long start = System.nanoTime();
        int n = 0;
        for (MediaSample s : samples) {
            long due = start + (s.dts() - t0) * 1_000_000L;
            long now;
            while ((now = System.nanoTime()) < due) {
                long wait = due - now;
                if (wait > 2_000_000) {
                    try {
                        Thread.sleep((wait - 1_000_000) / 1_000_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return n;
                    }
                } else {
                    Thread.onSpinWait();
                }
            }
            if (now > deadlineNanos || Thread.currentThread().isInterrupted()) {
                return n;
            }
            long sent = send(s, 0);
            if (listener != null) {
                listener.sent(s, sent);
            }
            n++;
        }
        return n;
    }

    /** Stops like FFmpeg does (FCUnpublish + deleteStream), then closes. */
    public void unpublish() {
        synchronized (lock) {
            session.unpublish();
            try {
                write(session.drainOutbound());
            } catch (IOException e) {
                // the server went first: closing anyway
            }
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    static byte[] cat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
