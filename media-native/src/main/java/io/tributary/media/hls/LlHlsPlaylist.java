package io.tributary.media.hls;

import io.tributary.media.CueKind;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.media.timeline.MediaPart;
import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.PlaylistCue;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Renders a media playlist (RFC 8216bis, LL-HLS) from a rendition snapshot.
 * Players without LL-HLS support ignore the EXT-X-PART family and play segments.
 */
public final class LlHlsPlaylist {

    private static final DateTimeFormatter PDT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    /** Segments older than this many target durations from the edge lose their EXT-X-PART lines. */
    private static final int PART_LINES_TARGET_DURATIONS = 3;

    private LlHlsPlaylist() {
    }

    /** CAN-SKIP-UNTIL: six target durations, the spec's minimum. */
    public static double skipUntil(RenditionSnapshot s) {
        return 6.0 * s.targetDuration();
    }

    /**
     * @param skip    render a delta update (EXT-X-SKIP) when segments can be skipped
     * @param query   appended to every URI (e.g. a session or token parameter), or "" for none
     * @param reports rendition reports for the other renditions of the stream
     */
    public static String render(RenditionSnapshot s, boolean skip, String query, List<RenditionReport> reports) {
        return render(s, skip, query, reports, Past.NONE);
    }

    /**
     * Recorded segments listed before the live window (a DVR seek-back): already rendered lines
     * (discontinuity, map, date-time, EXTINF, URI per segment), how many segments they hold and
     * how many EXT-X-DISCONTINUITY tags. They end right before the first live segment.
     */
    public record Past(String lines, int segments, int discontinuities) {
        public static final Past NONE = new Past("", 0, 0);
    }

