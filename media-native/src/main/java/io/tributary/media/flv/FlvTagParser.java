package io.tributary.media.flv;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;
import io.tributary.media.VideoCodec;
import io.tributary.media.MediaEvent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns FLV audio/video tag bodies (identical to RTMP message type 8/9 payloads) into
 * {@link MediaEvent}s. Ingested: H.264 (legacy codec id 7, or Enhanced RTMP 'avc1'), H.265 and
 * AV1 (Enhanced RTMP 'hvc1', 'av01'; not the unofficial legacy codec id 12) and AAC (legacy sound format 10, or Enhanced RTMP 'mp4a'). Everything else becomes one
 * {@link MediaEvent.UnsupportedCodec} per track each time the unsupported codec changes,
 * not one per frame.
 *
 * <p>Stateful only for that de-duplication; one instance per stream.
 */
public final class FlvTagParser {

    private static final int AVC = 7;
    private static final int AAC = 10;
    private static final int AUDIO_EX_HEADER = 9;
    private static final int FRAME_TYPE_KEY = 1;
    private static final int FRAME_TYPE_COMMAND = 5;

    // Enhanced RTMP packet types (video and audio share the values used here)
    private static final int EX_SEQUENCE_START = 0;
    private static final int EX_CODED_FRAMES = 1;
    private static final int EX_CODED_FRAMES_X = 3;
    private static final int EX_VIDEO_METADATA = 4;
    private static final int EX_VIDEO_MULTITRACK = 6;
    private static final int EX_AUDIO_MULTITRACK = 5;
    private static final int EX_MOD_EX = 7;

    private static final String[] VIDEO_CODECS = {
        "codec-0", "jpeg", "sorenson-h263", "screen-video", "vp6", "vp6-alpha", "screen-video-2", "avc",
        "codec-8", "codec-9", "codec-10", "codec-11", "hevc", "av1", "codec-14", "codec-15"};
    private static final String[] AUDIO_CODECS = {
        "pcm-platform", "adpcm", "mp3", "pcm-le", "nellymoser-16k", "nellymoser-8k", "nellymoser", "g711-alaw",
        "g711-mulaw", "ex-header", "aac", "speex", "format-12", "format-13", "mp3-8k", "device-specific"};

    private String reportedVideo;
    private String reportedAudio;

    public MediaEvent parseVideo(long timestamp, byte[] payload) {
        return parseVideo(timestamp, payload, 0, payload.length);
    }

    /** @return the event this tag yields, or {@code null} if it yields none. */
    public MediaEvent parseVideo(long timestamp, byte[] payload, int offset, int length) {
        if (length == 0) {
            return null; // some encoders send empty tags as keep-alives
        }
        Cursor c = new Cursor(payload, offset, length, "video");
        int b0 = c.u8();
        if ((b0 & 0x80) != 0) {
            return parseEnhancedVideo(timestamp, c, (b0 >> 4) & 0x07, b0 & 0x0F);
        }
        int frameType = b0 >> 4;
        int codecId = b0 & 0x0F;
        if (frameType == FRAME_TYPE_COMMAND) {
            return null; // video info/command frame, carries no picture
        }
        if (codecId != AVC) {
            return unsupportedVideo(VIDEO_CODECS[codecId]);
        }
        reportedVideo = null;
        int packetType = c.u8();
        int compositionOffset = c.s24();
        return video(VideoCodec.H264, timestamp, c, frameType, packetType, compositionOffset);
    }

