package io.tributary.media.rtmp;

import io.tributary.media.MediaSample;
import io.tributary.media.Track;

import java.util.Map;

/** What a publisher did, as decoded by {@link RtmpServerSession}. */
public sealed interface RtmpEvent {

    record Connected(String app, String tcUrl) implements RtmpEvent {
    }

    /** streamKey = publish name with any "?query" removed; query = the part after '?', or "". */
    record PublishRequested(String app, String streamKey, String query) implements RtmpEvent {
    }

    record MetaData(Map<String, Object> values) implements RtmpEvent {
    }

    /** AVC sequence header: the AVCDecoderConfigurationRecord bytes exactly as received. */
    record VideoConfig(byte[] avcDecoderConfigurationRecord) implements RtmpEvent {
    }

    /** AAC sequence header: the AudioSpecificConfig bytes. */
    record AudioConfig(byte[] audioSpecificConfig) implements RtmpEvent {
    }

    record Sample(MediaSample sample) implements RtmpEvent {
    }

    /** Media in a codec we do not ingest (e.g. HEVC, MP3, an Enhanced-RTMP FourCC other than avc1/mp4a). */
    record UnsupportedCodec(Track track, String codec) implements RtmpEvent {
    }

    /** FCUnpublish / deleteStream / closeStream for the publishing stream. */
    record Unpublished(String streamKey) implements RtmpEvent {
    }
}