    /** {@link #render(RenditionSnapshot, boolean, String, List)} with {@code past} listed before the live segments. */
    public static String render(RenditionSnapshot s, boolean skip, String query, List<RenditionReport> reports, Past past) {
        StringBuilder b = new StringBuilder(1024 + 160 * s.listed().size() + past.lines().length());
        String q = query == null || query.isEmpty() ? "" : "?" + query;
        double partHoldBack = s.partHoldBack();
        b.append("#EXTM3U\n#EXT-X-VERSION:9\n");
        b.append("#EXT-X-TARGETDURATION:").append(s.targetDuration()).append('\n');
        b.append("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=").append(num(skipUntil(s)))
                .append(",PART-HOLD-BACK=").append(num(partHoldBack))
                .append(",HOLD-BACK=").append(num(3.0 * s.targetDuration())).append('\n');
        b.append("#EXT-X-PART-INF:PART-TARGET=").append(num(s.partTarget())).append('\n');
        b.append("#EXT-X-MEDIA-SEQUENCE:").append(s.firstMsn() - past.segments()).append('\n');
        b.append("#EXT-X-DISCONTINUITY-SEQUENCE:")
                .append(Math.max(0, s.discontinuitySequence() - past.discontinuities())).append('\n');

        List<MediaSegment> segs = s.listed();
        MediaSegment open = s.open() != null && !s.open().parts().isEmpty() ? s.open() : null;

        double total = 0;
        for (MediaSegment seg : segs) {
            total += seg.duration();
        }
        double openDuration = open == null ? 0 : open.duration();

        int skipped = 0;
        if (skip) {
            // skip leading segments that end before CAN-SKIP-UNTIL from the live edge
            double edge = total + openDuration;
            double start = 0;
            for (MediaSegment seg : segs) {
                if (edge - (start + seg.duration()) > skipUntil(s)) {
                    skipped++;
                    start += seg.duration();
                } else {
                    break;
                }
            }
            if (skipped > 0 || past.segments() > 0) {
                // the past is older than any live segment: skipped whole
                b.append("#EXT-X-SKIP:SKIPPED-SEGMENTS=").append(skipped + past.segments()).append('\n');
                // no CAN-SKIP-DATERANGES: the date ranges of skipped segments stay in the update
                for (int i = 0; i < skipped; i++) {
                    for (PlaylistCue c : s.cues()) {
                        if (c.msn() == segs.get(i).msn()) {
                            dateRange(b, c);
                        }
                    }
                }
            }
        } else {
            b.append(past.lines());
        }

        // EXT-X-PART lines only for the last few target durations
        double partWindowStart = total + openDuration - PART_LINES_TARGET_DURATIONS * s.targetDuration();
        int mapShown = -1;
        double start = 0;
        for (int i = 0; i < segs.size(); i++) {
            MediaSegment seg = segs.get(i);
            start += seg.duration();
            if (i < skipped) {
                continue;
            }
            mapShown = map(b, seg, mapShown, q);
            if (start > partWindowStart) {
                parts(b, seg, q, s.cues());
            } else {
                cues(b, s.cues(), seg.msn(), -1);
            }
            b.append("#EXTINF:").append(String.format(Locale.ROOT, "%.5f", seg.duration())).append(",\n");
            b.append(seg.uri()).append(q).append('\n');
        }
        if (open != null) {
            map(b, open, mapShown, q);
            parts(b, open, q, s.cues());
        }
        if (s.ended()) {
            b.append("#EXT-X-ENDLIST\n");
        } else if (s.open() != null) {
            b.append("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"").append("part-").append(s.open().msn()).append('.')
                    .append(s.open().parts().size()).append(".m4s").append(q).append("\"\n");
        }
        if (!s.ended()) {
            for (RenditionReport r : reports) {
                if (r.lastMsn() < 0) {
                    continue;
                }
                b.append("#EXT-X-RENDITION-REPORT:URI=\"").append(r.uri()).append(q).append("\",LAST-MSN=")
                        .append(r.lastMsn()).append(",LAST-PART=").append(r.lastPart()).append('\n');
            }
        }
        return b.toString();
    }

    /** Writes discontinuity, EXT-X-MAP (when the init changes) and the program date-time of a segment. */
    private static int map(StringBuilder b, MediaSegment seg, int mapShown, String q) {
        // the tag stays on a discontinuity segment even when it is first in the window:
        // EXT-X-DISCONTINUITY-SEQUENCE only counts those that slid out
        if (seg.discontinuity()) {
            b.append("#EXT-X-DISCONTINUITY\n");
        }
        if (seg.initVersion() != mapShown) {
            b.append("#EXT-X-MAP:URI=\"init-").append(seg.initVersion()).append(".mp4").append(q).append("\"\n");
        }
        b.append("#EXT-X-PROGRAM-DATE-TIME:").append(PDT.format(Instant.ofEpochMilli(seg.programDateTime()))).append('\n');
        return seg.initVersion();
    }

    private static void parts(StringBuilder b, MediaSegment seg, String q, List<PlaylistCue> cues) {
        for (MediaPart p : seg.parts()) {
            cues(b, cues, seg.msn(), p.index());
            b.append("#EXT-X-PART:DURATION=").append(String.format(Locale.ROOT, "%.5f", p.duration()))
                    .append(",URI=\"").append(p.uri()).append(q).append('"');
            if (p.independent()) {
                b.append(",INDEPENDENT=YES");
            }
            b.append('\n');
        }
    }

    /**
     * The cue tags of segment {@code msn}: those placed on part {@code part}, or all of them when
     * {@code part} is -1 (the segment is listed without its parts). EXT-X-CUE-OUT/-IN are for players
     * that predate EXT-X-DATERANGE; they apply to the segment that follows them.
     */
    private static void cues(StringBuilder b, List<PlaylistCue> cues, long msn, int part) {
        for (PlaylistCue c : cues) {
            if (c.msn() != msn || (part >= 0 && c.part() != part)) {
                continue;
            }
            dateRange(b, c);
            if (c.kind() == CueKind.CMD) {
                continue; // no break: nothing for players that only know EXT-X-CUE-OUT/-IN
            }
            if (c.out()) {
                b.append(c.duration() > 0 ? "#EXT-X-CUE-OUT:DURATION=" + num(c.duration()) : "#EXT-X-CUE-OUT").append('\n');
            } else {
                b.append("#EXT-X-CUE-IN\n");
            }
        }
    }

    /** RFC 8216bis 4.4.5.1 (and 4.4.5.1.4 for the SCTE35 attributes, the section as 0x-hex). */
    private static void dateRange(StringBuilder b, PlaylistCue c) {
        b.append("#EXT-X-DATERANGE:ID=\"").append(c.rangeId()).append("\",START-DATE=\"")
                .append(PDT.format(Instant.ofEpochMilli(c.rangeDate()))).append('"');
        if (c.out() && c.duration() > 0) {
            b.append(",PLANNED-DURATION=").append(num(c.duration()));
        } else if (c.kind() == CueKind.IN && c.duration() > 0) {
            b.append(",DURATION=").append(num(c.duration()));
        }
        if (c.scte35() != null) {
            b.append(switch (c.kind()) {
                case OUT -> ",SCTE35-OUT=0x";
                case IN -> ",SCTE35-IN=0x";
                case CMD -> ",SCTE35-CMD=0x";
            }).append(HexFormat.of().withUpperCase().formatHex(c.scte35()));
        }
        b.append('\n');
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
