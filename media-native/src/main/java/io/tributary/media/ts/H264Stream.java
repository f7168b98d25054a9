package io.tributary.media.ts;

import io.tributary.media.MediaEvent;
import io.tributary.media.codec.AvcConfig;
import io.tributary.media.codec.MediaFormatException;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * H.264 PES (one access unit each, Annex B) into MP4-form samples: 4-byte length-prefixed NAL units
 * without AUD, SPS, PPS, filler and end-of-sequence/stream. SPS/PPS become an
 * AVCDecoderConfigurationRecord, emitted before the first sample and again whenever they change.
 * Samples wait for a configuration and then for the first IDR.
 */
final class H264Stream implements EsHandler {

    private static final int MAX_PARAMETER_SETS = 31;

    private final TsDemuxer.Counters counters;
    private List<byte[]> sps = new ArrayList<>();
    private List<byte[]> pps = new ArrayList<>();
    private byte[] record;
    private boolean started;
    private final AccessUnitBuffer sample = new AccessUnitBuffer();

    H264Stream(TsDemuxer.Counters counters) {
        this.counters = counters;
    }

    @Override
    public void pes(long pts, long dts, byte[] b, int off, int len, List<MediaEvent> out) {
        sample.clear();
        List<byte[]> auSps = new ArrayList<>(1);
        List<byte[]> auPps = new ArrayList<>(1);
        boolean[] idr = {false};
        AnnexB.forEach(b, off, len, (buf, o, n) -> {
            int type = buf[o] & 0x1F;
            switch (type) {
                case 7 -> VideoAccessUnits.addUnique(auSps, buf, o, n, MAX_PARAMETER_SETS);
                case 8 -> VideoAccessUnits.addUnique(auPps, buf, o, n, MAX_PARAMETER_SETS);
                case 9, 10, 11, 12 -> { } // AUD, end of sequence/stream, filler: not sample data in MP4
                default -> {
                    if (type == 5) {
                        idr[0] = true;
                    }
                    sample.addLengthPrefixed(buf, o, n);
                }
            }
        });
        if (!auSps.isEmpty() || !auPps.isEmpty()) {
            List<byte[]> newSps = auSps.isEmpty() ? sps : auSps;
            List<byte[]> newPps = auPps.isEmpty() ? pps : auPps;
            if (!newSps.isEmpty() && !newPps.isEmpty()) {
                byte[] rec = recordOf(newSps, newPps);
                if (rec != null) {
                    sps = newSps;
                    pps = newPps;
                    if (!Arrays.equals(rec, record)) {
                        record = rec;
                        out.add(new MediaEvent.VideoConfig(rec));
                    }
                }
            } else {
                sps = newSps;
                pps = newPps;
            }
        }
        started = VideoAccessUnits.emit(sample, dts, pts, idr[0], record != null, started, counters, out);
    }


    /** The avcC record (4-byte NAL lengths) of these parameter sets, or null if the SPS does not parse. */
    private byte[] recordOf(List<byte[]> spsList, List<byte[]> ppsList) {
        byte[] first = spsList.get(0);
        if (first.length < 4 || first.length > 0xFFFF) {
            counters.configErrors++;
            return null;
        }
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.write(1);
        r.write(first[1]);
        r.write(first[2]);
        r.write(first[3]);
        r.write(0xFF); // reserved + lengthSizeMinusOne = 3
        r.write(0xE0 | spsList.size());
        for (byte[] s : spsList) {
            r.write(s.length >>> 8);
            r.write(s.length);
            r.write(s, 0, s.length);
        }
        r.write(ppsList.size());
        for (byte[] p : ppsList) {
            if (p.length > 0xFFFF) {
                counters.configErrors++;
                return null;
            }
            r.write(p.length >>> 8);
            r.write(p.length);
            r.write(p, 0, p.length);
        }
        try {
            int profile = first[1] & 0xFF;
            if (profile != 66 && profile != 77 && profile != 88) {
                // 14496-15 5.3.3.1: the high profiles add chroma format and bit depths
                AnnexB.Rbsp rbsp = new AnnexB.Rbsp(first, 4, first.length - 4);
                rbsp.ue(); // seq_parameter_set_id
                int chroma = 1;
                int lumaDepth = 0;
                int chromaDepth = 0;
                if (hasChromaInfo(profile)) {
                    chroma = rbsp.ue();
                    if (chroma == 3) {
                        rbsp.bits(1);
                    }
                    lumaDepth = rbsp.ue();
                    chromaDepth = rbsp.ue();
                }
                if (chroma > 3 || lumaDepth > 6 || chromaDepth > 6) {
                    throw new MediaFormatException("SPS chroma format / bit depth out of range");
                }
                r.write(0xFC | chroma);
                r.write(0xF8 | lumaDepth);
                r.write(0xF8 | chromaDepth);
                r.write(0);
            }
            byte[] rec = r.toByteArray();
            AvcConfig.parse(rec); // refuses an SPS the packager could not describe
            return rec;
        } catch (MediaFormatException e) {
            counters.configErrors++;
            return null;
        }
    }

    private static boolean hasChromaInfo(int profileIdc) {
        return switch (profileIdc) {
            case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 -> true;
            default -> false;
        };
    }
}
