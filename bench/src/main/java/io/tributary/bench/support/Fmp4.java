package io.tributary.bench.support;

import java.util.ArrayList;
import java.util.List;

/** Just enough ISO-BMFF reading to list the decode times of the samples of a CMAF fragment. */
public final class Fmp4 {

    private Fmp4() {
    }

    /** Decode times (track timescale) of every sample in every moof/traf of {@code data}. */
    public static List<Long> sampleDecodeTimes(byte[] data) {
        List<Long> out = new ArrayList<>();
        int pos = 0;
        while (pos + 8 <= data.length) {
            int size = u32(data, pos);
            String type = new String(data, pos + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            if (size < 8 || pos + size > data.length) {
                break;
            }
            if (type.equals("moof")) {
                moof(data, pos + 8, pos + size, out);
            }
            pos += size;
        }
        return out;
    }

    private static void moof(byte[] d, int from, int to, List<Long> out) {
        for (int p = from; p + 8 <= to; ) {
            int size = u32(d, p);
            if (size < 8) {
                return;
            }
            if (type(d, p).equals("traf")) {
                traf(d, p + 8, p + size, out);
            }
            p += size;
        }
    }

    private static void traf(byte[] d, int from, int to, List<Long> out) {
        long base = 0;
        long defaultDuration = 0;
        List<int[]> truns = new ArrayList<>();
        for (int p = from; p + 8 <= to; ) {
            int size = u32(d, p);
            if (size < 8) {
                return;
            }
            String t = type(d, p);
            int version = d[p + 8] & 0xFF;
            int flags = u32(d, p + 8) & 0xFFFFFF;
            int q = p + 12;
            if (t.equals("tfdt")) {
                base = version == 1 ? ((long) u32(d, q) << 32) | (u32(d, q + 4) & 0xFFFFFFFFL) : u32(d, q) & 0xFFFFFFFFL;
            } else if (t.equals("tfhd")) {
                q += 4; // track_ID
                if ((flags & 0x01) != 0) q += 8;
                if ((flags & 0x02) != 0) q += 4;
                if ((flags & 0x08) != 0) defaultDuration = u32(d, q) & 0xFFFFFFFFL;
            } else if (t.equals("trun")) {
                truns.add(new int[]{p, flags});
            }
            p += size;
        }
        long time = base;
        for (int[] tr : truns) {
            int flags = tr[1];
            int q = tr[0] + 12;
            int count = u32(d, q);
            q += 4;
            if ((flags & 0x01) != 0) q += 4;
            if ((flags & 0x04) != 0) q += 4;
            for (int i = 0; i < count; i++) {
                long dur = defaultDuration;
                if ((flags & 0x100) != 0) {
                    dur = u32(d, q) & 0xFFFFFFFFL;
                    q += 4;
                }
                if ((flags & 0x200) != 0) q += 4;
                if ((flags & 0x400) != 0) q += 4;
                if ((flags & 0x800) != 0) q += 4;
                out.add(time);
                time += dur;
            }
        }
    }

    private static String type(byte[] d, int p) {
        return new String(d, p + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static int u32(byte[] d, int p) {
        return ((d[p] & 0xFF) << 24) | ((d[p + 1] & 0xFF) << 16) | ((d[p + 2] & 0xFF) << 8) | (d[p + 3] & 0xFF);
    }
}
