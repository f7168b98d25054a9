package io.tributary.ssai;

import io.tributary.live.LiveStream;
import io.tributary.media.codec.VideoTrackConfig;
import io.tributary.media.transcode.LadderRung;
import io.tributary.vod.ConformLadder;

import java.util.ArrayList;
import java.util.List;

/**
 * The ladder a creative is conditioned to for one stream: the stream's video renditions by name and
 * picture size, each at its configured rung bitrate (a rendition outside the ladder, the source
 * alone, at 0.1 bit per pixel), at the stream's frame rate and video timescale. Built from
 * configuration, not measured rates, so one stream keeps one signature from break to break.
 */
final class AdLadders {

    /** Bits per pixel for a rendition without a configured bitrate (the source passed through). */
    static final double SOURCE_BITS_PER_PIXEL = 0.1;

    private AdLadders() {
    }

    /** The stream's ladder, or null when it has no video yet (the creative then takes the VOD template). */
    static ConformLadder of(LiveStream s) {
        if (s == null) {
            return null;
        }
        double fps = s.frameRate() > 0 ? s.frameRate() : 30;
        List<LadderRung> rungs = new ArrayList<>();
        for (String name : s.videoRenditions()) {
            VideoTrackConfig c = s.videoConfig(name);
            if (c == null || c.width() < 2 || c.height() < 2) {
                continue;
            }
            long bitrate = s.rungBitrate(name);
            if (bitrate <= 0) {
                bitrate = Math.round(c.width() * (double) c.height() * fps * SOURCE_BITS_PER_PIXEL);
            }
            rungs.add(ConformLadder.rung(name, c.width(), c.height(), bitrate));
        }
        try {
            return rungs.isEmpty() ? null : new ConformLadder(rungs, fps, LiveStream.VIDEO_TIMESCALE);
        } catch (IllegalArgumentException e) {
            return null; // a ladder no creative is conditioned to (names, sizes): the template and nearest height
        }
    }
}
