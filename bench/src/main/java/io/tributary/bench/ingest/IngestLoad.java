package io.tributary.bench.ingest;

import io.tributary.media.flv.FlvFileReader;
import io.tributary.media.flv.FlvTag;
import io.tributary.media.rtmp.RtmpClientEvent;
import io.tributary.media.rtmp.RtmpClientSession;
import io.tributary.media.rtmp.RtmpLimits;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ingest load generator (its own JVM, pinned to its own core by the caller): N RTMP
 * publishers on one NIO selector thread, each replaying the same FLV in real time with
 * timestamps continuing across loops. Connections are spread over a ramp so keyframes
 * are spread too. The monitor of {@link LoadGenerator} measures one window after warm-up and
 * prints one {@code RESULT k=v ...} line.
 *
 * <p>Usage: {@code IngestLoad --flv F --rtmp-port P --publishers N [--http-port H --server-pid PID]
 * [--server-cpu 0] [--ramp-ms 8000] [--warmup-s 10] [--measure-s 30] [--keys prefix]}.
 * Without --http-port the target is a plain sink (no metrics, no playlists).
 */
public final class IngestLoad extends LoadGenerator {

    /** A publisher whose unsent bytes exceed this stops encoding (it is then "behind"). */
    private static final int MAX_PENDING = 4 << 20;

    private final List<FlvTag> media = new ArrayList<>();
    private FlvTag videoHeader;
    private FlvTag audioHeader;
    private long loopMs;
    private final List<Pub> pubs = new ArrayList<>();
    private Selector selector;
    private final ByteBuffer readBuf = ByteBuffer.allocate(64 * 1024);

    // written by the I/O thread, read by the monitor
    private volatile int failed;

    private static final class Pub {
        final int index;
        final String key;
        final long connectAtNanos;
        SocketChannel ch;
        SelectionKey sk;
        RtmpClientSession session;
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        long pending;
        boolean connected;
        boolean publishing;
        boolean dead;
        long startNanos;
        int cursor;
        long loop;
        long lastVideoTs = -1;
        long lastAudioTs = -1;

        Pub(int index, String key, long connectAtNanos) {
            this.index = index;
            this.key = key;
            this.connectAtNanos = connectAtNanos;
        }
    }

