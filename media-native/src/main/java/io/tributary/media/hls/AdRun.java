package io.tributary.media.hls;

import java.util.List;

/**
 * One ad of a pod as one rendition lists it: its init segment and its media segments, in play order.
 *
 * @param map       the EXT-X-MAP URI of the ad's init segment
 * @param uris      its segments' URIs
 * @param durations their durations in seconds
 */
public record AdRun(String map, List<String> uris, List<Double> durations) {

    public AdRun {
        uris = List.copyOf(uris);
        durations = List.copyOf(durations);
        if (uris.size() != durations.size()) {
            throw new IllegalArgumentException("an ad needs one duration per segment");
        }
    }

    public long durationMs() {
        double s = 0;
        for (double d : durations) {
            s += d;
        }
        return Math.round(s * 1000);
    }
}
