package io.tributary.dvr;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MPEG-DASH MPDs of recorded media, a pure function of index rows: static for a closed window,
 * dynamic (start-over, {@code timeShiftBufferDepth} back to {@code from}) for an open one.
 *
 * <p>One Period per run of continuous recording (a publisher reconnect or a gap starts the
 * next), each AdaptationSet's Representations with a {@code SegmentTimeline} of the recorded
 * tfdt times. Media is addressed by {@code $Time$}; the URL carries the Period's PDT and tfdt
 * anchor ({@code p}, {@code t0}) so the server finds the row near {@code p + (t - t0)/timescale}
 * without any state.
 */
public final class DvrDash {

    public static final String CONTENT_TYPE = "application/dash+xml";
    private static final DateTimeFormatter ISO_MS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private DvrDash() {
    }

    /** One recorded rendition and its segments in the window (sorted by PDT). */
    public record Track(RecordedRendition rendition, List<RecordedSegment> segments) {
    }

    /** A run of continuous segments of one track. */
    private record Run(long startPdt, List<RecordedSegment> segments) {
    }

    /**
     * @param dynamic start-over: the MPD grows until {@code ended}
     * @param nowMs   publishTime
     */
    public static String render(List<Track> tracks, boolean dynamic, boolean ended, long nowMs) {
        Track main = null;
        for (Track t : tracks) {
            if (!t.segments().isEmpty() && (main == null || main.rendition().audio() && !t.rendition().audio())) {
                main = t;
            }
        }
        if (main == null) {
            throw new IllegalArgumentException("nothing recorded in the window");
        }
        boolean live = dynamic && !ended;
        List<Run> periods = runs(main.segments());
        long origin = periods.get(0).startPdt();
        RecordedSegment lastMain = main.segments().get(main.segments().size() - 1);
        long endPdt = lastMain.pdtMillis() + Math.round(lastMain.duration() * 1000);
        double maxSeg = 0;
        for (Track t : tracks) {
            for (RecordedSegment s : t.segments()) {
                maxSeg = Math.max(maxSeg, s.duration());
            }
        }
        StringBuilder b = new StringBuilder(4096);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"");
        attr(b, "profiles", "urn:mpeg:dash:profile:isoff-live:2011");
        attr(b, "type", live ? "dynamic" : "static");
        if (live) {
            attr(b, "availabilityStartTime", ISO_MS.format(Instant.ofEpochMilli(origin)));
            attr(b, "publishTime", ISO_MS.format(Instant.ofEpochMilli(nowMs)));
            attr(b, "minimumUpdatePeriod", duration(Math.round(Math.max(1, maxSeg) * 1000)));
            attr(b, "timeShiftBufferDepth", duration(Math.max(nowMs, endPdt) - origin));
            attr(b, "suggestedPresentationDelay", duration(Math.round(3 * Math.max(1, maxSeg) * 1000)));
        } else {
            attr(b, "mediaPresentationDuration", duration(endPdt - origin));
        }
        attr(b, "minBufferTime", duration(Math.round(Math.max(1, maxSeg) * 1000)));
        attr(b, "maxSegmentDuration", duration(Math.round(Math.ceil(maxSeg * 1000))));
        b.append(">\n");
        for (int p = 0; p < periods.size(); p++) {
            Run period = periods.get(p);
            long from = period.startPdt();
            long to = p + 1 < periods.size() ? periods.get(p + 1).startPdt() : Long.MAX_VALUE;
            b.append("  <Period");
            attr(b, "id", "p" + from);
            attr(b, "start", duration(from - origin));
            b.append(">\n");
            adaptationSet(b, tracks, false, from, to);
            adaptationSet(b, tracks, true, from, to);
            b.append("  </Period>\n");
        }
        b.append("</MPD>\n");
        return b.toString();
    }

    private static void adaptationSet(StringBuilder b, List<Track> tracks, boolean audio, long from, long to) {
        Map<Track, List<RecordedSegment>> own = new LinkedHashMap<>();
        for (Track t : tracks) {
            if (t.rendition().audio() != audio) {
                continue;
            }
            List<RecordedSegment> segs = new ArrayList<>();
            for (RecordedSegment s : t.segments()) {
                // a segment belongs to the period it starts in (aligned rungs start together)
                if (s.pdtMillis() >= from - DvrPlaylists.GAP_TOLERANCE_MS && s.pdtMillis() < to - DvrPlaylists.GAP_TOLERANCE_MS) {
                    segs.add(s);
                }
            }
            // within a period a track must be continuous: keep its first run
            if (!segs.isEmpty()) {
                own.put(t, runs(segs).get(0).segments());
            }
        }
        if (own.isEmpty()) {
            return;
        }
        b.append("    <AdaptationSet");
        attr(b, "contentType", audio ? "audio" : "video");
        attr(b, "mimeType", audio ? "audio/mp4" : "video/mp4");
        attr(b, "segmentAlignment", "true");
        attr(b, "startWithSAP", "1");
        b.append(">\n");
        for (var e : own.entrySet()) {
            RecordedRendition r = e.getKey().rendition();
            List<RecordedSegment> segs = e.getValue();
            RecordedSegment first = segs.get(0);
            int ts = first.timescale();
            // presentation time 0 of the period is the period start: shift by the first segment's lateness
            long pto = first.baseMediaTime() - Math.round((first.pdtMillis() - from) * ts / 1000.0);
            b.append("      <Representation");
            attr(b, "id", r.rendition());
            attr(b, "codecs", r.codecs());
            attr(b, "bandwidth", Long.toString(Math.max(1, r.bandwidth())));
            if (!audio) {
                attr(b, "width", Integer.toString(r.width()));
                attr(b, "height", Integer.toString(r.height()));
            } else {
                attr(b, "audioSamplingRate", Integer.toString(ts));
            }
            b.append(">\n        <SegmentTemplate");
            attr(b, "timescale", Integer.toString(ts));
            attr(b, "presentationTimeOffset", Long.toString(pto));
            attr(b, "initialization", "$RepresentationID$/init-" + first.initVersion() + ".mp4");
            attr(b, "media", "$RepresentationID$/t-$Time$.m4s?p=" + first.pdtMillis() + "&t0=" + first.baseMediaTime()
                    + "&ts=" + ts);
            b.append(">\n          <SegmentTimeline>\n");
            long expected = Long.MIN_VALUE;
            long runT = 0;
            long runD = -1;
            int repeat = 0;
            boolean explicit = true;
            for (RecordedSegment s : segs) {
                long t = s.baseMediaTime();
                long d = Math.round(s.duration() * ts);
                if (runD == d && t == expected) {
                    repeat++;
                } else {
                    if (runD >= 0) {
                        entry(b, runT, explicit, runD, repeat);
                    }
                    explicit = t != expected;
                    runT = t;
                    runD = d;
                    repeat = 0;
                }
                expected = t + d;
            }
            entry(b, runT, explicit, runD, repeat);
            b.append("          </SegmentTimeline>\n        </SegmentTemplate>\n      </Representation>\n");
        }
        b.append("    </AdaptationSet>\n");
    }

    private static void entry(StringBuilder b, long t, boolean explicit, long d, int r) {
        b.append("            <S");
        if (explicit) {
            attr(b, "t", Long.toString(t));
        }
        attr(b, "d", Long.toString(d));
        if (r > 0) {
            attr(b, "r", Integer.toString(r));
        }
        b.append("/>\n");
    }

    private static List<Run> runs(List<RecordedSegment> segs) {
        List<Run> out = new ArrayList<>();
        List<RecordedSegment> current = null;
        RecordedSegment previous = null;
        for (RecordedSegment s : segs) {
            if (current == null || DvrPlaylists.discontinuous(previous, s)) {
                current = new ArrayList<>();
                out.add(new Run(s.pdtMillis(), current));
            }
            current.add(s);
            previous = s;
        }
        return out;
    }

    /** The PDT (ms) a {@code $Time$} URL points near: the anchor plus the media time since it. */
    public static long approximatePdt(long anchorPdt, long anchorTime, long time, int timescale) {
        return anchorPdt + Math.round((time - anchorTime) * 1000.0 / timescale);
    }

    static String duration(long ms) {
        return "PT" + BigDecimal.valueOf(Math.max(0, ms), 3).stripTrailingZeros().toPlainString() + "S";
    }

    private static void attr(StringBuilder b, String name, String value) {
        b.append(' ').append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        b.append('"');
    }
}
