package io.tributary.ssai;

import io.tributary.media.dash.SplicedManifest;

import java.util.List;

/**
 * What one session's live MPD request gets beyond the shared MPD: its pods, each ad a Period.
 *
 * @param toleranceMs a segment starting this close to a break's boundary counts as at it
 */
public record SessionManifestView(String session, List<SplicedManifest.Pod> pods, long toleranceMs) {

    public SessionManifestView {
        pods = List.copyOf(pods);
    }
}
