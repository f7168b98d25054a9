package io.tributary.media.ts;

import io.tributary.media.MediaEvent;

import java.util.Arrays;
import java.util.List;

/**
 * Reassembles the PES packets of one PID. A PES starts at a payload_unit_start packet and ends at
 * the next one, or when PES_packet_length bytes are in. Any damage in between (a continuity gap, a
 * flagged or scrambled packet, an overrun of {@code maxBytes}) drops the whole PES: the handler
 * only ever sees PES whose packets all arrived in order, so no sample mixes two access units.
 */
final class PesAssembler {

    private final EsHandler handler;
    private final PtsClock clock;
    private final TsDemuxer.Counters counters;
    private final int maxBytes;
    private byte[] data = new byte[16 * 1024];
    private int len;
    private boolean active;

    PesAssembler(EsHandler handler, PtsClock clock, TsDemuxer.Counters counters, int maxBytes) {
        this.handler = handler;
        this.clock = clock;
        this.counters = counters;
        this.maxBytes = maxBytes;
    }

    void payload(byte[] b, int off, int n, boolean unitStart, List<MediaEvent> out) {
        if (unitStart) {
            finish(out);
            active = true;
            len = 0;
        } else if (!active) {
            return; // the start of this PES was lost or damaged: wait for the next one
        }
        if (len + n > maxBytes) {
            counters.droppedAccessUnits++;
            active = false;
            handler.discontinuity();
            return;
        }
        if (len + n > data.length) {
            data = Arrays.copyOf(data, Math.min(maxBytes, Math.max(len + n, data.length * 2)));
        }
        System.arraycopy(b, off, data, len, n);
        len += n;
        if (len >= 6) {
            int declared = (data[4] & 0xFF) << 8 | (data[5] & 0xFF);
            if (declared != 0 && len >= 6 + declared) {
                finish(out); // bounded PES (audio usually): no need to wait for the next start
            }
        }
    }

    /** A packet of this PID was lost or unusable: the PES in progress is dropped. */
    void damage() {
        if (active) {
            counters.droppedAccessUnits++;
            active = false;
        }
        handler.discontinuity();
    }

    /** End of input: hand on the PES in progress (its end is the end of the stream). */
    void flush(List<MediaEvent> out) {
        finish(out);
    }

    private void finish(List<MediaEvent> out) {
        if (!active) {
            return;
        }
        active = false;
        if (len < 9 || data[0] != 0 || data[1] != 0 || data[2] != 1) {
            malformed();
            return;
        }
        int declared = (data[4] & 0xFF) << 8 | (data[5] & 0xFF);
        int end = len;
        if (declared != 0) {
            if (6 + declared > len) {
                malformed(); // cut short
                return;
            }
            end = 6 + declared;
        }
        int flags = data[7] & 0xFF;
        int headerLength = data[8] & 0xFF;
        int esStart = 9 + headerLength;
        if (esStart > end || (data[6] & 0xC0) != 0x80) {
            malformed();
            return;
        }
        long pts = EsHandler.NO_TIME;
        long dts = EsHandler.NO_TIME;
        int ptsDtsFlags = flags >> 6;
        if (ptsDtsFlags == 1 || (ptsDtsFlags >= 2 && headerLength < (ptsDtsFlags == 3 ? 10 : 5))) {
            malformed();
            return;
        }
        if (ptsDtsFlags >= 2) {
            pts = clock.take(timestamp(data, 9));
            dts = pts;
            if (ptsDtsFlags == 3) {
                dts = clock.peek(timestamp(data, 14));
                if (dts > pts || pts - dts > 10 * 90_000L) {
                    malformed(); // DTS after PTS, or a reorder delay no encoder uses
                    return;
                }
            }
        }
        handler.pes(pts, dts, data, esStart, end - esStart, out);
        if (data.length > 1024 * 1024) {
            data = new byte[16 * 1024]; // give back the memory of an unusually large PES
        }
    }

    private void malformed() {
        counters.droppedAccessUnits++;
        handler.discontinuity();
    }

    /** The 33-bit PTS/DTS of a 5-byte field (marker bits not enforced: some muxers get them wrong). */
    private static long timestamp(byte[] b, int p) {
        return ((long) (b[p] & 0x0E) << 29) | ((b[p + 1] & 0xFF) << 22) | ((b[p + 2] & 0xFE) << 14)
                | ((b[p + 3] & 0xFF) << 7) | ((b[p + 4] & 0xFF) >>> 1);
    }
}
