package io.tributary.media;

/**
 * One access unit as ingest demuxed it. Timestamps are in milliseconds on the
 * publisher's clock (the RTMP/FLV timebase); {@code data} is the payload in the
 * form MP4 wants it: length-prefixed NAL units for H.264, a raw frame for AAC.
 */
public record MediaSample(Track track, long dts, int compositionOffset, boolean keyframe, byte[] data) {

    public long pts() {
        return dts + compositionOffset;
    }
}
