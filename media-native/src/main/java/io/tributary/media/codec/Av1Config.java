package io.tributary.media.codec;

import io.tributary.media.VideoCodec;
import java.util.Arrays;

/**
 * AV1 decoder configuration (AV1CodecConfigurationRecord, "AV1 Codec ISO Media File Format
 * Binding" 2.3), with the maximum frame size parsed from the sequence header OBU it carries
 * (AV1 5.5.1).
 *
 * <p>{@code record} is a private copy of the parsed bytes; treat it as read-only. Profile, first
 * operating point level and tier are the sequence header's (what the decoder goes by, should the
 * record's copies disagree); bit depth and chroma are the record's.
 */
public record Av1Config(byte[] record, int width, int height, int profile, int levelIdx, boolean highTier,
        int bitDepth, boolean monochrome, int chromaSubsamplingX, int chromaSubsamplingY)
        implements VideoTrackConfig {

    static final int OBU_SEQUENCE_HEADER = 1;
    private static final int HEADER = 4;

    public static Av1Config parse(byte[] av1C) {
        byte[] rec = av1C;
        if (rec == null) {
            throw new MediaFormatException("av1C record is null");
        }
        if (rec.length < HEADER) {
            throw new MediaFormatException("av1C record too short: " + rec.length + " bytes");
        }
        if ((rec[0] & 0xFF) != 0x81) {
            throw new MediaFormatException("unsupported av1C marker/version 0x" + Integer.toHexString(rec[0] & 0xFF));
        }
        int profile = (rec[1] & 0xFF) >> 5;
        boolean highBitdepth = (rec[2] & 0x40) != 0;
        boolean twelveBit = (rec[2] & 0x20) != 0;
        boolean mono = (rec[2] & 0x10) != 0;
        int subX = (rec[2] >> 3) & 1;
        int subY = (rec[2] >> 2) & 1;
        int bitDepth = profile == 2 && highBitdepth ? (twelveBit ? 12 : 10) : highBitdepth ? 10 : 8;
        // configOBUs: the sequence header is required to be there for us to know the picture size
        int pos = HEADER;
        SequenceHeader seq = null;
        while (pos < rec.length && seq == null) {
            int header = rec[pos] & 0xFF;
            if ((header & 0x80) != 0) {
                throw new MediaFormatException("OBU forbidden bit set in av1C");
            }
            int type = header >> 3 & 0x0F;
            boolean extension = (header & 0x04) != 0;
            boolean hasSize = (header & 0x02) != 0;
            pos += extension ? 2 : 1;
            if (!hasSize) {
                throw new MediaFormatException("av1C configOBUs without obu_size");
            }
            long[] leb = leb128(rec, pos);
            pos = (int) leb[1];
            if (leb[0] > rec.length - pos) {
                throw new MediaFormatException("OBU size " + leb[0] + " exceeds av1C record");
            }
            int size = (int) leb[0];
            if (type == OBU_SEQUENCE_HEADER) {
                seq = SequenceHeader.parse(rec, pos, size);
            }
            pos += size;
        }
        if (seq == null) {
            throw new MediaFormatException("av1C record carries no sequence header OBU");
        }
        return new Av1Config(rec.clone(), seq.width, seq.height, seq.profile, seq.levelIdx0, seq.tier0, bitDepth, mono,
                subX, subY);
    }

    /** Codecs parameter string of the ISOBMFF binding, short form {@code av01.P.LLT.DD}, e.g. {@code av01.0.04M.08}. */
    @Override
    public String codecString() {
        return String.format("av01.%d.%02d%c.%02d", profile, levelIdx, highTier ? 'H' : 'M', bitDepth);
    }

    @Override
    public String sampleEntry() {
        return VideoCodec.AV1.sampleEntry();
    }

    @Override
    public VideoCodec codec() {
        return VideoCodec.AV1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Av1Config c && Arrays.equals(record, c.record);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(record);
    }

    @Override
    public String toString() {
        return "Av1Config[" + codecString() + " " + width + "x" + height + "]";
    }

    /** Reads leb128() (AV1 4.10.5): returns {value, position after}. */
    static long[] leb128(byte[] b, int pos) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            if (pos >= b.length) {
                throw new MediaFormatException("leb128 truncated");
            }
            int v = b[pos++] & 0xFF;
            value |= (long) (v & 0x7F) << (7 * i);
            if ((v & 0x80) == 0) {
                if (value > 0xFFFF_FFFFL) {
                    throw new MediaFormatException("leb128 value beyond 2^32-1");
                }
                return new long[] {value, pos};
            }
        }
        throw new MediaFormatException("leb128 longer than 8 bytes");
    }

    /** The start of sequence_header_obu() up to max_frame_height_minus_1. */
    private static final class SequenceHeader {
        int profile;
        int levelIdx0;
        boolean tier0;
        int width;
        int height;

        static SequenceHeader parse(byte[] b, int off, int len) {
            BitReader r = new BitReader(b, off, len);
            SequenceHeader s = new SequenceHeader();
            s.profile = r.bits(3);
            if (s.profile > 2) {
                throw new MediaFormatException("seq_profile " + s.profile + " is reserved");
            }
            r.skip(1); // still_picture
            boolean reduced = r.flag();
            if (reduced) {
                s.levelIdx0 = r.bits(5);
            } else {
                boolean decoderModelInfo = false;
                int bufferDelayLength = 0;
                if (r.flag()) { // timing_info_present_flag
                    r.bitsLong(32); // num_units_in_display_tick
                    r.bitsLong(32); // time_scale
                    if (r.flag()) { // equal_picture_interval
                        uvlc(r);
                    }
                    decoderModelInfo = r.flag();
                    if (decoderModelInfo) {
                        bufferDelayLength = r.bits(5) + 1;
                        r.bitsLong(32); // num_units_in_decoding_tick
                        r.skip(10); // buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
                    }
                }
                boolean initialDisplayDelay = r.flag();
                int points = r.bits(5) + 1;
                for (int i = 0; i < points; i++) {
                    r.skip(12); // operating_point_idc
                    int level = r.bits(5);
                    if (i == 0) {
                        s.levelIdx0 = level;
                    }
                    if (level > 7) {
                        boolean tier = r.flag();
                        if (i == 0) {
                            s.tier0 = tier;
                        }
                    }
                    if (decoderModelInfo && r.flag()) {
                        r.skip(2 * bufferDelayLength + 1);
                    }
                    if (initialDisplayDelay && r.flag()) {
                        r.skip(4);
                    }
                }
            }
            int widthBits = r.bits(4) + 1;
            int heightBits = r.bits(4) + 1;
            s.width = (int) r.bitsLong(widthBits) + 1;
            s.height = (int) r.bitsLong(heightBits) + 1;
            return s;
        }

        private static void uvlc(BitReader r) {
            int zeros = 0;
            while (!r.flag()) {
                zeros++; // bounded by the OBU: the reader throws at its end
            }
            if (zeros < 32) { // AV1 4.10.3: 32 or more leading zeros means the maximum value
                r.bitsLong(zeros);
            }
        }
    }
}
