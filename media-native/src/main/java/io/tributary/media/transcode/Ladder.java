package io.tributary.media.transcode;

import java.util.ArrayList;
import java.util.List;

/** Resolves a configured ladder against an actual source. */
public final class Ladder {

    /** The seed ladder: each rung is bypassed when the source has exactly its size. */
    public static final List<LadderRung> SEED = List.of(
            LadderRung.of("1080p", 1920, 1080, 4_000_000, LadderRung.Mode.BYPASS_IF_MATCH),
            LadderRung.of("720p", 1280, 720, 1_500_000, LadderRung.Mode.BYPASS_IF_MATCH),
            LadderRung.of("360p", 640, 360, 600_000, LadderRung.Mode.BYPASS_IF_MATCH));

    /**
     * The VOD template: seven rungs from 240p to 4K (top rungs only run for sources that
     * tall). Encoded throughout, since a file is transcoded once and watched many times.
     */
    public static final List<LadderRung> VOD = List.of(
            LadderRung.of("2160p", 3840, 2160, 16_000_000, LadderRung.Mode.ENCODE),
            LadderRung.of("1440p", 2560, 1440, 9_000_000, LadderRung.Mode.ENCODE),
            LadderRung.of("1080p", 1920, 1080, 5_000_000, LadderRung.Mode.ENCODE),
            LadderRung.of("720p", 1280, 720, 2_800_000, LadderRung.Mode.ENCODE),
            LadderRung.of("480p", 854, 480, 1_400_000, LadderRung.Mode.ENCODE),
            LadderRung.of("360p", 640, 360, 800_000, LadderRung.Mode.ENCODE),
            LadderRung.of("240p", 426, 240, 400_000, LadderRung.Mode.ENCODE));

    private Ladder() {
    }

    /**
     * The rungs to run for a source of {@code sourceWidth x sourceHeight}, in configured order.
     * Every returned rung has mode {@link LadderRung.Mode#ENCODE} or {@link LadderRung.Mode#BYPASS}:
     * <ul>
     * <li>BYPASS rungs are kept, with the source's size;</li>
     * <li>rungs taller than the source are dropped (never upscale);</li>
     * <li>BYPASS_IF_MATCH becomes BYPASS when the source has exactly the rung's size, or the size
     *     the rung takes after the aspect adjustment below (a 1440x1080 source for a 1080p rung:
     *     re-encoding at the same size would only lose quality), else ENCODE;</li>
     * <li>an encoded rung keeps its height and takes the source's aspect ratio for its width
     *     (to the nearest even number), so a 4:3 or portrait source is not stretched to 16:9.</li>
     * </ul>
     */
    public static List<LadderRung> resolve(List<LadderRung> rungs, int sourceWidth, int sourceHeight) {
        if (sourceWidth <= 0 || sourceHeight <= 0) {
            throw new IllegalArgumentException("bad source size " + sourceWidth + "x" + sourceHeight);
        }
        List<LadderRung> out = new ArrayList<>();
        for (LadderRung r : rungs) {
            switch (r.mode()) {
                case BYPASS -> out.add(r.withSize(even(sourceWidth), even(sourceHeight)));
                case BYPASS_IF_MATCH, ENCODE -> {
                    if (r.height() > sourceHeight) {
                        continue;
                    }
                    // nearest even width (1280x720 -> 854x480, not 852)
                    int w = 2 * (int) Math.round((double) sourceWidth * r.height() / sourceHeight / 2);
                    w = Math.min(w, even(sourceWidth)); // rounding up must not upscale an odd-width source
                    boolean match = r.width() == sourceWidth && r.height() == sourceHeight
                            || w == sourceWidth && r.height() == sourceHeight;
                    if (r.mode() == LadderRung.Mode.BYPASS_IF_MATCH && match) {
                        out.add(r.withMode(LadderRung.Mode.BYPASS).withSize(even(sourceWidth), even(sourceHeight)));
                    } else {
                        out.add(r.withMode(LadderRung.Mode.ENCODE).withSize(Math.max(2, w), r.height()));
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** The subset of a resolved ladder that needs encoding. */
    public static List<LadderRung> encoded(List<LadderRung> resolved) {
        return resolved.stream().filter(r -> r.mode() == LadderRung.Mode.ENCODE).toList();
    }

    private static int even(int v) {
        return v & ~1;
    }
}
