package io.tributary.ssai;

import io.tributary.media.hls.PodPlacement;

import java.util.List;

/**
 * What one session's media playlist request gets beyond the shared playlist: its pods placed in the
 * rendition (stitch), or its breaks as interstitials.
 *
 * @param base {session msns minus content msns, discontinuities} of pods the session no longer tracks
 */
public record SessionPlaylistView(String session, SsaiSettings.Mode mode, List<PodPlacement> placements, long[] base,
                                  List<InterstitialBreak> interstitials) {

    /** A break as an HLS Interstitial: its date range and the session's asset list. */
    public record InterstitialBreak(String breakId, long startDate, long durationMs, String assetList) {
    }

    public boolean stitched() {
        return mode == SsaiSettings.Mode.STITCH;
    }
}
