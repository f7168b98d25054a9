package io.tributary.testing;

import io.tributary.Node;
import io.tributary.live.Publication;
import io.tributary.live.PublishException;
import io.tributary.live.PublishSource;
import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.testing.SyntheticAvSource;
import io.vertx.core.Context;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A publisher that is not RTMP: it feeds the node's publication API directly, from a
 * synthetic encoded source, paced at real time on a Vert.x context of its own: what an
 * SRT ingest or a FAST playout does with its own translation.
 */
public final class ApiPublisher implements PublishSource, AutoCloseable {

    private final Node node;
    private final String key;
    private final byte[] avcc;
    private final byte[] asc;
    /** Encoded before anything is sent, so encoding never delays the pacing. */
    private final List<MediaSample> media;
    private final Context context;
    private int cursor;
    private long base;
    private volatile Publication publication;
    private long startedAt;
    private long timer = -1;
    private volatile boolean open;

    /** Encodes {@code seconds} of {@code source} now; {@link #start} sends it in real time. */
    public ApiPublisher(Node node, String key, SyntheticAvSource source, double seconds) {
        this.node = node;
        this.key = key;
        this.avcc = source.avcDecoderConfigurationRecord();
        this.asc = source.audioSpecificConfig();
        this.media = source.next(seconds);
        this.context = node.vertx().getOrCreateContext();
    }

    /** Opens a publication and sends from where the last session stopped (waits until it is open). */
    public ApiPublisher start() {
        CompletableFuture<Void> opened = new CompletableFuture<>();
        context.runOnContext(v -> node.publications().open(key, "test-api", this).onComplete(ar -> {
            if (ar.failed()) {
                opened.completeExceptionally(ar.cause());
                return;
            }
            publication = ar.result();
            open = true;
            publication.accept(new MediaEvent.VideoConfig(avcc));
            if (asc != null) {
                publication.accept(new MediaEvent.AudioConfig(asc));
            }
            // each session starts its clock at 0, as a restarted encoder does
            base = cursor < media.size() ? media.get(cursor).dts() : 0;
            startedAt = System.currentTimeMillis();
            timer = node.vertx().setPeriodic(20, id -> tick());
            opened.complete(null);
        }));
        try {
            opened.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("publication of " + key + " did not open", e);
        }
        return this;
    }

    /** Sends every sample due by the wall clock. */
    private void tick() {
        long due = System.currentTimeMillis() - startedAt;
        while (open && cursor < media.size() && media.get(cursor).dts() - base <= due) {
            MediaSample s = media.get(cursor++);
            try {
                publication.accept(new MediaEvent.Sample(new MediaSample(s.track(), s.dts() - base,
                        s.compositionOffset(), s.keyframe(), s.data())));
            } catch (PublishException e) {
                failed(e);
            }
        }
    }

    /** Stops sending and closes the publication (the stream waits for a reconnect); the next start resumes at a keyframe. */
    public void drop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            open = false;
            if (timer >= 0) {
                node.vertx().cancelTimer(timer);
                timer = -1;
            }
            if (publication != null) {
                publication.close();
                publication = null;
            }
            while (cursor < media.size() && !(media.get(cursor).keyframe()
                    && media.get(cursor).track() == io.tributary.media.Track.VIDEO)) {
                cursor++;
            }
            done.complete(null);
        });
        done.join();
    }

    @Override
    public void pause() {
    }

    @Override
    public void resume() {
    }

    @Override
    public void takenOver() {
        open = false;
    }

    @Override
    public void failed(PublishException error) {
        open = false;
    }

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public String describe() {
        return "test publisher " + key;
    }

    @Override
    public void close() {
        drop();
    }
}