    IngestLoad(Map<String, String> opt) {
        // HTTP/2: the client's default, as it always scraped
        super(opt, new Protocol("bench", HttpClient.Version.HTTP_2, "", "tributary_publishers", "tributary_rtmp_rejected_total"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = BenchSupport.options(args);
        new IngestLoad(opt).run();
    }

    private void load(Path flv) throws IOException {
        long lastVideo = 0;
        List<Long> deltas = new ArrayList<>();
        for (FlvTag t : FlvFileReader.readAll(flv)) {
            byte[] p = t.payload();
            if (t.type() == FlvTag.VIDEO && p.length > 1 && (p[0] & 0x0F) == 7 && p[1] == 0) {
                videoHeader = videoHeader == null ? t : videoHeader;
            } else if (t.type() == FlvTag.AUDIO && p.length > 1 && ((p[0] & 0xF0) >> 4) == 10 && p[1] == 0) {
                audioHeader = audioHeader == null ? t : audioHeader;
            } else if (t.type() == FlvTag.VIDEO || t.type() == FlvTag.AUDIO) {
                if (t.type() == FlvTag.VIDEO) {
                    if (lastVideo > 0 || !deltas.isEmpty()) {
                        deltas.add(t.timestamp() - lastVideo);
                    }
                    lastVideo = t.timestamp();
                }
                media.add(t);
            }
        }
        Collections.sort(deltas);
        long frame = deltas.isEmpty() ? 33 : deltas.get(deltas.size() / 2);
        loopMs = lastVideo + frame;
        if (videoHeader == null || audioHeader == null) {
            throw new IOException(flv + " lacks an AVC or AAC sequence header");
        }
    }

    void run() throws Exception {
        Path flv = Path.of(opt("flv", null));
        int port = Integer.parseInt(opt("rtmp-port", null));
        int n = publishers();
        long rampMs = rampMs(n);
        load(flv);
        long mediaBytes = 0;
        long videoFrames = 0;
        for (FlvTag t : media) {
            mediaBytes += t.payload().length;
            videoFrames += t.type() == FlvTag.VIDEO ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "source %s: %d media tags (%d video) over %d ms per loop, %.0f kbit/s of tag payload%n",
                flv.getFileName(), media.size(), videoFrames, loopMs, mediaBytes * 8.0 / loopMs);
        selector = Selector.open();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pubs.add(new Pub(i, key(i), t0 + rampMs * 1_000_000L * i / n));
        }
        measure(n, rampMs, () -> ioLoop(port));
    }

    private void ioLoop(int port) throws IOException {
        int nextConnect = 0;
        long hardEnd = System.nanoTime() + Duration.ofMinutes(5).toNanos(); // bound, whatever the monitor does
        while (!stop && System.nanoTime() < hardEnd) {
            long now = System.nanoTime();
            while (nextConnect < pubs.size() && pubs.get(nextConnect).connectAtNanos <= now) {
                connect(pubs.get(nextConnect++), port);
            }
            long lag = 0;
            int live = 0;
            for (Pub p : pubs) {
                if (p.publishing && !p.dead) {
                    lag = Math.max(lag, pump(p, now));
                    live++;
                }
            }
            maxLagMs = lag;
            publishing = live;
            selector.select(1);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                Pub p = (Pub) k.attachment();
                try {
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isConnectable()) {
                        p.ch.finishConnect();
                        p.connected = true;
                        p.sk.interestOps(SelectionKey.OP_READ);
                        enqueue(p, p.session.drainOutbound());
                    }
                    if (k.isValid() && k.isReadable()) {
                        read(p);
                    }
                    if (k.isValid() && k.isWritable()) {
                        flush(p);
                    }
                } catch (IOException | RuntimeException e) {
                    kill(p, e.toString());
                }
            }
        }
        for (Pub p : pubs) {
            if (p.ch != null) {
                try {
                    p.ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        selector.close();
    }

    private void connect(Pub p, int port) {
        try {
            p.session = new RtmpClientSession("live", "rtmp://127.0.0.1:" + port + "/live", p.key, RtmpLimits.defaults());
            p.ch = SocketChannel.open();
            p.ch.configureBlocking(false);
            p.ch.socket().setTcpNoDelay(true);
            p.ch.connect(new InetSocketAddress("127.0.0.1", port));
            p.sk = p.ch.register(selector, SelectionKey.OP_CONNECT, p);
        } catch (IOException e) {
            kill(p, e.toString());
        }
    }

    private void read(Pub p) throws IOException {
        readBuf.clear();
        int r = p.ch.read(readBuf);
        if (r < 0) {
            kill(p, "server closed the connection");
            return;
        }
        if (r == 0) {
            return;
        }
        for (RtmpClientEvent e : p.session.receive(readBuf.array(), 0, r)) {
            if (e instanceof RtmpClientEvent.PublishStarted) {
                enqueue(p, p.session.drainOutbound());
                p.publishing = true;
                p.startNanos = System.nanoTime();
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("width", 1280.0);
                meta.put("height", 720.0);
                meta.put("framerate", 30.0);
                meta.put("videocodecid", 7.0);
                meta.put("audiocodecid", 10.0);
                meta.put("encoder", "tributary-bench IngestLoad");
                enqueue(p, p.session.encodeMetaData(meta));
                enqueue(p, p.session.encodeVideo(0, videoHeader.payload()));
                enqueue(p, p.session.encodeAudio(0, audioHeader.payload()));
            } else if (e instanceof RtmpClientEvent.Failed f) {
                failed++;
                kill(p, "publish failed: " + f.code() + " " + f.description());
                return;
            }
        }
        enqueue(p, p.session.drainOutbound());
    }

    /** Encodes every tag now due; returns how far behind schedule the publisher is (ms). */
    private long pump(Pub p, long now) {
        long mediaNow = (now - p.startNanos) / 1_000_000;
        long queued = 0;
        while (true) {
            FlvTag t = media.get(p.cursor);
            long ts = p.loop * loopMs + t.timestamp();
            if (ts > mediaNow) {
                break;
            }
            if (p.pending > MAX_PENDING) {
                framesSent += queued;
                return mediaNow - ts;
            }
            if (t.type() == FlvTag.VIDEO) {
                if (ts > p.lastVideoTs) {
                    enqueue(p, p.session.encodeVideo(ts, t.payload()));
                    p.lastVideoTs = ts;
                    queued++;
                }
            } else if (ts > p.lastAudioTs) {
                enqueue(p, p.session.encodeAudio(ts, t.payload()));
                p.lastAudioTs = ts;
                queued++;
            }
            if (++p.cursor == media.size()) {
                p.cursor = 0;
                p.loop++;
            }
        }
        if (queued > 0) {
            framesSent += queued;
            try {
                flush(p);
            } catch (IOException e) {
                kill(p, e.toString());
            }
        }
        return 0;
    }

    private void enqueue(Pub p, byte[] bytes) {
        if (bytes.length == 0 || p.dead) {
            return;
        }
        p.out.add(ByteBuffer.wrap(bytes));
        p.pending += bytes.length;
        if (p.connected) {
            try {
                flush(p);
            } catch (IOException e) {
                kill(p, e.toString());
            }
        }
    }

    private final ByteBuffer[] gather = new ByteBuffer[32];

    private void flush(Pub p) throws IOException {
        if (p.dead || !p.connected) {
            return;
        }
        while (!p.out.isEmpty()) {
            int k = 0;
            for (ByteBuffer b : p.out) {
                gather[k++] = b;
                if (k == gather.length) {
                    break;
                }
            }
            long w = p.ch.write(gather, 0, k);
            p.pending -= w;
            bytesSent += w;
            while (!p.out.isEmpty() && !p.out.peek().hasRemaining()) {
                p.out.poll();
            }
            if (!p.out.isEmpty() && p.out.peek().hasRemaining() && w == 0) {
                break;
            }
            if (k < gather.length && !p.out.isEmpty()) {
                break; // partial write: the socket buffer is full
            }
        }
        int ops = p.out.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
        if (p.sk.interestOps() != ops) {
            p.sk.interestOps(ops);
        }
    }

    private void kill(Pub p, String why) {
        if (p.dead) {
            return;
        }
        p.dead = true;
        dead++;
        if (firstFailure.isEmpty()) {
            firstFailure = p.key + ": " + why;
        }
        try {
            if (p.ch != null) {
                p.ch.close();
            }
        } catch (IOException ignored) {
            // already failing
        }
    }

    @Override
    protected void generatorFigures(Map<String, Object> r, double secs) {
        r.put("failed", failed);
    }
}
