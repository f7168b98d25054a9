package io.tributary.live;

import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.timeline.RenditionTimeline;
import io.tributary.media.timeline.TrackPackager;

/**
 * One video rendition of a live stream: the source itself ({@code video}, or a ladder
 * rung bypassed at the source size) or a rung the transcoder encodes.
 */
final class VideoRendition {

    final String name;
    final RenditionTimeline timeline;
    final TrackPackager packager;
    final boolean encoded;
    volatile VideoTrackConfig config;

    VideoRendition(String name, RenditionTimeline timeline, TrackPackager packager, boolean encoded) {
        this.name = name;
        this.timeline = timeline;
        this.packager = packager;
        this.encoded = encoded;
    }
}
