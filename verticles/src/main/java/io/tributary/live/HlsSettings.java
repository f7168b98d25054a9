package io.tributary.live;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

/**
 * How live streams are cut and kept: the {@code hls.*} keys.
 *
 * @param segmentTarget  seconds; segments cut on the first keyframe after this
 * @param partTarget     seconds; the LL-HLS part target
 * @param windowSegments complete segments in a media playlist
 * @param retainSegments segments still fetchable after leaving the playlist
 */
public record HlsSettings(double segmentTarget, double partTarget, int windowSegments, int retainSegments) {

    public static HlsSettings from(Settings s) {
        double segment = s.decimal("hls.segment-target", 1.0, 10.0);
        double part = s.decimal("hls.part-target", 0.2, 2.0);
        if (part > segment / 2) {
            throw ConfigException.invalid("hls.part-target", "at most half of hls.segment-target (" + segment + ")", part);
        }
        return new HlsSettings(segment, part, s.integer("hls.window-segments", 3, 1000), s.integer("hls.retain-segments", 0, 1000));
    }
}
