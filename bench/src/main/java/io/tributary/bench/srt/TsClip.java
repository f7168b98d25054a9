package io.tributary.bench.srt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An MPEG-TS clip replayed in a loop as one endless stream, the way {@code IngestLoad} replays
 * its FLV with timestamps continuing: loop k is the clip with every PTS, DTS and PCR moved on
 * by k clip durations and every continuity counter moved on by k times its PID's packet count,
 * so the receiver sees neither a timestamp jump nor a continuity gap at the seam. Sent in
 * 1316-byte payloads (7 TS packets, what FFmpeg and OBS put in one SRT packet). Loops are made
 * on demand and shared by every publisher (one thread).
 */
final class TsClip {

    static final int TS = 188;
    static final int PAYLOAD = 7 * TS;

    private final byte[] clip;
    private final int payloads;
    /** Video PES starts in each payload, and the DTS (90 kHz) of the first of them. */
    private final int[] videoStarts;
    private final long[] videoDts;
    private final int[] ccCount = new int[8192];
    private final long duration90k;
    private final int videoPid;
    private final List<byte[]> loops = new ArrayList<>();
    private final long videoFrames;

    TsClip(byte[] ts) {
        int packets = ts.length / TS;
        payloads = packets / 7;
        clip = java.util.Arrays.copyOf(ts, payloads * PAYLOAD); // whole payloads only: the tail is dropped
        int vpid = -1;
        for (int p = 0; p < payloads * 7; p++) {
            int o = p * TS;
            if (clip[o] != 0x47) {
                throw new IllegalArgumentException("not MPEG-TS: no sync byte at packet " + p);
            }
            int pid = pid(clip, o);
            if (hasPayload(clip, o)) {
                ccCount[pid]++;
            }
            int pes = pesStart(clip, o);
            if (pes >= 0 && vpid < 0 && (clip[pes + 3] & 0xF0) == 0xE0) {
                vpid = pid;
            }
        }
        videoPid = vpid;
        videoStarts = new int[payloads];
        videoDts = new long[payloads];
        long first = Long.MIN_VALUE;
        long last = 0;
        long frames = 0;
        List<Long> deltas = new ArrayList<>();
        for (int p = 0; p < payloads * 7; p++) {
            int o = p * TS;
            int pes = pesStart(clip, o);
            if (pes < 0 || pid(clip, o) != videoPid) {
                continue;
            }
            long dts = dts(clip, pes);
            if (videoStarts[p / 7]++ == 0) {
                videoDts[p / 7] = dts;
            }
            if (first != Long.MIN_VALUE) {
                deltas.add(dts - last);
            } else {
                first = dts;
            }
            last = dts;
            frames++;
        }
        if (frames < 2) {
            throw new IllegalArgumentException("no video in the clip");
        }
        deltas.sort(null);
        duration90k = last - first + deltas.get(deltas.size() / 2);
        videoFrames = frames;
        loops.add(clip);
    }

    static TsClip read(Path file) throws IOException {
        return new TsClip(Files.readAllBytes(file));
    }

    int payloads() {
        return payloads;
    }

    long videoFramesPerLoop() {
        return videoFrames;
    }

    double seconds() {
        return duration90k / 90_000.0;
    }

    /** Bits per second at which the payloads must go for loop k to start at k clip durations. */
    double bitRate() {
        return clip.length * 8.0 / seconds();
    }

    /** The bytes of loop {@code loop} (payload {@code i} is at {@code i * PAYLOAD}). */
    byte[] loop(int loop) {
        while (loops.size() <= loop) {
            loops.add(shifted(loops.size()));
        }
        return loops.get(loop);
    }

    /** Drops loops no publisher will send again. */
    void forgetBefore(int loop) {
        for (int i = 1; i < Math.min(loop, loops.size()); i++) {
            loops.set(i, null);
        }
    }

    int videoStarts(int payload) {
        return videoStarts[payload];
    }

