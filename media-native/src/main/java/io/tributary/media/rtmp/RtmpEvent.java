package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;


/** What a publisher did, as decoded by {@link RtmpServerSession}. */
public sealed interface RtmpEvent {

    record Connected(String app, String tcUrl) implements RtmpEvent {
    }

    /** streamKey = publish name with any "?query" removed; query = the part after '?', or "". */
    record PublishRequested(String app, String streamKey, String query) implements RtmpEvent {
    }

    /** Media the publisher sent: configs, samples, metadata (protocol-neutral). */
    record Media(MediaEvent event) implements RtmpEvent {
    }

    /** FCUnpublish / deleteStream / closeStream for the publishing stream. */
    record Unpublished(String streamKey) implements RtmpEvent {
    }
}
