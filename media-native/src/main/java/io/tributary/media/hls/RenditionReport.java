package io.tributary.media.hls;

import io.tributary.media.timeline.RenditionSnapshot;

/** EXT-X-RENDITION-REPORT for another rendition of the same stream. */
public record RenditionReport(String uri, long lastMsn, int lastPart) {

    public static RenditionReport of(String uri, RenditionSnapshot other) {
        return new RenditionReport(uri, other.lastMsn(), other.lastPart());
    }
}
