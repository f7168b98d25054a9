package io.tributary.media.testing;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;

import java.io.ByteArrayOutputStream;

/** Closed captions as OBS and FFmpeg embed them: an A/53 {@code GA94} cc_data SEI before a picture. */
public final class A53Captions {

    private A53Captions() {
    }

    /** An ITU-T T.35 payload: US, ATSC, GA94, cc_data with one CC1 pair of zeros (so the NAL needs an escape). */
    public static byte[] payload() {
        return new byte[]{(byte) 0xB5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03,
                (byte) 0xC1, (byte) 0xFF, (byte) 0xFC, 0x00, 0x00, 0x03, (byte) 0xFF};
    }

    /** An SEI NAL unit ({@code header}: 0x06 for H.264, 0x4E 0x01 for an H.265 prefix SEI) of one message, escaped. */
    public static byte[] sei(byte[] header, int payloadType, byte[] payload) {
        ByteArrayOutputStream rbsp = new ByteArrayOutputStream();
        rbsp.write(payloadType);
        rbsp.write(payload.length);
        rbsp.writeBytes(payload);
        rbsp.write(0x80);
        ByteArrayOutputStream nal = new ByteArrayOutputStream();
        nal.writeBytes(header);
        int zeros = 0;
        for (byte b : rbsp.toByteArray()) {
            if (zeros >= 2 && (b & 0xFF) <= 3) {
                nal.write(3);
                zeros = 0;
            }
            nal.write(b);
            zeros = b == 0 ? zeros + 1 : 0;
        }
        return nal.toByteArray();
    }

    /** NAL units with 4-byte length prefixes, as in an avcC/hvcC sample. */
    public static byte[] lengthPrefixed(byte[]... nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] n : nals) {
            out.write(n.length >>> 24);
            out.write(n.length >>> 16);
            out.write(n.length >>> 8);
            out.write(n.length);
            out.writeBytes(n);
        }
        return out.toByteArray();
    }

    /** {@code s} with a caption SEI before its picture (H.264, 4-byte lengths); audio unchanged. */
    public static MediaSample captioned(MediaSample s) {
        if (s.track() != Track.VIDEO) {
            return s;
        }
        byte[] sei = lengthPrefixed(sei(new byte[]{0x06}, 4, payload()));
        byte[] data = java.util.Arrays.copyOf(sei, sei.length + s.data().length);
        System.arraycopy(s.data(), 0, data, sei.length, s.data().length);
        return new MediaSample(s.track(), s.dts(), s.compositionOffset(), s.keyframe(), data);
    }
}
