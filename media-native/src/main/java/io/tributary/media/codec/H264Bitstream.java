package io.tributary.media.codec;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** H.264 byte-stream (Annex B) to MP4 (AVCC / avcC) conversions for encoder output. */
public final class H264Bitstream {

    public static final int NAL_IDR = 5;
    public static final int NAL_SPS = 7;
    public static final int NAL_PPS = 8;
    public static final int NAL_AUD = 9;

    private H264Bitstream() {
    }

    public static boolean isAnnexB(byte[] b, int len) {
        return len >= 4 && b[0] == 0 && b[1] == 0 && (b[2] == 1 || (b[2] == 0 && b[3] == 1));
    }

    /** NAL units of an Annex B stream, without start codes or trailing zero bytes. */
    public static List<byte[]> splitAnnexB(byte[] b, int len) {
        List<byte[]> nals = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i + 2 < len) {
            if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
                if (start >= 0) {
                    addNal(nals, b, start, i);
                }
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        if (start >= 0) {
            addNal(nals, b, start, len);
        }
        return nals;
    }

    private static void addNal(List<byte[]> nals, byte[] b, int from, int to) {
        while (to > from && b[to - 1] == 0) {
            to--; // the zero_byte of a 4-byte start code, or trailing_zero_8bits
        }
        if (to > from) {
            byte[] nal = new byte[to - from];
            System.arraycopy(b, from, nal, 0, nal.length);
            nals.add(nal);
        }
    }

    /**
     * Encoder packet (Annex B, or AVCC with {@code lengthSize}-byte prefixes) to AVCC with 4-byte
     * lengths. Parameter sets and AUDs are dropped: they live in the avcC record, and repeating
     * them in-band would only cost bytes.
     */
    public static byte[] toAvcc(byte[] pkt, int len, int lengthSize) {
        List<byte[]> nals = isAnnexB(pkt, len) ? splitAnnexB(pkt, len) : splitAvcc(pkt, len, lengthSize);
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 16);
        for (byte[] nal : nals) {
            int type = nal[0] & 0x1F;
            if (type == NAL_SPS || type == NAL_PPS || type == NAL_AUD) {
                continue;
            }
            out.write(nal.length >>> 24);
            out.write(nal.length >>> 16);
            out.write(nal.length >>> 8);
            out.write(nal.length);
            out.write(nal, 0, nal.length);
        }
        return out.toByteArray();
    }

    public static List<byte[]> splitAvcc(byte[] b, int len, int lengthSize) {
        List<byte[]> nals = new ArrayList<>();
        int pos = 0;
        while (pos + lengthSize <= len) {
            int n = 0;
            for (int i = 0; i < lengthSize; i++) {
                n = n << 8 | (b[pos + i] & 0xFF);
            }
            pos += lengthSize;
            if (n <= 0 || pos + n > len) {
                throw new MediaFormatException("encoder packet has a bad NAL length " + n);
            }
            byte[] nal = new byte[n];
            System.arraycopy(b, pos, nal, 0, n);
            nals.add(nal);
            pos += n;
        }
        return nals;
    }

    /** True when a 4-byte-length AVCC access unit contains an IDR slice. */
    public static boolean containsIdr(byte[] avcc) {
        int pos = 0;
        while (pos + 4 < avcc.length) {
            int n = (avcc[pos] & 0xFF) << 24 | (avcc[pos + 1] & 0xFF) << 16 | (avcc[pos + 2] & 0xFF) << 8
                    | (avcc[pos + 3] & 0xFF);
            pos += 4;
            if (n <= 0 || pos + n > avcc.length) {
                return false;
            }
            if ((avcc[pos] & 0x1F) == NAL_IDR) {
                return true;
            }
            pos += n;
        }
        return false;
    }

    /**
     * AVCDecoderConfigurationRecord with 4-byte NAL lengths from encoder extradata: Annex B
     * SPS/PPS (what libx264 gives with a global header), or already an avcC record.
     *
     * @param chromaFormatIdc 1 for 4:2:0, 2 for 4:2:2, 3 for 4:4:4 (8-bit), for the high-profile extension
     */
    public static byte[] avcDecoderConfigurationRecord(byte[] extradata, int chromaFormatIdc) {
        if (extradata.length > 0 && extradata[0] == 1) {
            if (extradata.length < 5 || (extradata[4] & 3) != 3) {
                // packets would carry shorter lengths than the record we hand on
                throw new MediaFormatException("encoder avcC extradata without 4-byte NAL lengths");
            }
            return extradata.clone();
        }
        List<byte[]> sps = new ArrayList<>();
        List<byte[]> pps = new ArrayList<>();
        for (byte[] nal : splitAnnexB(extradata, extradata.length)) {
            switch (nal[0] & 0x1F) {
                case NAL_SPS -> sps.add(nal);
                case NAL_PPS -> pps.add(nal);
                default -> { } // x264's version SEI is not configuration
            }
        }
        if (sps.isEmpty() || pps.isEmpty() || sps.get(0).length < 4) {
            throw new MediaFormatException("encoder extradata lacks SPS/PPS");
        }
        byte[] first = sps.get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1); // configurationVersion
        out.write(first[1]); // AVCProfileIndication
        out.write(first[2]); // profile_compatibility
        out.write(first[3]); // AVCLevelIndication
        out.write(0xFC | 3); // lengthSizeMinusOne = 3
        out.write(0xE0 | sps.size());
        for (byte[] s : sps) {
            out.write(s.length >>> 8);
            out.write(s.length);
            out.write(s, 0, s.length);
        }
        out.write(pps.size());
        for (byte[] p : pps) {
            out.write(p.length >>> 8);
            out.write(p.length);
            out.write(p, 0, p.length);
        }
        int profile = first[1] & 0xFF;
        if (profile != 66 && profile != 77 && profile != 88) {
            // 14496-15 carries chroma format and bit depth for the high profiles (8-bit here)
            out.write(0xFC | chromaFormatIdc);
            out.write(0xF8);
            out.write(0xF8);
            out.write(0);
        }
        return out.toByteArray();
    }
}
