package io.tributary.media;

/** The video codecs the node ingests; the name is the ISO BMFF sample entry / RFC 6381 prefix. */
public enum VideoCodec {
    H264("avc1"), H265("hvc1"), AV1("av01");

    private final String sampleEntry;

    VideoCodec(String sampleEntry) {
        this.sampleEntry = sampleEntry;
    }

    public String sampleEntry() {
        return sampleEntry;
    }
}
