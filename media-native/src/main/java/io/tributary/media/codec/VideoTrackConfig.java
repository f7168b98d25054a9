package io.tributary.media.codec;

import io.tributary.media.VideoCodec;

/**
 * A parsed video decoder configuration, whatever the codec: what packaging and playlists need
 * (picture size, RFC 6381 codec string, ISO BMFF sample entry and the record it carries).
 */
public sealed interface VideoTrackConfig permits AvcConfig, HevcConfig, Av1Config {

    /** The configuration record as carried in FLV and MP4 (avcC, hvcC or av1C payload). */
    byte[] record();

    int width();

    int height();

    /** RFC 6381 codec parameter for CODECS / codecs attributes. */
    String codecString();

    /** ISO BMFF sample entry four-character code ({@code avc1}, {@code hvc1}, {@code av01}). */
    String sampleEntry();

    VideoCodec codec();

    /** Parses {@code record} as the configuration of {@code codec}; MediaFormatException if malformed. */
    static VideoTrackConfig parse(VideoCodec codec, byte[] record) {
        return switch (codec) {
            case H264 -> AvcConfig.parse(record);
            case H265 -> HevcConfig.parse(record);
            case AV1 -> Av1Config.parse(record);
        };
    }
}
