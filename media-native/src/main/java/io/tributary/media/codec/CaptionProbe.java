package io.tributary.media.codec;

/**
 * Whether a video sample carries closed captions: CEA-608/708 as ATSC A/53 {@code cc_data} in an
 * ITU-T T.35 SEI message ({@code GA94}), the way OBS, broadcast encoders and FFmpeg embed them in
 * H.264 and H.265. The multivariant playlist says {@code CLOSED-CAPTIONS=NONE} only when a stream's
 * source never showed any, so players (Shaka) skip probing segments for them.
 *
 * <p>Sans-IO and bounded by the sample: malformed lengths end the scan with "no captions".
 */
public final class CaptionProbe {

    private static final int SEI_USER_DATA_REGISTERED = 4;
    private static final int COUNTRY_USA = 0xB5;
    private static final int PROVIDER_ATSC = 0x0031;
    private static final int GA94 = 0x47413934;
    private static final int CC_DATA = 0x03;

    private CaptionProbe() {
    }

    /** True if {@code sample} (length-prefixed NAL units of {@code config}'s codec) has caption data; AV1: false. */
    public static boolean hasCaptions(VideoTrackConfig config, byte[] sample) {
        int lengthSize;
        boolean hevc;
        if (config instanceof AvcConfig avc) {
            lengthSize = avc.nalLengthSize();
            hevc = false;
        } else if (config instanceof HevcConfig h) {
            lengthSize = h.nalLengthSize();
            hevc = true;
        } else {
            return false;
        }
        int i = 0;
        while (i + lengthSize <= sample.length) {
            long len = 0;
            for (int k = 0; k < lengthSize; k++) {
                len = (len << 8) | (sample[i + k] & 0xFF);
            }
            i += lengthSize;
            if (len <= 0 || len > sample.length - i) {
                return false;
            }
            int nal = (int) len;
            int header = hevc ? 2 : 1;
            if (nal > header && isSei(sample[i], hevc) && seiHasCaptions(AvcConfig.unescape(sample, i + header, nal - header))) {
                return true;
            }
            i += nal;
        }
        return false;
    }

    private static boolean isSei(byte first, boolean hevc) {
        if (hevc) {
            int type = (first >> 1) & 0x3F;
            return type == 39 || type == 40; // prefix and suffix SEI
        }
        return (first & 0x1F) == 6;
    }

    private static boolean seiHasCaptions(byte[] rbsp) {
        int i = 0;
        // a message needs at least a type and a size byte; 0x80 alone is the trailing bits
        while (i + 2 <= rbsp.length && (rbsp[i] & 0xFF) != 0x80) {
            int type = 0;
            while (i < rbsp.length && (rbsp[i] & 0xFF) == 0xFF) {
                type += 255;
                i++;
            }
            if (i >= rbsp.length) {
                return false;
            }
            type += rbsp[i++] & 0xFF;
            int size = 0;
            while (i < rbsp.length && (rbsp[i] & 0xFF) == 0xFF) {
                size += 255;
                i++;
            }
            if (i >= rbsp.length) {
                return false;
            }
            size += rbsp[i++] & 0xFF;
            if (size > rbsp.length - i) {
                return false;
            }
            if (type == SEI_USER_DATA_REGISTERED && isA53Captions(rbsp, i, size)) {
                return true;
            }
            i += size;
        }
        return false;
    }

    private static boolean isA53Captions(byte[] b, int at, int size) {
        int i = at;
        int end = at + size;
        if (i >= end) {
            return false;
        }
        int country = b[i++] & 0xFF;
        if (country == 0xFF) {
            i++; // country code extension
        }
        if (country != COUNTRY_USA || end - i < 7) {
            return false;
        }
        int provider = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
        int user = ((b[i + 2] & 0xFF) << 24) | ((b[i + 3] & 0xFF) << 16) | ((b[i + 4] & 0xFF) << 8) | (b[i + 5] & 0xFF);
        return provider == PROVIDER_ATSC && user == GA94 && (b[i + 6] & 0xFF) == CC_DATA;
    }
}
