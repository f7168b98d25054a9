package io.tributary.media.vast;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Picks the media file a creative is conditioned from: a progressive file of a type the
 * transcoder reads, the smallest that still covers the stream's top rung (no upscaling when a
 * larger one exists), else the largest there is; among equal heights the one whose bitrate fits the
 * player's throughput, then the higher bitrate.
 */
public final class VastMediaPicker {

    /** Progressive types FFmpeg demuxes. */
    public static final Set<String> TRANSCODABLE = Set.of("video/mp4", "video/quicktime", "video/webm", "video/x-matroska",
            "video/x-flv", "video/mp2t", "video/3gpp");

    private VastMediaPicker() {
    }

    /**
     * @param files        the linear's media files
     * @param targetHeight the stream's top rung height (0: the largest file wins)
     * @param maxKbps      the player's throughput, 0 when unknown
     */
    public static Optional<VastMediaFile> best(List<VastMediaFile> files, int targetHeight, long maxKbps) {
        List<VastMediaFile> usable = files.stream().filter(f -> transcodable(f) && f.url().regionMatches(true, 0, "http", 0, 4))
                .toList();
        if (usable.isEmpty()) {
            return Optional.empty();
        }
        Comparator<VastMediaFile> fit = Comparator.comparing((VastMediaFile f) -> maxKbps > 0 && f.bitrateKbps() > maxKbps)
                .thenComparing(Comparator.comparingInt(VastMediaFile::bitrateKbps).reversed());
        Optional<VastMediaFile> covering = usable.stream().filter(f -> targetHeight > 0 && f.height() >= targetHeight)
                .min(Comparator.comparingInt(VastMediaFile::height).thenComparing(fit));
        if (covering.isPresent()) {
            return covering;
        }
        return usable.stream().min(Comparator.comparingInt((VastMediaFile f) -> -f.height()).thenComparing(fit));
    }

    static boolean transcodable(VastMediaFile f) {
        String type = f.type().toLowerCase(Locale.ROOT);
        int semi = type.indexOf(';');
        return (f.delivery().isEmpty() || f.progressive()) && TRANSCODABLE.contains(semi < 0 ? type.trim() : type.substring(0, semi).trim());
    }
}
