package io.tributary.media.vast;

import java.util.List;
import java.util.Map;

/**
 * A {@code Linear} creative: what plays in the break.
 *
 * @param creativeId the {@code Creative}'s {@code id} (else its {@code adId}), "" when it has neither
 * @param durationMs the {@code Duration}; -1 in a Wrapper, which has none
 * @param mediaFiles the renditions the ad server offers (none in a Wrapper)
 * @param tracking   {@code TrackingEvents} URLs by event ({@code start}, {@code firstQuartile}, ...)
 */
public record VastLinear(String creativeId, long durationMs, List<VastMediaFile> mediaFiles, Map<String, List<String>> tracking) {

    public VastLinear {
        mediaFiles = List.copyOf(mediaFiles);
        tracking = VastAd.copy(tracking);
    }
}
