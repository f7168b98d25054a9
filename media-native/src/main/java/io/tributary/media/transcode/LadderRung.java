package io.tributary.media.transcode;

import java.util.Objects;

/**
 * One rendition of an ABR ladder.
 *
 * <p>Bitrates are in bits per second. {@code preset}, {@code tune}, {@code profile} and
 * {@code level} are x264 names ("veryfast", "zerolatency", "high", "3.1"); null means the
 * transcoder's default (preset veryfast, tune zerolatency, x264's own profile/level choice).
 * {@code maxrate}/{@code bufsize} of 0 mean unconstrained VBV.
 */
public record LadderRung(String name, int width, int height, long bitrate, long maxrate, long bufsize,
        String preset, String tune, String profile, String level, Mode mode) {

    /** What to do with this rung for a given source. */
    public enum Mode {
        /** Always re-encode at this size (unless the source is smaller: no upscaling). */
        ENCODE,
        /** Pass the source through untouched; width/height are nominal. */
        BYPASS,
        /** Pass the source through when it has exactly this size, else behave like ENCODE. */
        BYPASS_IF_MATCH
    }

    public LadderRung {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mode, "mode");
        if (name.isBlank()) {
            throw new IllegalArgumentException("rung name is blank");
        }
        if (width <= 0 || height <= 0 || width > 8192 || height > 8192) {
            throw new IllegalArgumentException("rung " + name + ": bad size " + width + "x" + height);
        }
        if ((width & 1) != 0 || (height & 1) != 0) {
            // 4:2:0 output needs even dimensions
            throw new IllegalArgumentException("rung " + name + ": size must be even: " + width + "x" + height);
        }
        if (bitrate <= 0 && mode != Mode.BYPASS) {
            throw new IllegalArgumentException("rung " + name + ": bitrate must be > 0");
        }
        if (maxrate < 0 || bufsize < 0) {
            throw new IllegalArgumentException("rung " + name + ": maxrate/bufsize must be >= 0");
        }
    }

    /**
     * A rung with live defaults: maxrate 110% of the bitrate and a 2 s VBV buffer, so a
     * segment's size stays close to bitrate x duration; encoder options at their defaults.
     */
    public static LadderRung of(String name, int width, int height, long bitrate, Mode mode) {
        return new LadderRung(name, width, height, bitrate, bitrate * 11 / 10, bitrate * 2, null, null, null, null,
                mode);
    }

    public LadderRung withSize(int w, int h) {
        return new LadderRung(name, w, h, bitrate, maxrate, bufsize, preset, tune, profile, level, mode);
    }

    public LadderRung withMode(Mode m) {
        return new LadderRung(name, width, height, bitrate, maxrate, bufsize, preset, tune, profile, level, m);
    }

    public LadderRung withPreset(String p) {
        return new LadderRung(name, width, height, bitrate, maxrate, bufsize, p, tune, profile, level, mode);
    }

    public LadderRung withProfileLevel(String p, String l) {
        return new LadderRung(name, width, height, bitrate, maxrate, bufsize, preset, tune, p, l, mode);
    }
}
