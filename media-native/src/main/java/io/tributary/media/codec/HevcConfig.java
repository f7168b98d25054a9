package io.tributary.media.codec;

import io.tributary.media.VideoCodec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * H.265 decoder configuration (HEVCDecoderConfigurationRecord, ISO/IEC 14496-15 8.3.3), with
 * picture facts parsed from its first SPS (H.265 7.3.2.2).
 *
 * <p>{@code record} is a private copy of the parsed bytes; treat it as read-only. The profile,
 * tier, level and constraint fields are the record's (which mirror the SPS profile_tier_level);
 * {@code width}/{@code height} are the SPS picture size minus the conformance window.
 */
public record HevcConfig(byte[] record, int width, int height, int profileSpace, boolean highTier, int profileIdc,
        int compatibilityFlags, long constraintFlags, int levelIdc, int chromaFormat, int bitDepthLuma,
        int bitDepthChroma, int nalLengthSize, List<byte[]> parameterSets) implements VideoTrackConfig {

    static final int NAL_VPS = 32;
    static final int NAL_SPS = 33;
    static final int NAL_PPS = 34;
    private static final int HEADER = 23;
    /** Bounds what a stranger's record may make us hold. */
    private static final int MAX_PARAMETER_SETS = 64;

    /**
     * Builds an hvcC record from raw NAL units (2-byte NAL header included, no start code or
     * length prefix), taking profile, level, chroma format and bit depth from the first SPS.
     */
    public static byte[] fromParameterSets(List<byte[]> vps, List<byte[]> sps, List<byte[]> pps) {
        if (vps == null || sps == null || pps == null || vps.isEmpty() || sps.isEmpty() || pps.isEmpty()) {
            throw new MediaFormatException("hvcC needs at least one VPS, SPS and PPS");
        }
        checkTypes(vps, NAL_VPS, "VPS");
        checkTypes(sps, NAL_SPS, "SPS");
        checkTypes(pps, NAL_PPS, "PPS");
        byte[] first = sps.get(0);
        Sps s = Sps.parse(AvcConfig.unescape(first, 2, first.length - 2));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1); // configurationVersion
        out.write(s.profileSpace << 6 | (s.highTier ? 0x20 : 0) | s.profileIdc);
        writeBe(out, s.compatibilityFlags & 0xFFFFFFFFL, 4);
        writeBe(out, s.constraintFlags, 6);
        out.write(s.levelIdc);
        writeBe(out, 0xF000, 2); // reserved, min_spatial_segmentation_idc unknown (0)
        out.write(0xFC); // reserved, parallelismType unknown (0)
        out.write(0xFC | s.chromaFormat);
        out.write(0xF8 | (s.bitDepthLuma - 8));
        out.write(0xF8 | (s.bitDepthChroma - 8));
        writeBe(out, 0, 2); // avgFrameRate unspecified
        // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3
        out.write((s.maxSubLayers & 7) << 3 | (s.temporalIdNesting ? 4 : 0) | 3);
        out.write(3);
        writeArray(out, NAL_VPS, vps);
        writeArray(out, NAL_SPS, sps);
        writeArray(out, NAL_PPS, pps);
        return out.toByteArray();
    }

    public static HevcConfig parse(byte[] hvcC) {
        byte[] rec = hvcC;
        if (rec == null) {
            throw new MediaFormatException("hvcC record is null");
        }
        if (rec.length < HEADER) {
            throw new MediaFormatException("hvcC record too short: " + rec.length + " bytes");
        }
        if (rec[0] != 1) {
            throw new MediaFormatException("unsupported hvcC configurationVersion " + (rec[0] & 0xFF));
        }
        int profileSpace = (rec[1] & 0xFF) >> 6;
        boolean highTier = (rec[1] & 0x20) != 0;
        int profileIdc = rec[1] & 0x1F;
        int compat = (int) be(rec, 2, 4);
        long constraints = be(rec, 6, 6);
        int level = rec[12] & 0xFF;
        int chroma = rec[16] & 0x03;
        int depthLuma = (rec[17] & 0x07) + 8;
        int depthChroma = (rec[18] & 0x07) + 8;
        int nalLengthSize = (rec[21] & 0x03) + 1;
        if (nalLengthSize == 3) {
            throw new MediaFormatException("invalid NAL length size 3");
        }
        int arrays = rec[22] & 0xFF;
        int pos = HEADER;
        List<byte[]> sets = new ArrayList<>();
        byte[] firstSps = null;
        boolean vps = false;
        boolean pps = false;
        for (int a = 0; a < arrays; a++) {
            if (pos + 3 > rec.length) {
                throw new MediaFormatException("hvcC record truncated in NAL array " + a);
            }
            int type = rec[pos] & 0x3F;
            int count = (int) be(rec, pos + 1, 2);
            pos += 3;
            for (int i = 0; i < count; i++) {
                if (pos + 2 > rec.length) {
                    throw new MediaFormatException("hvcC record truncated in NAL array " + a);
                }
                int len = (int) be(rec, pos, 2);
                pos += 2;
                if (len < 2 || pos + len > rec.length) {
                    throw new MediaFormatException("NAL length " + len + " exceeds hvcC record");
                }
                int header = rec[pos] & 0xFF;
                int nalType = header >> 1 & 0x3F;
                if ((header & 0x80) != 0 || nalType != type) {
                    throw new MediaFormatException("NAL type " + nalType + " in hvcC array of type " + type);
                }
                if (type == NAL_VPS || type == NAL_SPS || type == NAL_PPS) {
                    if (sets.size() == MAX_PARAMETER_SETS) {
                        throw new MediaFormatException("hvcC record carries over " + MAX_PARAMETER_SETS
                                + " parameter sets");
                    }
                    byte[] nal = Arrays.copyOfRange(rec, pos, pos + len);
                    sets.add(nal);
                    vps |= type == NAL_VPS;
                    pps |= type == NAL_PPS;
                    if (type == NAL_SPS && firstSps == null) {
                        firstSps = nal;
                    }
                }
                pos += len;
            }
        }
        if (firstSps == null || !vps || !pps) {
            throw new MediaFormatException("hvcC record lacks a VPS, SPS or PPS");
        }
        Sps s = Sps.parse(AvcConfig.unescape(firstSps, 2, firstSps.length - 2));
        return new HevcConfig(rec.clone(), s.width, s.height, profileSpace, highTier, profileIdc, compat, constraints,
                level, chroma, depthLuma, depthChroma, nalLengthSize, List.copyOf(sets));
    }

    /**
     * The record as an 'hvc1' sample entry must carry it (ISO/IEC 14496-15 8.4.1):
     * array_completeness set on the VPS, SPS and PPS arrays. FLV muxers (FFmpeg's among them)
     * leave it 0, which only 'hev1' allows.
     */
    public byte[] hvc1Record() {
        byte[] out = record.clone();
        int pos = HEADER;
        for (int a = 0; a < (out[22] & 0xFF); a++) {
            int type = out[pos] & 0x3F;
            if (type == NAL_VPS || type == NAL_SPS || type == NAL_PPS) {
                out[pos] |= (byte) 0x80;
            }
            int count = (int) be(out, pos + 1, 2);
            pos += 3;
            for (int i = 0; i < count; i++) {
                pos += 2 + (int) be(out, pos, 2); // the layout was validated by parse
            }
        }
        return out;
    }

    /**
     * RFC 6381 codec parameter per ISO/IEC 14496-15 E.3, e.g. {@code hvc1.1.6.L93.B0}: profile
     * space letter and profile, compatibility flags bit-reversed in hex, tier and level, then the
     * constraint bytes with trailing zero bytes left out.
     */
    @Override
    public String codecString() {
        StringBuilder b = new StringBuilder("hvc1.");
        if (profileSpace > 0) {
            b.append((char) ('A' + profileSpace - 1));
        }
        b.append(profileIdc).append('.');
        b.append(Integer.toHexString(Integer.reverse(compatibilityFlags)).toUpperCase());
        b.append('.').append(highTier ? 'H' : 'L').append(levelIdc);
        int last = 5;
        while (last >= 0 && (constraintFlags >> (8 * (5 - last)) & 0xFF) == 0) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            b.append('.').append(Integer.toHexString((int) (constraintFlags >> (8 * (5 - i)) & 0xFF)).toUpperCase());
        }
        return b.toString();
    }

    @Override
    public String sampleEntry() {
        return VideoCodec.H265.sampleEntry();
    }

    @Override
    public VideoCodec codec() {
        return VideoCodec.H265;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HevcConfig c && Arrays.equals(record, c.record);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(record);
    }

    @Override
    public String toString() {
        return "HevcConfig[" + codecString() + " " + width + "x" + height + " nalLengthSize=" + nalLengthSize + "]";
    }

    private static void checkTypes(List<byte[]> nals, int type, String what) {
        for (byte[] nal : nals) {
            if (nal == null || nal.length < 3 || nal.length > 0xFFFF) {
                throw new MediaFormatException(what + " NAL unit missing or of bad length");
            }
            int header = nal[0] & 0xFF;
            if ((header & 0x80) != 0 || (header >> 1 & 0x3F) != type) {
                throw new MediaFormatException(what + " has bad NAL header 0x" + Integer.toHexString(header));
            }
        }
        if (nals.size() > 0xFFFF) {
            throw new MediaFormatException("too many " + what + " NAL units");
        }
    }

    private static void writeArray(ByteArrayOutputStream out, int type, List<byte[]> nals) {
        out.write(0x80 | type); // array_completeness: all sets of this type are in the record
        writeBe(out, nals.size(), 2);
        for (byte[] nal : nals) {
            writeBe(out, nal.length, 2);
            out.writeBytes(nal);
        }
    }

    private static void writeBe(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }

    private static long be(byte[] b, int pos, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 8 | (b[pos + i] & 0xFF);
        }
        return v;
    }

    /** The subset of seq_parameter_set_rbsp() needed for the record and the picture size. */
    private static final class Sps {
        int maxSubLayers;
        boolean temporalIdNesting;
        int profileSpace;
        boolean highTier;
        int profileIdc;
        int compatibilityFlags;
        long constraintFlags;
        int levelIdc;
        int chromaFormat;
        int bitDepthLuma;
        int bitDepthChroma;
        int width;
        int height;

        static Sps parse(byte[] rbsp) {
            BitReader r = new BitReader(rbsp, 0, rbsp.length);
            Sps s = new Sps();
            r.skip(4); // sps_video_parameter_set_id
            s.maxSubLayers = r.bits(3) + 1;
            if (s.maxSubLayers > 7) {
                throw new MediaFormatException("sps_max_sub_layers_minus1 out of range: " + (s.maxSubLayers - 1));
            }
            s.temporalIdNesting = r.flag();
            // profile_tier_level(1, sps_max_sub_layers_minus1), H.265 7.3.3
            s.profileSpace = r.bits(2);
            s.highTier = r.flag();
            s.profileIdc = r.bits(5);
            s.compatibilityFlags = (int) r.bitsLong(32);
            s.constraintFlags = r.bitsLong(32) << 16 | r.bitsLong(16);
            s.levelIdc = r.bits(8);
            int subLayers = s.maxSubLayers - 1;
            boolean[] profilePresent = new boolean[subLayers];
            boolean[] levelPresent = new boolean[subLayers];
            for (int i = 0; i < subLayers; i++) {
                profilePresent[i] = r.flag();
                levelPresent[i] = r.flag();
            }
            if (subLayers > 0) {
                r.skip(2 * (8 - subLayers)); // reserved_zero_2bits
            }
            for (int i = 0; i < subLayers; i++) {
                if (profilePresent[i]) {
                    r.skip(88);
                }
                if (levelPresent[i]) {
                    r.skip(8);
                }
            }
            r.ue("sps_seq_parameter_set_id", 15);
            s.chromaFormat = r.ue("chroma_format_idc", 3);
            boolean separatePlanes = s.chromaFormat == 3 && r.flag();
            int w = r.ue("pic_width_in_luma_samples", 16888);
            int h = r.ue("pic_height_in_luma_samples", 16888);
            int left = 0, right = 0, top = 0, bottom = 0;
            if (r.flag()) { // conformance_window_flag
                left = r.ue("conf_win_left_offset", 16888);
                right = r.ue("conf_win_right_offset", 16888);
                top = r.ue("conf_win_top_offset", 16888);
                bottom = r.ue("conf_win_bottom_offset", 16888);
            }
            s.bitDepthLuma = r.ue("bit_depth_luma_minus8", 8) + 8;
            s.bitDepthChroma = r.ue("bit_depth_chroma_minus8", 8) + 8;
            if (s.bitDepthLuma > 15 || s.bitDepthChroma > 15) {
                throw new MediaFormatException("bit depth beyond 15 cannot be carried in hvcC");
            }
            // H.265 Table 6-1: conformance window offsets are in chroma sample units
            int chromaArrayType = separatePlanes ? 0 : s.chromaFormat;
            int subWidthC = chromaArrayType == 1 || chromaArrayType == 2 ? 2 : 1;
            int subHeightC = chromaArrayType == 1 ? 2 : 1;
            long cw = w - (long) subWidthC * (left + right);
            long ch = h - (long) subHeightC * (top + bottom);
            if (w == 0 || h == 0 || cw <= 0 || ch <= 0) {
                throw new MediaFormatException("SPS picture size " + w + "x" + h + " with its conformance window is empty");
            }
            s.width = (int) cw;
            s.height = (int) ch;
            return s;
        }
    }
}
