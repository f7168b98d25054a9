package io.tributary.media.ts;

import io.tributary.media.MediaEvent;
import io.tributary.media.Track;

import java.util.List;

/** Placeholder until the hvcC builder lands: reports HEVC as unsupported once. */
final class H265Stream implements EsHandler {

    private final TsDemuxer.Counters counters;
    private boolean reported;

    H265Stream(TsDemuxer.Counters counters) {
        this.counters = counters;
    }

    @Override
    public void pes(long pts, long dts, byte[] b, int off, int len, List<MediaEvent> out) {
        if (!reported) {
            reported = true;
            out.add(new MediaEvent.UnsupportedCodec(Track.VIDEO, "hevc"));
        }
        counters.waitingSamples++;
    }
}
