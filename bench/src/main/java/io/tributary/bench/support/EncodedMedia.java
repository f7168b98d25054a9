package io.tributary.bench.support;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.testing.SyntheticAvSource;

import java.util.List;

/**
 * Pre-encoded H.264 (+AAC) from {@link SyntheticAvSource}, encoded before any
 * measurement so that encoding costs nothing while the benchmark runs.
 */
public record EncodedMedia(int width, int height, int fps, int gop, byte[] avcC, byte[] asc,
                           List<MediaSample> samples, double seconds) {

    public static EncodedMedia encode(int width, int height, int fps, int gop, boolean audio, String x264Params,
                                      double seconds) {
        long t0 = System.nanoTime();
        SyntheticAvSource.Builder b = SyntheticAvSource.builder().size(width, height).fps(fps).gop(gop)
                .bFrames(0).audio(audio);
        if (x264Params != null) {
            b.x264Params(x264Params);
        }
        try (SyntheticAvSource src = b.build()) {
            List<MediaSample> samples = src.next(seconds);
            EncodedMedia m = new EncodedMedia(width, height, fps, gop, src.avcDecoderConfigurationRecord(),
                    src.audioSpecificConfig(), List.copyOf(samples), seconds);
            System.out.printf("[media] encoded %.0f s of %dx%d@%d (gop %d, audio %s, x264 %s): %d samples, %.2f Mbit/s video, in %.1f s%n",
                    seconds, width, height, fps, gop, audio, x264Params, samples.size(),
                    m.videoBytes() * 8 / seconds / 1e6, (System.nanoTime() - t0) / 1e9);
            return m;
        }
    }

    public long videoBytes() {
        return samples.stream().filter(s -> s.track() == Track.VIDEO).mapToLong(s -> s.data().length).sum();
    }

    public long videoFrames() {
        return samples.stream().filter(s -> s.track() == Track.VIDEO).count();
    }
}
