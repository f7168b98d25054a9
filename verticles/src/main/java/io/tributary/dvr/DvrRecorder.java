package io.tributary.dvr;

import io.tributary.live.LiveStream;
import io.tributary.live.LiveStreams;
import io.tributary.live.TimelineEvent;
import io.tributary.live.TimelineEvents;
import io.tributary.media.codec.AacConfig;
import io.tributary.media.codec.VideoTrackConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.VertxInternal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Records every completed segment of every recorded stream's renditions: the file (and its init
 * segment, a new recorded version whenever its bytes change) is written on the DVR's worker
 * threads, complete before its row; the rows are batched into one INSERT per flush. Everything
 * here runs on the recorder's own context, fed by the streams' timeline events; a rendition's
 * segments are recorded in order, renditions side by side.
 *
 * <p>A slow disk or database never stalls a stream: segments beyond {@link #MAX_QUEUED} waiting
 * are skipped (counted). A write that fails stops recording for {@link #STOP_MILLIS} (one log
 * line, a metric), then it is tried again; live delivery does not notice.
 */
final class DvrRecorder {

    private static final Logger LOG = Logger.getLogger(DvrRecorder.class.getName());

    /** Segments accepted and not yet written, over all renditions. */
    static final int MAX_QUEUED = 1024;
    /** Their bytes (held in memory until written): 2 s of 500 renditions at 2.5 Mbit/s is ~300 MB. */
    static final long MAX_QUEUED_BYTES = 256L << 20;
    /** Rows waiting for their INSERT; beyond, a failing database loses rows (their files are reconciled away). */
    static final int MAX_ROWS = 20_000;
    /** Rows per INSERT. */
    static final int BATCH_ROWS = 500;
    static final long FLUSH_MILLIS = 250;
    static final long STOP_MILLIS = 10_000;

    private final Vertx vertx;
    private final DvrSettings settings;
    private final LiveStreams streams;
    private final PgDvrIndex index;
    private final DvrFiles files;
    private final DvrMetrics metrics;
    private final WorkerExecutor writers;
    private final Runnable overDisk;
    private final Context context;

    private final Map<String, Map<String, Rendition>> recording = new HashMap<>();
    private final List<RecordedSegment> rows = new ArrayList<>();
    private TimelineEvents.Subscription subscription;
    private long flushTimer = -1;
    private int queued;
    private long queuedBytes;
    private int inserting;
    private long stoppedUntil;
    private boolean closed;

    /** What the recorder keeps per rendition of a live stream. */
    private static final class Rendition {
        Future<Void> tail = Future.succeededFuture();
        int liveInitVersion = -1;
        int recordedInitVersion = -1;
        String initDigest;
        /** The first segment recorded of a live stream, and one after a lost event, starts after a discontinuity. */
        boolean discontinuity = true;
        long peakBitsPerSecond;
        long announcedBitsPerSecond = -1;
    }

    DvrRecorder(Vertx vertx, DvrSettings settings, LiveStreams streams, PgDvrIndex index, DvrFiles files,
                DvrMetrics metrics, WorkerExecutor writers, Runnable overDisk) {
        this.vertx = vertx;
        this.settings = settings;
        this.streams = streams;
        this.index = index;
        this.files = files;
        this.metrics = metrics;
        this.writers = writers;
        this.overDisk = overDisk;
        this.context = ((VertxInternal) vertx).createEventLoopContext();
    }

    void start() {
        context.runOnContext(v -> {
            subscription = streams.events().subscribe("dvr", context, TimelineEvents.DEFAULT_CAPACITY, this::wanted, this::on);
            flushTimer = vertx.setPeriodic(FLUSH_MILLIS, id -> flush());
        });
    }

    /** Tested on the streams' writers: media of streams not recorded is never queued. */
    private boolean wanted(TimelineEvent e) {
        if (e instanceof TimelineEvent.SegmentCompleted s) {
            return settings.records(s.stream());
        }
        return e instanceof TimelineEvent.Discontinuity || e instanceof TimelineEvent.StreamEnded
                || e instanceof TimelineEvent.StreamStarted || e instanceof TimelineEvent.Lagged;
    }

    private void on(TimelineEvent e) {
        if (closed) {
            return;
        }
        if (e instanceof TimelineEvent.SegmentCompleted s) {
            segment(s);
        } else if (e instanceof TimelineEvent.StreamStarted || e instanceof TimelineEvent.StreamEnded) {
            forget(e.stream());
        } else if (e instanceof TimelineEvent.Discontinuity) {
            Map<String, Rendition> rs = recording.get(e.stream());
            if (rs != null) {
                rs.values().forEach(r -> r.discontinuity = true);
            }
        } else if (e instanceof TimelineEvent.Lagged l) {
            // the recorder fell behind its queue: events (segments among them) it will never see
            metrics.skippedLagged.increment(l.dropped());
            recording.values().forEach(rs -> rs.values().forEach(r -> r.discontinuity = true));
        }
    }

    /** A stream ended or started anew: its next segments belong to a new live stream. */
    private void forget(String stream) {
        Map<String, Rendition> rs = recording.remove(stream);
        if (rs != null) {
            metrics.active.addAndGet(-rs.size());
        }
    }

    private void segment(TimelineEvent.SegmentCompleted e) {
        if (!DvrFiles.safeName(e.stream()) || !DvrFiles.safeName(e.rendition())) {
            return;
        }
        Rendition r = recording.computeIfAbsent(e.stream(), k -> new HashMap<>()).computeIfAbsent(e.rendition(), k -> {
            metrics.active.incrementAndGet();
            return new Rendition();
        });
        if (System.currentTimeMillis() < stoppedUntil) {
            metrics.skippedStopped.increment();
            r.discontinuity = true;
            return;
        }
        long bytes = e.segment().size();
        if (queued >= MAX_QUEUED || queuedBytes + bytes > MAX_QUEUED_BYTES || rows.size() >= MAX_ROWS) {
            metrics.skippedBacklog.increment();
            r.discontinuity = true;
            return;
        }
        queued++;
        queuedBytes += bytes;
        boolean discontinuity = r.discontinuity || e.segment().discontinuity();
        r.discontinuity = false;
        r.tail = r.tail.transform(x -> record(r, e, discontinuity)).transform(ar -> {
            queued--;
            queuedBytes -= bytes;
            if (ar.failed()) {
                r.discontinuity = true;
                if (diskFailure(ar.cause())) {
                    writeFailed(e, ar.cause());
                } else {
                    metrics.indexErrors.increment(); // the init's row: the segment waits for the next one
                }
            }
            return Future.succeededFuture();
        });
    }

    private Future<Void> record(Rendition r, TimelineEvent.SegmentCompleted e, boolean discontinuity) {
        if (System.currentTimeMillis() < stoppedUntil) {
            metrics.skippedStopped.increment();
            r.discontinuity = true;
            return Future.succeededFuture();
        }
        String file = DvrFiles.segmentFile(e.stream(), e.rendition(), e.programDateTime());
        ByteBuffer[] chunks = e.chunks();
        return initVersion(r, e)
                .compose(version -> writers.executeBlocking(() -> files.writeNew(file, chunks), false).map(size -> {
                    if (size < 0) {
                        // an earlier recording has a segment at the same PDT (its row wins: ON CONFLICT DO NOTHING)
                        metrics.skippedDuplicate.increment();
                        r.discontinuity = true;
                        return null;
                    }
                    metrics.recordedBytes.increment(size);
                    metrics.used.addAndGet(size);
                    RecordedSegment row = new RecordedSegment(e.stream(), e.rendition(), e.msn(), e.programDateTime(),
                            e.duration(), size, file, version, discontinuity, e.segment().startTime(), e.timescale(),
                            index.node());
                    rows.add(row);
                    if (stoppedUntil != 0) {
                        stoppedUntil = 0;
                        metrics.stopped.set(0);
                        LOG.info("DVR recording resumed: the disk under " + files.root() + " takes writes again");
                    }
                    if (e.duration() > 0) {
                        r.peakBitsPerSecond = Math.max(r.peakBitsPerSecond, (long) Math.ceil(size * 8 / e.duration()));
                    }
                    describe(r, e);
                    if (rows.size() >= BATCH_ROWS) {
                        flush();
                    }
                    return null;
                }));
    }

    /** The recorded init version the segment needs: the last one unless the init's bytes changed. */
    private Future<Integer> initVersion(Rendition r, TimelineEvent.SegmentCompleted e) {
        int live = e.segment().initVersion();
        if (live == r.liveInitVersion && r.recordedInitVersion >= 0) {
            return Future.succeededFuture(r.recordedInitVersion);
        }
        ByteBuffer init = e.init().duplicate();
        byte[] bytes = new byte[init.remaining()];
        init.get(bytes);
        String digest = digest(bytes);
        Future<Object[]> latest = r.initDigest != null
                ? Future.succeededFuture(new Object[]{r.recordedInitVersion, r.initDigest, true})
                : index.latestInit(e.stream(), e.rendition());
        return latest.compose(l -> {
            boolean same = l != null && digest.equals(l[1]);
            if (same && (Boolean) l[2]) {
                return Future.succeededFuture((Integer) l[0]);
            }
            // a new configuration, or the same one recorded by another node: a copy of this node's own
            int version = l == null ? 0 : same ? (Integer) l[0] : (Integer) l[0] + 1;
            String file = DvrFiles.initFile(e.stream(), e.rendition(), version);
            return writers.executeBlocking(() -> files.write(file, ByteBuffer.wrap(bytes)), false)
                    .compose(size -> {
                        metrics.recordedBytes.increment(size);
                        metrics.used.addAndGet(size);
                        return index.insertInit(e.stream(), e.rendition(), version, file, size, digest);
                    })
                    .map(x -> version);
        }).onSuccess(version -> {
            r.liveInitVersion = live;
            r.recordedInitVersion = version;
            r.initDigest = digest;
            r.announcedBitsPerSecond = -1; // a new configuration: say what it is
        });
    }

    /** Keeps the rendition's row (codecs, size, peak bandwidth) current: first time, new init, +10 % peak. */
    private void describe(Rendition r, TimelineEvent.SegmentCompleted e) {
        if (r.announcedBitsPerSecond >= 0 && r.peakBitsPerSecond <= r.announcedBitsPerSecond * 11 / 10) {
            return;
        }
        if (r.announcedBitsPerSecond == -2 && streams.get(e.stream()) == null) {
            return;
        }
        LiveStream s = streams.get(e.stream());
        String codecs = "";
        int width = 0;
        int height = 0;
        boolean audio = LiveStream.AUDIO.equals(e.rendition());
        if (s != null && audio) {
            AacConfig aac = s.audioConfig();
            codecs = aac == null ? "" : aac.codecString();
        } else if (s != null) {
            VideoTrackConfig avc = s.videoConfig(e.rendition());
            if (avc != null) {
                codecs = avc.codecString();
                width = avc.width();
                height = avc.height();
            }
        }
        if (codecs.isEmpty() && r.announcedBitsPerSecond == -2) {
            return; // the stream is gone already: the next segment (or the next stream) tells
        }
        // without codecs (the stream went meanwhile) the row still says the rendition exists; asked again next time
        r.announcedBitsPerSecond = codecs.isEmpty() ? -2 : r.peakBitsPerSecond;
        index.rendition(e.stream(), e.rendition(), codecs, width, height, r.peakBitsPerSecond, audio)
                .onFailure(x -> metrics.indexErrors.increment());
    }

    private static boolean diskFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.io.IOException || c instanceof java.io.UncheckedIOException) {
                return true;
            }
        }
        return false;
    }

    private void writeFailed(TimelineEvent.SegmentCompleted e, Throwable cause) {
        metrics.writeErrors.increment();
        boolean first = stoppedUntil == 0;
        stoppedUntil = System.currentTimeMillis() + STOP_MILLIS;
        metrics.stopped.set(1);
        if (first) {
            LOG.warning("DVR recording stopped (live delivery goes on; retried every " + STOP_MILLIS / 1000
                    + " s): writing " + e.stream() + "/" + e.rendition() + " under " + files.root() + " failed: " + cause);
        }
    }

    /** One INSERT for the rows waiting (at most two in flight; a failed batch is retried while the backlog allows). */
    private void flush() {
        if (rows.isEmpty() || inserting >= 2) {
            return;
        }
        List<RecordedSegment> batch = new ArrayList<>(rows.subList(0, Math.min(rows.size(), BATCH_ROWS)));
        rows.subList(0, batch.size()).clear();
        inserting++;
        long began = System.nanoTime();
        index.insert(batch).onComplete(ar -> {
            inserting--;
            metrics.indexWrite.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
            if (ar.succeeded()) {
                metrics.segments.increment(batch.size());
                if (settings.maxDiskBytes() > 0 && metrics.used.get() > settings.maxDiskBytes()) {
                    overDisk.run();
                }
            } else {
                metrics.indexErrors.increment();
                if (rows.size() + batch.size() <= MAX_ROWS && !closed) {
                    rows.addAll(0, batch);
                } else {
                    LOG.warning("DVR index: " + batch.size() + " rows lost (" + ar.cause().getMessage()
                            + "); their files go at the next start's reconciliation");
                }
            }
        });
    }

    /** Stops taking events, lets the segments in hand be written and their rows inserted (a few seconds at most). */
    Future<Void> close() {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            if (subscription != null) {
                subscription.close();
            }
            vertx.cancelTimer(flushTimer);
            List<Future<Void>> tails = new ArrayList<>();
            recording.values().forEach(rs -> rs.values().forEach(r -> tails.add(r.tail)));
            Future.join(tails).timeout(5, TimeUnit.SECONDS).transform(x -> {
                closed = true;
                List<Future<Integer>> inserts = new ArrayList<>();
                while (!rows.isEmpty()) {
                    List<RecordedSegment> batch = new ArrayList<>(rows.subList(0, Math.min(rows.size(), BATCH_ROWS)));
                    rows.subList(0, batch.size()).clear();
                    inserts.add(index.insert(batch).onSuccess(n -> metrics.segments.increment(batch.size())));
                }
                return Future.join(inserts).timeout(5, TimeUnit.SECONDS);
            }).onComplete(x -> {
                metrics.active.set(0);
                done.complete();
            });
        });
        return done.future();
    }

    static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