    private MediaEvent parseEnhancedVideo(long timestamp, Cursor c, int frameType, int packetType) {
        packetType = skipModEx(c, packetType);
        if (frameType == FRAME_TYPE_COMMAND && packetType != EX_VIDEO_METADATA) {
            return null;
        }
        if (packetType == EX_VIDEO_MULTITRACK) {
            return unsupportedVideo("multitrack");
        }
        String fourCc = c.fourCc();
        VideoCodec codec = switch (fourCc) {
            case "avc1" -> VideoCodec.H264;
            case "hvc1" -> VideoCodec.H265;
            case "av01" -> VideoCodec.AV1;
            default -> null;
        };
        if (codec == null) {
            return unsupportedVideo(fourCc);
        }
        reportedVideo = null;
        switch (packetType) {
            case EX_SEQUENCE_START:
                return video(codec, timestamp, c, frameType, 0, 0);
            case EX_CODED_FRAMES:
                // only the codecs with B-frame reordering in FLV carry a composition time here
                return video(codec, timestamp, c, frameType, 1, codec == VideoCodec.AV1 ? 0 : c.s24());
            case EX_CODED_FRAMES_X:
                return video(codec, timestamp, c, frameType, 1, 0);
            default:
                return null; // sequence end, HDR metadata, MPEG-2 TS sequence start: nothing to ingest
        }
    }

    private MediaEvent video(VideoCodec codec, long timestamp, Cursor c, int frameType, int packetType,
            int compositionOffset) {
        switch (packetType) {
            case 0: {
                byte[] record = c.rest();
                if (record.length == 0) {
                    throw new FlvFormatException("empty " + codec + " sequence header at " + timestamp + " ms");
                }
                return new MediaEvent.VideoConfig(codec, record);
            }
            case 1: {
                byte[] data = c.rest();
                if (codec == VideoCodec.AV1) {
                    data = withoutTemporalDelimiters(data);
                }
                if (data.length == 0) {
                    return null;
                }
                return new MediaEvent.Sample(new MediaSample(Track.VIDEO, timestamp, compositionOffset,
                        frameType == FRAME_TYPE_KEY, data));
            }
            case 2:
                return null; // end of sequence
            default:
                throw new FlvFormatException("unknown AVCPacketType " + packetType + " at " + timestamp + " ms");
        }
    }

    /**
     * AV1 samples in MP4 carry no temporal delimiter OBUs (AV1-ISOBMFF 2.4); some encoders send
     * them in FLV. Drops them when the OBUs are well-formed with sizes; otherwise returns the
     * data untouched (the decoder is the judge of the rest).
     */
    static byte[] withoutTemporalDelimiters(byte[] data) {
        java.io.ByteArrayOutputStream kept = null;
        int pos = 0;
        while (pos < data.length) {
            int start = pos;
            int header = data[pos] & 0xFF;
            if ((header & 0x80) != 0 || (header & 0x02) == 0) {
                return data; // forbidden bit, or no obu_size: not the low-overhead format
            }
            pos += (header & 0x04) != 0 ? 2 : 1;
            long size = 0;
            int i = 0;
            for (;; i++) {
                if (pos >= data.length || i == 8) {
                    return data;
                }
                int v = data[pos++] & 0xFF;
                size |= (long) (v & 0x7F) << (7 * i);
                if ((v & 0x80) == 0) {
                    break;
                }
            }
            if (size > data.length - pos) {
                return data;
            }
            pos += (int) size;
            boolean delimiter = (header >> 3 & 0x0F) == 2;
            if (delimiter && kept == null) {
                kept = new java.io.ByteArrayOutputStream(data.length);
                kept.write(data, 0, start);
            } else if (!delimiter && kept != null) {
                kept.write(data, start, pos - start);
            }
        }
        return kept == null ? data : kept.toByteArray();
    }

    public MediaEvent parseAudio(long timestamp, byte[] payload) {
        return parseAudio(timestamp, payload, 0, payload.length);
    }

