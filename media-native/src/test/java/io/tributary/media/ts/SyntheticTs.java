package io.tributary.media.ts;

import io.tributary.media.scte35.Crc32Mpeg2;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-made transport stream whose access units can be recognised in the demuxer's output:
 * video AU k is one slice NAL whose payload repeats k (two 7-bit bytes, never a start code) for a
 * length that depends on k; audio frame j likewise. Each test can then check that a sample is
 * exactly one whole unit. Video is 25 fps (3600 ticks) with a keyframe every 25, audio is 48 kHz AAC
 * (1920 ticks per frame, three frames per PES); time starts {@code base} ticks in (pass a value near
 * 2^33 to cross the wrap).
 */
final class SyntheticTs {

    static final int PMT_PID = 0x1000;
    static final int VIDEO_PID = 0x100;
    static final int AUDIO_PID = 0x101;
    static final long VIDEO_TICKS = 3600;
    static final long AUDIO_TICKS = 1920;

    /** SPS of a 320x240 baseline stream, hand-coded (H.264 7.3.2.1.1). */
    static final byte[] SPS = sps();
    static final byte[] PPS = {0x68, (byte) 0xCE, 0x38, (byte) 0x80};

    final List<byte[]> packets = new ArrayList<>();
    /** PMT entries after video and audio (stream_type, PID, ES_info_length), for tests of other streams. */
    byte[] extraPmtEntries = new byte[0];
    int audioStreamType = 0x0F;
    final List<Integer> pidOf = new ArrayList<>();
    private final int[] cc = new int[0x2000];

    static int videoLength(int k) {
        return 150 + (k * 7919) % 2500;
    }

    static int audioLength(int j) {
        return 60 + (j * 131) % 400;
    }

