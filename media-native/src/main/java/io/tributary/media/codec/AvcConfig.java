package io.tributary.media.codec;

import io.tributary.media.VideoCodec;
import java.util.Arrays;

/**
 * H.264 decoder configuration as carried in FLV/MP4 (AVCDecoderConfigurationRecord,
 * ISO/IEC 14496-15 5.3.3), with facts parsed from its first SPS (H.264 7.3.2.1.1).
 *
 * <p>{@code record} is a private copy of the parsed bytes; treat it as read-only.
 * {@code width}/{@code height} are the displayed (cropped) luma dimensions;
 * {@code profileIdc}/{@code constraintFlags}/{@code levelIdc} come from the SPS.
 */
public record AvcConfig(byte[] record, int width, int height, int profileIdc, int constraintFlags, int levelIdc,
        int nalLengthSize) implements VideoTrackConfig {

    private static final int NAL_SPS = 7;
    private static final int NAL_PPS = 8;

    public static AvcConfig parse(byte[] avcDecoderConfigurationRecord) {
        byte[] rec = avcDecoderConfigurationRecord;
        if (rec == null) {
            throw new MediaFormatException("avcC record is null");
        }
        if (rec.length < 7) {
            throw new MediaFormatException("avcC record too short: " + rec.length + " bytes");
        }
        if (rec[0] != 1) {
            throw new MediaFormatException("unsupported avcC configurationVersion " + (rec[0] & 0xFF));
        }
        int nalLengthSize = (rec[4] & 0x03) + 1;
        if (nalLengthSize == 3) {
            // 14496-15 only allows lengthSizeMinusOne of 0, 1 or 3
            throw new MediaFormatException("invalid NAL length size 3");
        }
        int numSps = rec[5] & 0x1F;
        if (numSps == 0) {
            throw new MediaFormatException("avcC record carries no SPS");
        }
        int pos = 6;
        int firstSpsOffset = -1;
        int firstSpsLength = 0;
        for (int i = 0; i < numSps; i++) {
            int len = u16(rec, pos);
            pos += 2;
            checkNal(rec, pos, len, NAL_SPS, "SPS");
            if (i == 0) {
                firstSpsOffset = pos;
                firstSpsLength = len;
            }
            pos += len;
        }
        if (pos >= rec.length) {
            throw new MediaFormatException("avcC record truncated before PPS count");
        }
        int numPps = rec[pos++] & 0xFF;
        if (numPps == 0) {
            throw new MediaFormatException("avcC record carries no PPS");
        }
        for (int i = 0; i < numPps; i++) {
            int len = u16(rec, pos);
            pos += 2;
            checkNal(rec, pos, len, NAL_PPS, "PPS");
            pos += len;
        }
        // Trailing bytes (high-profile chroma/bit-depth extension) are informational only.
        byte[] rbsp = unescape(rec, firstSpsOffset + 1, firstSpsLength - 1);
        Sps sps = Sps.parse(rbsp);
        return new AvcConfig(rec.clone(), sps.width, sps.height, sps.profileIdc, sps.constraintFlags,
                sps.levelIdc, nalLengthSize);
    }

    @Override
    public String sampleEntry() {
        return VideoCodec.H264.sampleEntry();
    }

    @Override
    public VideoCodec codec() {
        return VideoCodec.H264;
    }

    /** RFC 6381 codec parameter, e.g. {@code avc1.64001f}. */
    @Override
    public String codecString() {
        return String.format("avc1.%02x%02x%02x", profileIdc, constraintFlags, levelIdc);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AvcConfig c && Arrays.equals(record, c.record);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(record);
    }

    @Override
    public String toString() {
        return "AvcConfig[" + codecString() + " " + width + "x" + height + " nalLengthSize=" + nalLengthSize + "]";
    }

    private static int u16(byte[] b, int pos) {
        if (pos + 2 > b.length) {
            throw new MediaFormatException("avcC record truncated");
        }
        return (b[pos] & 0xFF) << 8 | (b[pos + 1] & 0xFF);
    }

    private static void checkNal(byte[] rec, int pos, int len, int expectedType, String what) {
        if (len == 0 || pos + len > rec.length) {
            throw new MediaFormatException(what + " length " + len + " exceeds avcC record");
        }
        int header = rec[pos] & 0xFF;
        if ((header & 0x80) != 0 || (header & 0x1F) != expectedType) {
            throw new MediaFormatException(what + " has bad NAL header 0x" + Integer.toHexString(header));
        }
    }

    /** Strips emulation-prevention bytes (00 00 03 -> 00 00) to get the RBSP. */
    static byte[] unescape(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        int n = 0;
        int zeros = 0;
        for (int i = off; i < off + len; i++) {
            int v = b[i] & 0xFF;
            if (zeros >= 2 && v == 3) {
                zeros = 0;
                continue;
            }
            zeros = v == 0 ? zeros + 1 : 0;
            out[n++] = (byte) v;
        }
        return n == len ? out : Arrays.copyOf(out, n);
    }

    /** The subset of seq_parameter_set_data() needed for dimensions and codec string. */
    private static final class Sps {
        int profileIdc;
        int constraintFlags;
        int levelIdc;
        int width;
        int height;

        static Sps parse(byte[] rbsp) {
            BitReader r = new BitReader(rbsp, 0, rbsp.length);
            Sps s = new Sps();
            s.profileIdc = r.bits(8);
            s.constraintFlags = r.bits(8);
            s.levelIdc = r.bits(8);
            r.ue("seq_parameter_set_id", 31);
            int chromaFormatIdc = 1;
            boolean separateColourPlane = false;
            if (hasChromaInfo(s.profileIdc)) {
                chromaFormatIdc = r.ue("chroma_format_idc", 3);
                if (chromaFormatIdc == 3) {
                    separateColourPlane = r.flag();
                }
                r.ue("bit_depth_luma_minus8", 6);
                r.ue("bit_depth_chroma_minus8", 6);
                r.skip(1); // qpprime_y_zero_transform_bypass_flag
                if (r.flag()) { // seq_scaling_matrix_present_flag
                    int lists = chromaFormatIdc == 3 ? 12 : 8;
                    for (int i = 0; i < lists; i++) {
                        if (r.flag()) {
                            skipScalingList(r, i < 6 ? 16 : 64);
                        }
                    }
                }
            }
            r.ue("log2_max_frame_num_minus4", 12);
            int pocType = r.ue("pic_order_cnt_type", 2);
            if (pocType == 0) {
                r.ue("log2_max_pic_order_cnt_lsb_minus4", 12);
            } else if (pocType == 1) {
                r.skip(1); // delta_pic_order_always_zero_flag
                r.se(); // offset_for_non_ref_pic
                r.se(); // offset_for_top_to_bottom_field
                int cycle = r.ue("num_ref_frames_in_pic_order_cnt_cycle", 255);
                for (int i = 0; i < cycle; i++) {
                    r.se();
                }
            }
            r.ue("max_num_ref_frames", 255);
            r.skip(1); // gaps_in_frame_num_value_allowed_flag
            // 8192 macroblocks per side keeps the products below in int range
            int widthMbs = r.ue("pic_width_in_mbs_minus1", 8191) + 1;
            int heightMapUnits = r.ue("pic_height_in_map_units_minus1", 8191) + 1;
            boolean frameMbsOnly = r.flag();
            if (!frameMbsOnly) {
                r.skip(1); // mb_adaptive_frame_field_flag
            }
            r.skip(1); // direct_8x8_inference_flag
            int cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
            if (r.flag()) {
                cropLeft = r.ue();
                cropRight = r.ue();
                cropTop = r.ue();
                cropBottom = r.ue();
            }
            // H.264 7.4.2.1.1: crop units depend on ChromaArrayType and field coding
            int chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
            int fieldFactor = frameMbsOnly ? 1 : 2;
            int cropUnitX;
            int cropUnitY;
            if (chromaArrayType == 0) {
                cropUnitX = 1;
                cropUnitY = fieldFactor;
            } else {
                int subWidthC = chromaFormatIdc == 3 ? 1 : 2;
                int subHeightC = chromaFormatIdc == 1 ? 2 : 1;
                cropUnitX = subWidthC;
                cropUnitY = subHeightC * fieldFactor;
            }
            int codedWidth = widthMbs * 16;
            int codedHeight = heightMapUnits * 16 * fieldFactor;
            long w = codedWidth - (long) cropUnitX * ((long) cropLeft + cropRight);
            long h = codedHeight - (long) cropUnitY * ((long) cropTop + cropBottom);
            if (w <= 0 || h <= 0) {
                throw new MediaFormatException("SPS frame cropping exceeds picture size");
            }
            s.width = (int) w;
            s.height = (int) h;
            return s;
        }

        private static boolean hasChromaInfo(int profileIdc) {
            return switch (profileIdc) {
                case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 -> true;
                default -> false;
            };
        }

        private static void skipScalingList(BitReader r, int size) {
            int last = 8;
            int next = 8;
            for (int j = 0; j < size; j++) {
                if (next != 0) {
                    int delta = r.se();
                    if (delta < -128 || delta > 127) {
                        throw new MediaFormatException("delta_scale out of range: " + delta);
                    }
                    next = (last + delta + 256) % 256;
                }
                last = next == 0 ? last : next;
            }
        }
    }
}
