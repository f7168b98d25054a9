package io.tributary.live;

import io.tributary.media.CueKind;
import io.tributary.log.LogContext;
import io.micrometer.core.instrument.Counter;
import io.tributary.StatusException;
import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.codec.MediaFormatException;
import io.tributary.media.transcode.TranscodeException;
import io.vertx.core.Context;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One source publishing one stream key, from {@link Publications#open}: an ingest
 * connection hands it protocol-neutral {@link MediaEvent}s and cues, in order, on its own
 * context; they run on the stream's writer (directly when the connection is on that
 * event loop, after one hop otherwise). Faults come back as {@link PublishException}:
 * thrown from {@link #accept} when it ran directly, else through
 * {@link PublishSource#failed} on the connection's context.
 */
public final class Publication {

    private static final Logger LOG = Logger.getLogger(Publication.class.getName());

    private final LiveStreams streams;
    private final LiveStream stream;
    private final long id;
    private final PublishSource source;
    private final Context sourceContext;
    private final Counter bytesIn;
    private final Counter videoFrames;
    private final Counter audioFrames;
    private final Counter timestampJumps;
    private boolean closed;
    /** Told when the source closes it: the open publications' registry. */
    private final java.util.function.Consumer<Publication> onClose;
    /** Set on the writer when handed-off media failed: what was queued behind it is dropped. */
    private volatile boolean faulted;

    Publication(LiveStreams streams, LiveStream stream, long id, PublishSource source, Context sourceContext,
                Counter bytesIn, Counter videoFrames, Counter audioFrames, Counter timestampJumps,
                java.util.function.Consumer<Publication> onClose) {
        this.onClose = onClose;
        this.timestampJumps = timestampJumps;
        this.streams = streams;
        this.stream = stream;
        this.id = id;
        this.source = source;
        this.sourceContext = sourceContext;
        this.bytesIn = bytesIn;
        this.videoFrames = videoFrames;
        this.audioFrames = audioFrames;
    }

    public String key() {
        return stream.key();
    }

    /** Bytes the connection received for this stream (protocol overhead included). */
    public void countBytes(long n) {
        bytesIn.increment(n);
    }

    /**
     * One media event from the source.
     *
     * @throws PublishException when it ran on the writer directly and the media is refused
     */
    public void accept(MediaEvent event) {
        if (closed) {
            return;
        }
        if (event instanceof MediaEvent.Sample s) {
            (s.sample().track() == Track.VIDEO ? videoFrames : audioFrames).increment();
        } else if (event instanceof MediaEvent.UnsupportedCodec u) {
            throw new PublishException(PublishException.Kind.BAD_MEDIA, "unsupported_codec",
                    "unsupported " + u.track().name().toLowerCase() + " codec " + u.codec()
                            + " (this server ingests H.264, H.265 or AV1 video and AAC audio)");
        } else if (event instanceof MediaEvent.Cue c) {
            cue(c.kind(), c.mediaTimeMs(), c.durationSeconds(), c.id(), c.scte35());
            return;
        }
        onWriter(() -> apply(event));
    }

    /** An ad-break cue at {@code mediaTimeMs} on the source's clock (SCTE-35, or an operator's call). */
    public void cue(boolean out, long mediaTimeMs, double durationSeconds, String id) {
        cue(out, mediaTimeMs, durationSeconds, id, null);
    }

    /** The same, with the SCTE-35 splice_info_section it came in (or null). */
    public void cue(boolean out, long mediaTimeMs, double durationSeconds, String id, byte[] scte35) {
        cue(CueKind.of(out), mediaTimeMs, durationSeconds, id, scte35);
    }

    /** Any kind of cue, with the SCTE-35 splice_info_section it came in (or null). */
    public void cue(CueKind kind, long mediaTimeMs, double durationSeconds, String id, byte[] scte35) {
        if (!closed) {
            onWriter(() -> {
                if (stream.publishedBy(this.id)) {
                    stream.cue(kind, mediaTimeMs, durationSeconds, id, scte35);
                }
            });
        }
    }

    // ---- a FAST playout: renditions encoded ahead, programme boundaries on the schedule's clock

    /** The video renditions of the next programme, encoded ahead (avcC records, highest first): no ladder runs. */
    public void preparedVideo(java.util.LinkedHashMap<String, byte[]> records) {
        if (!closed) {
            onWriter(() -> prepared(() -> stream.preparedVideo(records)));
        }
    }

    /** One sample of prepared rendition {@code rendition} (video), or of the audio ({@code rendition} null). */
    public void sample(String rendition, MediaSample sample) {
        if (closed) {
            return;
        }
        (sample.track() == Track.VIDEO ? videoFrames : audioFrames).increment();
        onWriter(() -> prepared(() -> {
            if (stream.sample(sample, rendition)) {
                timestampJumps.increment();
            }
        }));
    }

    /** The schedule's next ad break, told ahead of its cue: it starts airing at {@code wallClockMs}. */
    public void breakAhead(String breakId, long wallClockMs, double durationSeconds) {
        if (!closed) {
            onWriter(() -> prepared(() -> stream.breakAhead(breakId, wallClockMs, durationSeconds)));
        }
    }

    /** A programme boundary: a discontinuity in every rendition; the next sample airs at {@code wallClockMs}. */
    public void boundary(long wallClockMs) {
        if (!closed) {
            onWriter(() -> prepared(() -> stream.boundary(wallClockMs)));
        }
    }

    private void prepared(Runnable work) {
        if (!stream.publishedBy(id)) {
            return;
        }
        try {
            work.run();
        } catch (MediaFormatException e) {
            throw new PublishException(PublishException.Kind.BAD_MEDIA, "bad_media", "malformed media: " + e.getMessage());
        }
    }

    /** The source is gone (unpublished, disconnected, failed): the stream waits for a reconnect. */
    public void close() {
        if (!closed) {
            closed = true;
            onClose.accept(this);
            streams.release(stream, id);
        }
    }

    /** The node shuts down: the source tells its broadcaster and closes, on its own context. */
    io.vertx.core.Future<Void> shutdown(String why) {
        if (sourceContext == null) {
            source.shutdown(why);
            return io.vertx.core.Future.succeededFuture();
        }
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        sourceContext.runOnContext(v -> {
            try {
                source.shutdown(why);
            } finally {
                done.complete();
            }
        });
        return done.future();
    }

    private void apply(MediaEvent event) {
        if (!stream.publishedBy(id)) {
            return; // taken over: what this source still sent belongs to no stream
        }
        try {
            if (event instanceof MediaEvent.Sample s) {
                if (stream.sample(s.sample())) {
                    timestampJumps.increment();
                }
            } else if (event instanceof MediaEvent.VideoConfig c) {
                stream.videoConfig(c.codec(), c.record());
            } else if (event instanceof MediaEvent.AudioConfig c) {
                stream.audioConfig(c.audioSpecificConfig());
            } else if (event instanceof MediaEvent.MetaData m) {
                stream.metaData(m.values());
            }
        } catch (MediaFormatException e) {
            throw new PublishException(PublishException.Kind.BAD_MEDIA, "bad_media", "malformed media: " + e.getMessage());
        } catch (TranscodeException e) {
            throw new PublishException(PublishException.Kind.BAD_MEDIA, "transcode_error",
                    "cannot transcode this source: " + e.getMessage());
        } catch (StatusException e) {
            // refused once its media showed what it needs (transcoding capacity)
            throw new PublishException(PublishException.Kind.REJECTED, "capacity", e.getMessage());
        }
    }

    private void onWriter(Runnable work) {
        Context writer = stream.writer();
        if (Writer.on(writer)) {
            work.run(); // the common case: the publisher that created the stream, no hop
            return;
        }
        writer.runOnContext(v -> {
            if (faulted) {
                return;
            }
            try {
                work.run();
            } catch (RuntimeException e) {
                faulted = true;
                PublishException fault;
                if (e instanceof PublishException p) {
                    fault = p;
                } else {
                    try (LogContext c = LogContext.stream(stream.key())) {
                        LOG.log(Level.WARNING, "publication of " + stream.key() + " failed", e);
                    }
                    fault = new PublishException(PublishException.Kind.BAD_MEDIA, "internal_error", e.toString());
                }
                Runnable tell = () -> {
                    if (!closed) { // a fault of a publication the source has closed is no news to it
                        source.failed(fault);
                    }
                };
                if (sourceContext == null) {
                    tell.run();
                } else {
                    sourceContext.runOnContext(x -> tell.run());
                }
            }
        });
    }
}