    static byte[] pattern(int n, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (0x80 | (i % 2 == 0 ? n & 0x7F : (n >> 7) & 0x7F));
        }
        return b;
    }

    static SyntheticTs build(int videoFrames, long base) {
        return build(new SyntheticTs(), videoFrames, base);
    }

    static SyntheticTs build(SyntheticTs ts, int videoFrames, long base) {
        int audioFrame = 0;
        for (int k = 0; k < videoFrames; k++) {
            if (k % 25 == 0) {
                ts.psi();
            }
            long dts = base + k * VIDEO_TICKS;
            ts.pes(VIDEO_PID, 0xE0, dts + VIDEO_TICKS, dts, videoAu(k), k % 5 == 0);
            List<byte[]> frames = new ArrayList<>();
            long first = base + audioFrame * AUDIO_TICKS;
            while (base + audioFrame * AUDIO_TICKS <= dts) {
                frames.add(adts(audioFrame));
                audioFrame++;
                if (frames.size() == 3) {
                    ts.pes(AUDIO_PID, 0xC0, first, -1, concat(frames), false);
                    frames.clear();
                    first = base + audioFrame * AUDIO_TICKS;
                }
            }
            if (!frames.isEmpty()) {
                ts.pes(AUDIO_PID, 0xC0, first, -1, concat(frames), false);
            }
        }
        return ts;
    }

    static byte[] videoAu(int k) {
        ByteArrayOutputStream es = new ByteArrayOutputStream();
        nal(es, new byte[] {0x09, (byte) 0xF0}); // AUD
        if (k % 25 == 0) {
            nal(es, SPS);
            nal(es, PPS);
        }
        byte[] slice = pattern(k, videoLength(k));
        slice[0] = (byte) (k % 25 == 0 ? 0x65 : 0x41);
        nal(es, slice);
        return es.toByteArray();
    }

    /** Frame j of 48 kHz stereo AAC-LC in an ADTS header. */
    static byte[] adts(int j) {
        byte[] payload = pattern(j, audioLength(j));
        int len = 7 + payload.length;
        byte[] f = new byte[len];
        f[0] = (byte) 0xFF;
        f[1] = (byte) 0xF1;
        f[2] = (byte) (1 << 6 | 3 << 2); // AAC-LC, 48 kHz
        f[3] = (byte) (2 << 6 | (len >> 11) & 3);
        f[4] = (byte) (len >> 3);
        f[5] = (byte) ((len & 7) << 5 | 0x1F);
        f[6] = (byte) 0xFC;
        System.arraycopy(payload, 0, f, 7, payload.length);
        return f;
    }

    private static void nal(ByteArrayOutputStream es, byte[] nal) {
        es.write(0);
        es.write(0);
        es.write(0);
        es.write(1);
        es.write(nal, 0, nal.length);
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(p -> out.write(p, 0, p.length));
        return out.toByteArray();
    }

    void psi() {
        byte[] pat = section(new byte[] {0x00, (byte) 0xB0, 0, 0x00, 0x01, (byte) 0xC1, 0, 0,
            0x00, 0x01, (byte) (0xE0 | PMT_PID >> 8), (byte) PMT_PID});
        byte[] head = {0x02, (byte) 0xB0, 0, 0x00, 0x01, (byte) 0xC1, 0, 0,
            (byte) (0xE0 | VIDEO_PID >> 8), (byte) VIDEO_PID, (byte) 0xF0, 0,
            0x1B, (byte) (0xE0 | VIDEO_PID >> 8), (byte) VIDEO_PID, (byte) 0xF0, 0};
        byte[] audio = {(byte) audioStreamType, (byte) (0xE0 | AUDIO_PID >> 8), (byte) AUDIO_PID, (byte) 0xF0, 0};
        byte[] body = new byte[head.length + audio.length + extraPmtEntries.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(audio, 0, body, head.length, audio.length);
        System.arraycopy(extraPmtEntries, 0, body, head.length + audio.length, extraPmtEntries.length);
        byte[] pmt = section(body);
        sectionPacket(0, pat);
        sectionPacket(PMT_PID, pmt);
    }

    /** Fills in section_length and the CRC of a section given without its CRC. */
    static byte[] section(byte[] body) {
        byte[] s = java.util.Arrays.copyOf(body, body.length + 4);
        int length = s.length - 3;
        s[1] = (byte) ((s[1] & 0xF0) | length >> 8);
        s[2] = (byte) length;
        int crc = Crc32Mpeg2.compute(s, 0, s.length - 4);
        for (int k = 0; k < 4; k++) {
            s[s.length - 4 + k] = (byte) (crc >>> (24 - 8 * k));
        }
        return s;
    }

    void sectionPacket(int pid, byte[] section) {
        byte[] p = new byte[188];
        java.util.Arrays.fill(p, (byte) 0xFF);
        p[0] = 0x47;
        p[1] = (byte) (0x40 | pid >> 8);
        p[2] = (byte) pid;
        p[3] = (byte) (0x10 | cc[pid]);
        cc[pid] = (cc[pid] + 1) & 0xF;
        p[4] = 0;
        System.arraycopy(section, 0, p, 5, section.length);
        add(pid, p);
    }

    void pes(int pid, int streamId, long pts, long dts, byte[] es, boolean pcr) {
        boolean withDts = dts >= 0 && dts != pts;
        int headerData = withDts ? 10 : 5;
        ByteArrayOutputStream pes = new ByteArrayOutputStream();
        pes.write(0);
        pes.write(0);
        pes.write(1);
        pes.write(streamId);
        int pesLength = streamId == 0xE0 ? 0 : 3 + headerData + es.length;
        pes.write(pesLength >> 8);
        pes.write(pesLength);
        pes.write(0x80);
        pes.write(withDts ? 0xC0 : 0x80);
        pes.write(headerData);
        timestamp(pes, withDts ? 3 : 2, pts);
        if (withDts) {
            timestamp(pes, 1, dts);
        }
        pes.write(es, 0, es.length);
        byte[] data = pes.toByteArray();
        int pos = 0;
        boolean first = true;
        while (pos < data.length) {
            byte[] p = new byte[188];
            p[0] = 0x47;
            p[1] = (byte) ((first ? 0x40 : 0) | pid >> 8);
            p[2] = (byte) pid;
            int room = 184;
            int af = -1; // adaptation field length, -1 for none
            if (first && pcr) {
                af = 7;
            }
            int left = data.length - pos;
            if (af >= 0) {
                room = 183 - af;
            }
            if (left < room) {
                af = af < 0 ? 183 - left : af + (room - left);
                room = left;
            }
            p[3] = (byte) ((af >= 0 ? 0x30 : 0x10) | cc[pid]);
            cc[pid] = (cc[pid] + 1) & 0xF;
            int o = 4;
            if (af >= 0) {
                p[o] = (byte) af;
                if (af > 0) {
                    java.util.Arrays.fill(p, o + 1, o + 1 + af, (byte) 0xFF);
                    p[o + 1] = 0;
                    if (first && pcr && af >= 7) {
                        p[o + 1] = 0x10;
                        long base = dts - 9000;
                        p[o + 2] = (byte) (base >> 25);
                        p[o + 3] = (byte) (base >> 17);
                        p[o + 4] = (byte) (base >> 9);
                        p[o + 5] = (byte) (base >> 1);
                        p[o + 6] = (byte) ((base & 1) << 7 | 0x7E);
                        p[o + 7] = 0;
                    }
                }
                o += 1 + af;
            }
            System.arraycopy(data, pos, p, o, room);
            pos += room;
            first = false;
            add(pid, p);
        }
    }

    private void add(int pid, byte[] p) {
        packets.add(p);
        pidOf.add(pid);
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(packets.size() * 188);
        packets.forEach(p -> out.write(p, 0, p.length));
        return out.toByteArray();
    }

    private static void timestamp(ByteArrayOutputStream out, int prefix, long ts) {
        ts &= (1L << 33) - 1;
        out.write((int) (prefix << 4 | (ts >> 29) & 0x0E | 1));
        out.write((int) (ts >> 22));
        out.write((int) ((ts >> 14) & 0xFE | 1));
        out.write((int) (ts >> 7));
        out.write((int) ((ts << 1) & 0xFE | 1));
    }

    private static byte[] sps() {
        // profile 66 (baseline), constraint_set0+1, level 3.0, then Exp-Golomb fields
        StringBuilder bits = new StringBuilder();
        ue(bits, 0); // seq_parameter_set_id
        ue(bits, 0); // log2_max_frame_num_minus4
        ue(bits, 0); // pic_order_cnt_type
        ue(bits, 0); // log2_max_pic_order_cnt_lsb_minus4
        ue(bits, 1); // max_num_ref_frames
        bits.append('0'); // gaps_in_frame_num_value_allowed_flag
        ue(bits, 19); // pic_width_in_mbs_minus1: 320
        ue(bits, 14); // pic_height_in_map_units_minus1: 240
        bits.append("110"); // frame_mbs_only, direct_8x8_inference, no cropping
        bits.append('0'); // vui_parameters_present_flag
        bits.append('1'); // rbsp_stop_one_bit
        while (bits.length() % 8 != 0) {
            bits.append('0');
        }
        byte[] out = new byte[4 + bits.length() / 8];
        out[0] = 0x67;
        out[1] = 66;
        out[2] = (byte) 0xC0;
        out[3] = 30;
        for (int i = 0; i < bits.length() / 8; i++) {
            out[4 + i] = (byte) Integer.parseInt(bits.substring(i * 8, i * 8 + 8), 2);
        }
        return out;
    }

    private static void ue(StringBuilder bits, int v) {
        String b = Integer.toBinaryString(v + 1);
        bits.append("0".repeat(b.length() - 1)).append(b);
    }
}
