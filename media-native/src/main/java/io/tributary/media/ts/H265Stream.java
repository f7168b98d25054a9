package io.tributary.media.ts;

import io.tributary.media.MediaEvent;
import io.tributary.media.VideoCodec;
import io.tributary.media.codec.HevcConfig;
import io.tributary.media.codec.MediaFormatException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * H.265 PES (one access unit each, Annex B) into MP4-form samples: 4-byte length-prefixed NAL units
 * without AUD, VPS/SPS/PPS, end of sequence/bitstream and filler. The parameter sets become an hvcC
 * record, emitted before the first sample and whenever they change. A sample is a keyframe when it
 * holds an IRAP picture (BLA, IDR or CRA, NAL types 16 to 21); samples wait for a configuration
 * and then for the first IRAP.
 */
final class H265Stream implements EsHandler {

    private static final int MAX_PARAMETER_SETS = 16;
    private static final int VPS = 32;
    private static final int SPS = 33;
    private static final int PPS = 34;

    private final TsDemuxer.Counters counters;
    private List<byte[]> vps = new ArrayList<>();
    private List<byte[]> sps = new ArrayList<>();
    private List<byte[]> pps = new ArrayList<>();
    private byte[] record;
    private boolean started;
    private final AccessUnitBuffer sample = new AccessUnitBuffer();

    H265Stream(TsDemuxer.Counters counters) {
        this.counters = counters;
    }

    @Override
    public void pes(long pts, long dts, byte[] b, int off, int len, List<MediaEvent> out) {
        sample.clear();
        List<byte[]> auVps = new ArrayList<>(1);
        List<byte[]> auSps = new ArrayList<>(1);
        List<byte[]> auPps = new ArrayList<>(1);
        boolean[] irap = {false};
        AnnexB.forEach(b, off, len, (buf, o, n) -> {
            if (n < 2) {
                return; // a NAL header alone is two bytes
            }
            int type = (buf[o] >> 1) & 0x3F;
            switch (type) {
                case VPS -> VideoAccessUnits.addUnique(auVps, buf, o, n, MAX_PARAMETER_SETS);
                case SPS -> VideoAccessUnits.addUnique(auSps, buf, o, n, MAX_PARAMETER_SETS);
                case PPS -> VideoAccessUnits.addUnique(auPps, buf, o, n, MAX_PARAMETER_SETS);
                case 35, 36, 37, 38 -> { } // AUD, end of sequence/bitstream, filler
                default -> {
                    if (type >= 16 && type <= 21) {
                        irap[0] = true;
                    }
                    sample.addLengthPrefixed(buf, o, n);
                }
            }
        });
        if (!auVps.isEmpty() || !auSps.isEmpty() || !auPps.isEmpty()) {
            List<byte[]> v = auVps.isEmpty() ? vps : auVps;
            List<byte[]> s = auSps.isEmpty() ? sps : auSps;
            List<byte[]> p = auPps.isEmpty() ? pps : auPps;
            if (!v.isEmpty() && !s.isEmpty() && !p.isEmpty()) {
                try {
                    byte[] rec = HevcConfig.fromParameterSets(v, s, p);
                    HevcConfig.parse(rec);
                    vps = v;
                    sps = s;
                    pps = p;
                    if (!Arrays.equals(rec, record)) {
                        record = rec;
                        out.add(new MediaEvent.VideoConfig(VideoCodec.H265, rec));
                    }
                } catch (MediaFormatException e) {
                    counters.configErrors++;
                }
            } else {
                vps = v;
                sps = s;
                pps = p;
            }
        }
        started = VideoAccessUnits.emit(sample, dts, pts, irap[0], record != null, started, counters, out);
    }
}
