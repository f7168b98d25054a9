package io.tributary.media.hls;

/** One LL-HLS partial segment: a single CMAF fragment (moof+mdat). */
public record HlsPart(long msn, int index, double duration, boolean independent, byte[] data) {

    public String uri() {
        return "part-" + msn + "." + index + ".m4s";
    }
}