    /** The node's sample time (ms, as its TS demuxer gives it) of the first video frame starting in the payload. */
    long videoDtsMs(int loop, int payload) {
        return Math.floorDiv(videoDts[payload] + loop * duration90k, 90);
    }

    private byte[] shifted(int k) {
        byte[] b = clip.clone();
        long shift = k * duration90k;
        for (int o = 0; o < b.length; o += TS) {
            int pid = pid(b, o);
            if (hasPayload(b, o)) {
                b[o + 3] = (byte) ((b[o + 3] & 0xF0) | ((b[o + 3] + k * ccCount[pid]) & 0x0F));
            }
            if ((b[o + 3] & 0x20) != 0 && (b[o + 4] & 0xFF) >= 7 && (b[o + 5] & 0x10) != 0) {
                long base = ((b[o + 6] & 0xFFL) << 25) | ((b[o + 7] & 0xFFL) << 17) | ((b[o + 8] & 0xFFL) << 9)
                        | ((b[o + 9] & 0xFFL) << 1) | ((b[o + 10] & 0x80L) >> 7);
                base = (base + shift) & ((1L << 33) - 1);
                b[o + 6] = (byte) (base >> 25);
                b[o + 7] = (byte) (base >> 17);
                b[o + 8] = (byte) (base >> 9);
                b[o + 9] = (byte) (base >> 1);
                b[o + 10] = (byte) ((b[o + 10] & 0x7F) | ((base & 1) << 7));
            }
            int pes = pesStart(b, o);
            if (pes >= 0) {
                int flags = (b[pes + 7] & 0xC0) >> 6;
                if (flags >= 2) {
                    putStamp(b, pes + 9, stamp(b, pes + 9) + shift);
                }
                if (flags == 3) {
                    putStamp(b, pes + 14, stamp(b, pes + 14) + shift);
                }
            }
        }
        return b;
    }

    private static int pid(byte[] b, int o) {
        return ((b[o + 1] & 0x1F) << 8) | (b[o + 2] & 0xFF);
    }

    private static boolean hasPayload(byte[] b, int o) {
        return (b[o + 3] & 0x10) != 0;
    }

    /** Offset of a PES header starting in this packet, or -1. */
    private static int pesStart(byte[] b, int o) {
        if ((b[o + 1] & 0x40) == 0 || !hasPayload(b, o)) {
            return -1;
        }
        int p = o + 4;
        if ((b[o + 3] & 0x20) != 0) {
            p += 1 + (b[o + 4] & 0xFF);
        }
        if (p + 19 > o + TS || b[p] != 0 || b[p + 1] != 0 || b[p + 2] != 1) {
            return -1; // a PSI section, or a header split over packets (not written by FFmpeg)
        }
        int id = b[p + 3] & 0xFF;
        return (id >= 0xC0 && id <= 0xEF) ? p : -1;
    }

    private static long dts(byte[] b, int pes) {
        int flags = (b[pes + 7] & 0xC0) >> 6;
        return flags == 3 ? stamp(b, pes + 14) : stamp(b, pes + 9);
    }

    private static long stamp(byte[] b, int p) {
        return ((b[p] & 0x0EL) << 29) | ((b[p + 1] & 0xFFL) << 22) | ((b[p + 2] & 0xFEL) << 14)
                | ((b[p + 3] & 0xFFL) << 7) | ((b[p + 4] & 0xFEL) >> 1);
    }

    private static void putStamp(byte[] b, int p, long v) {
        v &= (1L << 33) - 1;
        b[p] = (byte) ((b[p] & 0xF1) | ((v >> 29) & 0x0E));
        b[p + 1] = (byte) (v >> 22);
        b[p + 2] = (byte) (((v >> 14) & 0xFE) | 1);
        b[p + 3] = (byte) (v >> 7);
        b[p + 4] = (byte) (((v << 1) & 0xFE) | 1);
    }
}
