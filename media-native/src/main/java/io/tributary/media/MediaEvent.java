package io.tributary.media;

import java.util.Map;

/**
 * What a source publishes, whatever the protocol it came in: codec configurations,
 * samples, metadata. RTMP/FLV tags, and later MPEG-TS over SRT, decode into these; the
 * node's publication API takes them as they are.
 */
public sealed interface MediaEvent {

    /** AVC sequence header: the AVCDecoderConfigurationRecord bytes exactly as received. */
    record VideoConfig(byte[] avcDecoderConfigurationRecord) implements MediaEvent {
    }

    /** AAC sequence header: the AudioSpecificConfig bytes. */
    record AudioConfig(byte[] audioSpecificConfig) implements MediaEvent {
    }

    record Sample(MediaSample sample) implements MediaEvent {
    }

    record MetaData(Map<String, Object> values) implements MediaEvent {
    }

    /** Media in a codec the node does not ingest (e.g. HEVC, MP3, an Enhanced-RTMP FourCC other than avc1/mp4a). */
    record UnsupportedCodec(Track track, String codec) implements MediaEvent {
    }
}
