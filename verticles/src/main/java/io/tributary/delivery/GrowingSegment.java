package io.tributary.delivery;

import io.netty.buffer.Unpooled;
import io.tributary.live.LiveStream;
import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.metrics.NodeMetrics;
import io.tributary.metrics.NodeMetrics.DeliveryKind;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;

/**
 * A segment served while it is being built, for low-latency DASH (the MPD's
 * availabilityTimeOffset lets players ask that early): chunked transfer of the parts
 * published so far, then of each part as it is published, ended when the segment
 * completes. The bytes are the completed segment's, since a segment is its parts back to
 * back. If the segment can no longer complete (the stream is gone), or a part does not
 * come in time, the response is reset rather than ended, so no cache keeps a truncated copy.
 * Confined to one delivery event loop, like {@link HeldRequests}.
 */
final class GrowingSegment {

    private final String key;
    private final String rendition;
    private final long msn;
    private final HttpServerResponse response;
    private final HeldRequests held;
    private final NodeMetrics metrics;
    private final long partTimeoutMs;
    private int sentParts;
    private long sentBytes;

    GrowingSegment(String key, String rendition, long msn, HttpServerResponse response, HeldRequests held,
                   NodeMetrics metrics, long partTimeoutMs) {
        this.key = key;
        this.rendition = rendition;
        this.msn = msn;
        this.response = response;
        this.held = held;
        this.metrics = metrics;
        this.partTimeoutMs = partTimeoutMs;
    }

    /** Whether {@code snap} has parts of segment {@code msn} still being built. */
    static boolean building(RenditionSnapshot snap, long msn) {
        return snap != null && snap.open() != null && snap.open().msn() == msn && !snap.open().parts().isEmpty();
    }

    /** Sends the headers (the caller has set Content-Type and Cache-Control) and what exists now. */
    void start(LiveStream stream) {
        response.setChunked(true);
        send(stream);
    }

    private void send(LiveStream stream) {
        if (response.closed() || response.ended()) {
            return;
        }
        RenditionSnapshot snap = stream == null ? null : stream.snapshot(rendition);
        MediaSegment done = snap == null ? null : snap.segment(msn);
        MediaSegment segment = done != null ? done : building(snap, msn) ? snap.open() : null;
        if (segment == null) {
            response.reset();
            return;
        }
        for (int i = sentParts; i < segment.parts().size(); i++) {
            ByteBuffer view = segment.parts().get(i).view();
            sentBytes += view.remaining();
            response.write(BufferInternal.buffer(Unpooled.wrappedBuffer(view)));
        }
        sentParts = segment.parts().size();
        if (done != null) {
            metrics.delivered(DeliveryKind.SEGMENT, sentBytes);
            response.end();
            return;
        }
        held.hold(key, response, partTimeoutMs, this::progressed, this::send, response::reset);
    }

    /** A new part, the segment's completion, or the stream's end (also its removal). */
    private boolean progressed(LiveStream stream) {
        RenditionSnapshot snap = stream == null ? null : stream.snapshot(rendition);
        return snap == null || snap.ended() || snap.segment(msn) != null || !building(snap, msn)
                || snap.open().parts().size() > sentParts;
    }
}
