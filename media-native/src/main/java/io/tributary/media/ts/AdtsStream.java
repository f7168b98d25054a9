package io.tributary.media.ts;

import io.tributary.media.MediaEvent;
import io.tributary.media.MediaSample;
import io.tributary.media.Track;

import java.util.Arrays;
import java.util.List;

/**
 * AAC in ADTS (ISO/IEC 13818-7 / 14496-3 1.A.2) into one raw-frame sample per ADTS frame. The PES
 * PTS is that of the first frame starting in it; the following frames are 1024 samples apart. A
 * frame split across two PES is carried over (bounded), and forgotten if anything was lost between.
 * The AudioSpecificConfig is derived from the ADTS header and emitted when it changes.
 */
final class AdtsStream implements EsHandler {

    private static final int[] RATES = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000,
        11025, 8000, 7350};
    private static final int MAX_FRAME = 8191; // frame_length is 13 bits

    private final TsDemuxer.Counters counters;
    private byte[] config;
    private final byte[] carry = new byte[MAX_FRAME];
    private int carryLen;
    private long carryTime = NO_TIME;

    AdtsStream(TsDemuxer.Counters counters) {
        this.counters = counters;
    }

    @Override
    public void discontinuity() {
        if (carryLen > 0) {
            counters.droppedAccessUnits++;
        }
        carryLen = 0;
    }

    @Override
    public void pes(long pts, long dts, byte[] b, int off, int len, List<MediaEvent> out) {
        int end = off + len;
        int pos = off;
        if (carryLen > 0) {
            if (carryLen < 7) {
                int take = Math.min(7 - carryLen, end - pos);
                System.arraycopy(b, pos, carry, carryLen, take);
                carryLen += take;
                pos += take;
            }
            int need = carryLen >= 7 && isSync(carry, 0, 7) ? frameLength(carry, 0) - carryLen : -1;
            if (need >= 0 && need <= end - pos) {
                System.arraycopy(b, pos, carry, carryLen, need);
                carryLen += need;
                pos += need;
                frame(carry, 0, carryLen, carryTime, out);
            } else {
                counters.droppedAccessUnits++; // a frame spread over three PES, or garbage
            }
            carryLen = 0;
        }
        if (pts == NO_TIME) {
            if (pos < end) {
                counters.droppedAccessUnits++;
            }
            return;
        }
        int index = 0;
        while (pos < end) {
            int left = end - pos;
            if (left < 7) {
                if (isSync(b, pos, left)) {
                    keep(b, pos, left, pts, index);
                } else {
                    counters.droppedAccessUnits++;
                }
                return;
            }
            if (!isSync(b, pos, left)) {
                counters.droppedAccessUnits++; // not where a frame must start: the rest of the PES is unusable
                return;
            }
            int frameLength = frameLength(b, pos);
            int header = (b[pos + 1] & 1) == 0 ? 9 : 7;
            if (frameLength < header + 1) {
                counters.droppedAccessUnits++;
                return;
            }
            if (frameLength > left) {
                keep(b, pos, left, pts, index);
                return;
            }
            int rate = rate(b, pos);
            if (rate == 0) {
                counters.droppedAccessUnits++;
                return;
            }
            frame(b, pos, frameLength, pts + (long) index * 1024 * 90_000 / rate, out);
            index++;
            pos += frameLength;
        }
    }

    private void keep(byte[] b, int pos, int n, long pts, int index) {
        int rate = n >= 3 ? rate(b, pos) : 0;
        carryTime = rate == 0 ? NO_TIME : pts + (long) index * 1024 * 90_000 / rate;
        System.arraycopy(b, pos, carry, 0, n);
        carryLen = n;
    }

    private void frame(byte[] b, int pos, int frameLength, long time, List<MediaEvent> out) {
        int header = (b[pos + 1] & 1) == 0 ? 9 : 7;
        int rateIndex = (b[pos + 2] >> 2) & 0x0F;
        int profile = (b[pos + 2] >> 6) & 0x03;
        int channels = (b[pos + 2] & 1) << 2 | (b[pos + 3] >> 6) & 0x03;
        int rawBlocks = b[pos + 6] & 0x03;
        if (time == NO_TIME || frameLength <= header || rateIndex >= RATES.length || rawBlocks != 0 || channels == 0) {
            // several raw_data_blocks per ADTS frame, or a PCE-described layout: MP4 wants one block per sample
            counters.droppedAccessUnits++;
            return;
        }
        byte[] asc = {
            (byte) ((profile + 1) << 3 | rateIndex >> 1),
            (byte) ((rateIndex & 1) << 7 | channels << 3)
        };
        if (!Arrays.equals(asc, config)) {
            config = asc;
            out.add(new MediaEvent.AudioConfig(asc.clone()));
        }
        counters.samples++;
        out.add(new MediaEvent.Sample(new MediaSample(Track.AUDIO, PtsClock.toMs(time), 0, true,
                Arrays.copyOfRange(b, pos + header, pos + frameLength))));
    }

    private static boolean isSync(byte[] b, int pos, int left) {
        return (b[pos] & 0xFF) == 0xFF && (left < 2 || (b[pos + 1] & 0xF6) == 0xF0);
    }

    private static int frameLength(byte[] b, int pos) {
        return (b[pos + 3] & 0x03) << 11 | (b[pos + 4] & 0xFF) << 3 | (b[pos + 5] & 0xFF) >> 5;
    }

    private static int rate(byte[] b, int pos) {
        int i = (b[pos + 2] >> 2) & 0x0F;
        return i < RATES.length ? RATES[i] : 0;
    }
}
