package io.tributary.testing;

import io.tributary.media.MediaSample;
import io.tributary.media.testing.SyntheticAvSource;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One real RTMP publish of the synthetic A/V source: the publisher and the source it sends,
 * already past Publish.Start and the codec configs. {@link #close()} stops a paced sender,
 * drops the connection and frees the source's encoders.
 */
public final class TestPublication implements AutoCloseable {

    private final RtmpTestPublisher rtmp;
    private final SyntheticAvSource source;
    private final AtomicReference<Throwable> senderFailure = new AtomicReference<>();
    private Thread sender;

    TestPublication(RtmpTestPublisher rtmp, SyntheticAvSource source) {
        this.rtmp = rtmp;
        this.source = source;
    }

    public RtmpTestPublisher rtmp() {
        return rtmp;
    }

    public SyntheticAvSource source() {
        return source;
    }

    /** Encodes {@code seconds} more of the source and sends it at once (faster than real time). */
    public TestPublication send(double seconds) {
        rtmp.send(source.next(seconds), 0);
        return this;
    }

    /**
     * Encodes {@code seconds} more of the source now, then sends it paced in real time on a daemon
     * thread; a send failure other than the connection closing at the end is kept for {@link #senderFailure()}.
     */
    public TestPublication sendPacedInBackground(double seconds) {
        return sendPacedInBackground(source.next(seconds));
    }

    /** Sends {@code media} (already encoded) paced in real time on a daemon thread. */
    public TestPublication sendPacedInBackground(List<MediaSample> media) {
        if (sender != null) {
            throw new IllegalStateException("a paced sender is already running");
        }
        sender = new Thread(() -> {
            try {
                rtmp.sendPaced(media, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                senderFailure.set(t);
            }
        }, "paced-publisher");
        sender.setDaemon(true);
        sender.start();
        return this;
    }

    /** What stopped the paced sender, or null. */
    public Throwable senderFailure() {
        return senderFailure.get();
    }

    /** The paced sender's thread (null when none was started). */
    public Thread sender() {
        return sender;
    }

    /** Waits up to {@code millis} for the paced sender to send its last sample. */
    public void joinSender(long millis) throws InterruptedException {
        if (sender != null) {
            sender.join(millis);
        }
    }

    @Override
    public void close() {
        try {
            if (sender != null) {
                sender.interrupt();
                sender.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            rtmp.close();
            source.close();
        }
    }
}
