package io.tributary.media.timeline;

/**
 * What a {@link RenditionTimeline} tells its owner as it grows, called synchronously by
 * the timeline's single writer right after the new snapshot is published (so a listener
 * that reads {@link RenditionTimeline#snapshot()} sees the change).
 */
public interface TimelineListener {

    TimelineListener NONE = new TimelineListener() {
    };

    /** A part of the open segment {@code segment} was published. */
    default void partPublished(RenditionTimeline timeline, MediaSegment segment, MediaPart part) {
    }

    /** Segment {@code segment} is complete (it has at least one part); {@code init} is the init segment it needs. */
    default void segmentCompleted(RenditionTimeline timeline, MediaSegment segment, byte[] init) {
    }
}
