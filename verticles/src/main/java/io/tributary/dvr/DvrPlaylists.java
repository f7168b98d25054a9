package io.tributary.dvr;

import io.netty.buffer.Unpooled;
import io.tributary.media.hls.MultivariantPlaylist;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HLS playlists of recorded media, pure functions of index rows: a multivariant playlist over
 * the rungs recorded in a window, and per rendition a VOD (closed window) or EVENT (start-over)
 * media playlist. Segments are addressed by their PDT ({@code seg-{pdtMillis}.m4s}): unique per
 * rendition across publisher sessions, where msn restarts.
 */
public final class DvrPlaylists {

    /** A hole in the recording longer than this (ms) is a gap: a discontinuity, nothing listed. */
    static final long GAP_TOLERANCE_MS = 250;

    private DvrPlaylists() {
    }

    /**
     * The segments of {@code sorted} (by PDT) that overlap the window by more than a few ms:
     * rungs cut at the same keyframes differ by milliseconds in PDT, and a window edge on a
     * segment boundary must not keep a segment in one rung and drop it in another.
     */
    public static List<RecordedSegment> inWindow(List<RecordedSegment> sorted, DvrTimes.Window w) {
        long margin = Math.min(GAP_TOLERANCE_MS, w.lengthMs() / 4);
        List<RecordedSegment> out = new ArrayList<>();
        for (RecordedSegment s : sorted) {
            long end = s.pdtMillis() + Math.round(s.duration() * 1000);
            if (end > w.fromMs() + margin && s.pdtMillis() < w.toMs() - margin) {
                out.add(s);
            }
        }
        return out;
    }

    /** Whether {@code s} starts a new run after {@code previous}: the publisher reconnected, or nothing was recorded between. */
    public static boolean discontinuous(RecordedSegment previous, RecordedSegment s) {
        if (previous == null) {
            return false;
        }
        long expected = previous.pdtMillis() + Math.round(previous.duration() * 1000);
        return s.discontinuity() || Math.abs(s.pdtMillis() - expected) > GAP_TOLERANCE_MS;
    }

    /** {@code seconds} with five decimals, as {@code %.5f} would print it (without its cost per line). */
    static void seconds(StringBuilder b, double seconds) {
        long units = Math.round(seconds * 100_000);
        b.append(units / 100_000).append('.');
        String frac = Long.toString(units % 100_000);
        for (int i = frac.length(); i < 5; i++) {
            b.append('0');
        }
        b.append(frac);
    }

    /** An ISO 8601 UTC date-time with milliseconds; the date part is formatted once per day seen. */
    static void pdt(StringBuilder b, long ms) {
        long day = Math.floorDiv(ms, 86_400_000L);
        long inDay = ms - day * 86_400_000L;
        b.append(java.time.LocalDate.ofEpochDay(day)).append('T');
        two(b, inDay / 3_600_000);
        b.append(':');
        two(b, inDay / 60_000 % 60);
        b.append(':');
        two(b, inDay / 1000 % 60);
        b.append('.');
        long milli = inDay % 1000;
        b.append(milli < 100 ? milli < 10 ? "00" : "0" : "").append(milli).append("Z");
    }

    private static void two(StringBuilder b, long v) {
        if (v < 10) {
            b.append('0');
        }
        b.append(v);
    }

    /**
     * The multivariant playlist: every video rung recorded in the window, audio as a group.
     *
     * @param query the window as a query, repeated on every media playlist URI
     */
    public static String multivariant(List<RecordedRendition> renditions, String query) {
        List<MultivariantPlaylist.Variant> variants = new ArrayList<>();
        MultivariantPlaylist.Audio audio = null;
        for (RecordedRendition r : renditions) {
            if (r.audio()) {
                if (audio == null) {
                    audio = new MultivariantPlaylist.Audio(r.rendition() + "/index.m3u8", "audio", r.codecs(), 2,
                            Math.max(1, r.bandwidth()));
                }
            } else {
                variants.add(new MultivariantPlaylist.Variant(r.rendition() + "/index.m3u8", r.codecs(), r.width(),
                        r.height(), 0, Math.max(1, r.bandwidth()), Math.max(1, r.bandwidth())));
            }
        }
        // highest first: players start on the first listed
        variants.sort((a, b) -> Long.compare(b.bandwidth(), a.bandwidth()));
        return MultivariantPlaylist.render(variants, audio, query);
    }

    /**
     * A media playlist of {@code segments} (sorted by PDT, already cut to the window).
     *
     * @param event start-over: an EVENT playlist, ended only when {@code ended}
     * @param ended the stream is over: no more segments will come
     */
    public static String media(List<RecordedSegment> segments, boolean event, boolean ended) {
        return mediaOf(List.of(DvrBlocks.loose(segments)), event, ended).toString(StandardCharsets.US_ASCII);
    }

    /**
     * The media playlist of a window's pieces: whole blocks' lines are not copied but referenced (the body is a
     * composite of them and of what is rendered here), so a 24 h playlist costs its edges, not 3.8 MB of copies.
     */
    static Buffer mediaOf(List<DvrBlocks.Piece> pieces, boolean event, boolean ended) {
        long target = 1;
        for (DvrBlocks.Piece p : pieces) {
            target = Math.max(target, p.target());
        }
        StringBuilder b = new StringBuilder(512);
        b.append("#EXTM3U\n#EXT-X-VERSION:7\n");
        b.append("#EXT-X-PLAYLIST-TYPE:").append(event ? "EVENT" : "VOD").append('\n');
        b.append("#EXT-X-TARGETDURATION:").append(target).append('\n');
        b.append("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        List<byte[]> parts = new ArrayList<>(2 * pieces.size() + 2);
        RecordedSegment previous = null;
        for (DvrBlocks.Piece p : pieces) {
            List<RecordedSegment> segs = p.segments();
            int rendered = p.whole() ? 1 : segs.size();
            for (int i = 0; i < rendered; i++) {
                segmentLines(b, previous, segs.get(i));
                previous = segs.get(i);
            }
            if (p.whole()) {
                parts.add(b.toString().getBytes(StandardCharsets.US_ASCII));
                b.setLength(0);
                parts.add(p.tail());
                previous = segs.get(segs.size() - 1);
            }
        }
        if (!event || ended) {
            b.append("#EXT-X-ENDLIST\n");
        }
        parts.add(b.toString().getBytes(StandardCharsets.US_ASCII));
        return BufferInternal.buffer(Unpooled.wrappedBuffer(parts.toArray(new byte[0][])));
    }

    /** EXT-X-TARGETDURATION a segment needs: its duration rounded up, a millisecond of jitter forgiven. */
    static long targetDuration(RecordedSegment s) {
        return Math.max(1, Math.round(Math.ceil(s.duration() - 0.001)));
    }

    /** The lines of {@code s} after {@code previous} (null for the first): depends on nothing else. */
    static void segmentLines(StringBuilder b, RecordedSegment previous, RecordedSegment s) {
        if (discontinuous(previous, s)) {
            b.append("#EXT-X-DISCONTINUITY\n");
        }
        if (previous == null || previous.initVersion() != s.initVersion()) {
            b.append("#EXT-X-MAP:URI=\"init-").append(s.initVersion()).append(".mp4\"\n");
        }
        b.append("#EXT-X-PROGRAM-DATE-TIME:");
        pdt(b, s.pdtMillis());
        b.append("\n#EXTINF:");
        seconds(b, s.duration());
        b.append(",\n");
        b.append("seg-").append(s.pdtMillis()).append(".m4s\n");
    }
}
