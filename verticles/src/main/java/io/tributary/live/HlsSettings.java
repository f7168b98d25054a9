package io.tributary.live;

import io.tributary.config.ConfigException;
import io.tributary.config.Settings;

/**
 * How live streams are cut and kept: the {@code hls.*} keys.
 *
 * @param segmentTarget  seconds; segments cut on the first keyframe after this
 * @param partTarget     seconds; the LL-HLS part target
 * @param partHoldBack   seconds; the PART-HOLD-BACK playlists give (RFC 8216bis: at least two part
 *                       targets, three recommended and the default; two lets hls.js hold about 0.2 s less)
 * @param windowSegments complete segments in a media playlist
 * @param retainSegments segments still fetchable after leaving the playlist
 */
public record HlsSettings(double segmentTarget, double partTarget, double partHoldBack, int windowSegments, int retainSegments) {

    public static HlsSettings from(Settings s) {
        double segment = s.decimal("hls.segment-target", 1.0, 10.0);
        double part = s.decimal("hls.part-target", 0.2, 2.0);
        if (part > segment / 2) {
            throw ConfigException.invalid("hls.part-target", "at most half of hls.segment-target (" + segment + ")", part);
        }
        double holdBack = s.decimal("hls.part-hold-back", 0, 60);
        if (holdBack == 0) {
            holdBack = 3 * part;
        } else if (holdBack < 2 * part - 1e-9) {
            throw ConfigException.invalid("hls.part-hold-back", "0 (three parts) or at least twice hls.part-target (" + 2 * part + ")", holdBack);
        }
        return new HlsSettings(segment, part, holdBack, s.integer("hls.window-segments", 3, 1000), s.integer("hls.retain-segments", 0, 1000));
    }
}