    /** @return the event this tag yields, or {@code null} if it yields none. */
    public MediaEvent parseAudio(long timestamp, byte[] payload, int offset, int length) {
        if (length == 0) {
            return null;
        }
        Cursor c = new Cursor(payload, offset, length, "audio");
        int b0 = c.u8();
        int soundFormat = b0 >> 4;
        if (soundFormat == AUDIO_EX_HEADER) {
            int packetType = skipModEx(c, b0 & 0x0F);
            if (packetType == EX_AUDIO_MULTITRACK) {
                return unsupportedAudio("multitrack");
            }
            String fourCc = c.fourCc();
            if (!fourCc.equals("mp4a")) {
                return unsupportedAudio(fourCc);
            }
            reportedAudio = null;
            return packetType == EX_SEQUENCE_START || packetType == EX_CODED_FRAMES
                    ? aac(timestamp, c, packetType) : null;
        }
        if (soundFormat != AAC) {
            return unsupportedAudio(AUDIO_CODECS[soundFormat]);
        }
        reportedAudio = null;
        int packetType = c.u8();
        if (packetType > 1) {
            throw new FlvFormatException("unknown AACPacketType " + packetType + " at " + timestamp + " ms");
        }
        return aac(timestamp, c, packetType);
    }

    private MediaEvent aac(long timestamp, Cursor c, int packetType) {
        byte[] data = c.rest();
        if (packetType == 0) {
            if (data.length == 0) {
                throw new FlvFormatException("empty AAC sequence header at " + timestamp + " ms");
            }
            return new MediaEvent.AudioConfig(data);
        }
        if (data.length == 0) {
            return null;
        }
        // every AAC frame decodes independently
        return new MediaEvent.Sample(new MediaSample(Track.AUDIO, timestamp, 0, true, data));
    }

    /** Enhanced RTMP v2 ModEx: size-prefixed modifier data, then the real packet type. */
    private static int skipModEx(Cursor c, int packetType) {
        while (packetType == EX_MOD_EX) {
            int size = c.u8() + 1;
            if (size == 256) {
                size = c.u16() + 1;
            }
            c.skip(size);
            packetType = c.u8() & 0x0F;
        }
        return packetType;
    }

    private MediaEvent unsupportedVideo(String codec) {
        if (codec.equals(reportedVideo)) {
            return null;
        }
        reportedVideo = codec;
        return new MediaEvent.UnsupportedCodec(Track.VIDEO, codec);
    }

    private MediaEvent unsupportedAudio(String codec) {
        if (codec.equals(reportedAudio)) {
            return null;
        }
        reportedAudio = codec;
        return new MediaEvent.UnsupportedCodec(Track.AUDIO, codec);
    }

    /** Bounds-checked reads over one tag body. */
    private static final class Cursor {
        private final byte[] data;
        private final int end;
        private final String what;
        private int pos;

        Cursor(byte[] data, int offset, int length, String what) {
            if (offset < 0 || length < 0 || offset > data.length - length) {
                throw new IllegalArgumentException("range " + offset + "+" + length + " outside array of " + data.length);
            }
            this.data = data;
            this.pos = offset;
            this.end = offset + length;
            this.what = what;
        }

        private void need(int n) {
            if (n > end - pos) {
                throw new FlvFormatException("truncated FLV " + what + " tag: need " + n
                        + " more bytes, " + (end - pos) + " left");
            }
        }

        int u8() {
            need(1);
            return data[pos++] & 0xFF;
        }

        int u16() {
            need(2);
            int v = ((data[pos] & 0xFF) << 8) | (data[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        int s24() {
            need(3);
            int v = ((data[pos] & 0xFF) << 16) | ((data[pos + 1] & 0xFF) << 8) | (data[pos + 2] & 0xFF);
            pos += 3;
            return (v << 8) >> 8;
        }

        void skip(int n) {
            need(n);
            pos += n;
        }

        String fourCc() {
            need(4);
            String s = new String(data, pos, 4, StandardCharsets.ISO_8859_1);
            pos += 4;
            return s;
        }

        byte[] rest() {
            byte[] r = Arrays.copyOfRange(data, pos, end);
            pos = end;
            return r;
        }
    }
}
