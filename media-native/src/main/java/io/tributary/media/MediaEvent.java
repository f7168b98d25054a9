package io.tributary.media;

import java.util.Map;

/**
 * What a source publishes, whatever the protocol it came in: codec configurations,
 * samples, metadata. RTMP/FLV tags, and later MPEG-TS over SRT, decode into these; the
 * node's publication API takes them as they are.
 */
public sealed interface MediaEvent {

    /**
     * Video sequence header: the codec's decoder configuration record exactly as received
     * (AVCDecoderConfigurationRecord, HEVCDecoderConfigurationRecord or AV1CodecConfigurationRecord).
     */
    record VideoConfig(VideoCodec codec, byte[] record) implements MediaEvent {
        public VideoConfig(byte[] avcDecoderConfigurationRecord) {
            this(VideoCodec.H264, avcDecoderConfigurationRecord);
        }

        /** The record of an H.264 config (the only codec the pipeline took before HEVC/AV1). */
        public byte[] avcDecoderConfigurationRecord() {
            if (codec != VideoCodec.H264) {
                throw new IllegalStateException("not an H.264 config: " + codec);
            }
            return record;
        }
    }

    /** AAC sequence header: the AudioSpecificConfig bytes. */
    record AudioConfig(byte[] audioSpecificConfig) implements MediaEvent {
    }

    record Sample(MediaSample sample) implements MediaEvent {
    }

    record MetaData(Map<String, Object> values) implements MediaEvent {
    }

    /**
     * An ad-break signal carried in the media (SCTE-35 in MPEG-TS, an RTMP onCuePoint):
     * {@code out} starts a break of {@code durationSeconds} (0 when unknown) at
     * {@code mediaTimeMs} on the publisher's clock (the decode time of the frame it splices at,
     * the clock sample dts are on), {@code !out} returns to the programme.
     * {@code scte35} is the splice_info_section as received, or null.
     */
    record Cue(CueKind kind, long mediaTimeMs, double durationSeconds, String id, byte[] scte35) implements MediaEvent {

        public Cue(boolean out, long mediaTimeMs, double durationSeconds, String id, byte[] scte35) {
            this(CueKind.of(out), mediaTimeMs, durationSeconds, id, scte35);
        }

        public boolean out() {
            return kind == CueKind.OUT;
        }
    }

    /** Media in a codec the node does not ingest (e.g. VP9, MP3, an Enhanced-RTMP FourCC other than avc1/hvc1/av01/mp4a). */
    record UnsupportedCodec(Track track, String codec) implements MediaEvent {
    }
}
