package io.tributary.media.dash;

import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.RenditionSnapshot;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Renders a live MPEG-DASH MPD (ISO/IEC 23009-1, isoff-live profile) from the same
 * rendition timelines the LL-HLS playlists come from: every Representation addresses
 * the HLS objects themselves ({@code {rendition}/init-{v}.mp4}, {@code {rendition}/seg-{msn}.m4s}),
 * so DASH and HLS players share one copy of the media.
 *
 * <p>Timing: a {@code SegmentTemplate} with {@code $Number$} = the segment's msn and a
 * {@code SegmentTimeline} built from each segment's decode start time and duration in the
 * track timescale (segments follow the GOP, so their durations vary).
 *
 * <p>Periods: one per publisher session. A reconnect (an HLS discontinuity) may bring a new
 * codec configuration (a new init version) and always restarts the wall-clock mapping, so
 * every session gets its own Period, identified by its discontinuity sequence number
 * ({@code id="p{n}"}), with its own init URL and a {@code presentationTimeOffset} that keeps
 * availability times equal to the segments' real wall-clock times.
 *
 * <p>Pure function of its input; no I/O.
 */
public final class DashManifest {

    public static final String CONTENT_TYPE = "application/dash+xml";
    public static final String PROFILE_LIVE = "urn:mpeg:dash:profile:isoff-live:2011";
    public static final String UTC_HTTP_ISO = "urn:mpeg:dash:utc:http-iso:2014";
    static final String CHANNEL_SCHEME = "urn:mpeg:dash:23003:3:audio_channel_configuration:2011";
    /** DVB-DASH low-latency marker on an AdaptationSet (DVB A168); dash.js enables its low-latency mode on it. */
    static final String DVB_LOW_LATENCY = "urn:dvb:dash:lowlatency:critical:2019";
    static final String PRODUCER_REFERENCE_ID = "0";

    private static final DateTimeFormatter ISO_MS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private DashManifest() {
    }

    public enum Kind { VIDEO, AUDIO }

    /** One rendition of the stream and what a DASH Representation says about it. */
    public record Rendition(String id, Kind kind, RenditionSnapshot snapshot, int timescale, String codecs,
                            int width, int height, double frameRate, int sampleRate, int channels, long bandwidth) {

        public static Rendition video(String id, RenditionSnapshot snapshot, int timescale, String codecs,
                                      int width, int height, double frameRate, long bandwidth) {
            return new Rendition(id, Kind.VIDEO, snapshot, timescale, codecs, width, height, frameRate, 0, 0, bandwidth);
        }

        /** An AAC rendition; its timescale is the sample rate. */
        public static Rendition audio(String id, RenditionSnapshot snapshot, String codecs, int sampleRate,
                                      int channels, long bandwidth) {
            return new Rendition(id, Kind.AUDIO, snapshot, sampleRate, codecs, 0, 0, 0, sampleRate, channels, bandwidth);
        }
    }

    /**
     * @param renditions            video renditions (any number, e.g. a ladder) and audio
     * @param availabilityStartTime wall-clock ms anchoring the dynamic presentation; must stay
     *                              the same for the stream's life
     * @param now                   wall-clock ms, the publishTime
     * @param ended                 the stream is over: a static MPD of what is still listed
     * @param utcTimingUrl          an {@code http-iso} time source for players, or null
     * @param availabilityTimeOffset seconds before its end a segment may be requested, when the
     *                              server streams segments as they are built (low-latency DASH:
     *                              segment duration minus part duration); 0 = only once complete
     */
    public record Input(List<Rendition> renditions, long availabilityStartTime, long now, boolean ended,
                        String utcTimingUrl, double availabilityTimeOffset, LowLatency lowLatency) {

        /** Without low-latency addressing: segments are available once complete. */
        public Input(List<Rendition> renditions, long availabilityStartTime, long now, boolean ended, String utcTimingUrl) {
            this(renditions, availabilityStartTime, now, ended, utcTimingUrl, 0, null);
        }

        /** Low-latency addressing without a service description (players pick their own latency). */
        public Input(List<Rendition> renditions, long availabilityStartTime, long now, boolean ended, String utcTimingUrl,
                     double availabilityTimeOffset) {
            this(renditions, availabilityStartTime, now, ended, utcTimingUrl, availabilityTimeOffset, null);
        }
    }

    /**
     * What a low-latency player is to aim for (ISO/IEC 23009-1 ServiceDescription, as the DASH-IF
     * low-latency guidelines use it): dash.js and Shaka take {@code Latency@target} as their live
     * delay and steer towards it with a playback rate between the two rates given.
     *
     * @param targetMs   the live latency to hold, ms
     * @param minMs      below this a player slows down, ms
     * @param maxMs      above this a player may seek back towards the target, ms
     * @param minRate    slowest playback rate for latency control
     * @param maxRate    fastest playback rate for latency control
     * @param partTarget seconds; the chunk (part) duration the segments are built from, for Resync
     */
    public record LowLatency(long targetMs, long minMs, long maxMs, double minRate, double maxRate, double partTarget) {

        public LowLatency {
            if (targetMs <= 0 || minMs < 0 || minMs > targetMs || maxMs < targetMs) {
                throw new IllegalArgumentException("latency must satisfy 0 <= min <= target <= max, target > 0: "
                        + minMs + "/" + targetMs + "/" + maxMs);
            }
            if (!(minRate > 0 && minRate <= 1 && maxRate >= 1 && maxRate <= 4)) {
                throw new IllegalArgumentException("playback rates must satisfy 0 < min <= 1 <= max <= 4: " + minRate + "/" + maxRate);
            }
        }

        /**
         * The defaults for a stream cut into parts of {@code partTarget} seconds and segments of
         * {@code segmentTarget}: a target of {@code targetMs} (when 0: four parts, room for one part
         * being built, one in flight and two buffered), half of it as the minimum, and two segments
         * above it as the maximum.
         */
        public static LowLatency of(long targetMs, double partTarget, double segmentTarget) {
            long target = targetMs > 0 ? targetMs : Math.round(4 * partTarget * 1000);
            return new LowLatency(target, target / 2, target + Math.round(2 * segmentTarget * 1000), 0.95, 1.1, partTarget);
        }
    }

    /** A listed segment and the publisher session (discontinuity sequence number) it belongs to. */
    record Placed(MediaSegment segment, long session, double predicted) {

        Placed(MediaSegment segment, long session) {
            this(segment, session, Double.NaN);
        }

        /** Seconds: the real duration of a complete segment, the predicted one of the segment being built. */
        double duration() {
            return Double.isNaN(predicted) ? segment.duration() : predicted;
        }
    }

    /**
     * The segment being built, as low-latency clients must see it: listed with a predicted duration
     * (the previous segment's: segments follow the GOP), so a client asks for it early and gets it
     * part by part; null when there is none. The first segment of a new publisher session (a FAST
     * programme's, a reconnect's) is listed once it has a part: its Period comes with it, so a player
     * finishing the Period before (an ad's, in a session's spliced MPD) finds the next one in time.
     */
    static Placed building(RenditionSnapshot s, List<Placed> listed) {
        MediaSegment open = s.open();
        if (open == null || open.startTime() < 0 || listed.isEmpty() || open.discontinuity() && open.parts().isEmpty()) {
            return null;
        }
        Placed last = listed.get(listed.size() - 1);
        if (last.segment().msn() != open.msn() - 1) {
            return null;
        }
        double predicted = Math.max(last.segment().duration(), open.duration());
        return new Placed(open, last.session() + (open.discontinuity() ? 1 : 0), predicted);
    }

    /**
     * The wall-clock ms of media time 0 in the stream's first publisher session (its segments'
     * program date-time minus their decode time), or -1 once that session has left the main
     * rendition's timeline. Used as availabilityStartTime, the first Period starts at 0 with no
     * presentationTimeOffset, so a ProducerReferenceTime reads the same whether a player subtracts
     * the Period start and offset (DVB A168 10.20.4, dash.js) or not (Shaka): its wall clock minus
     * its presentation time is this origin either way.
     */
    public static long firstSessionOrigin(Input in) {
        Rendition main = main(in);
        if (main == null) {
            return -1;
        }
        for (Placed p : place(main.snapshot(), true)) {
            if (p.session() == 0) {
                MediaSegment seg = p.segment();
                return seg.programDateTime() - Math.round(seg.startTime() * 1000.0 / main.timescale());
            }
        }
        return -1;
    }

    /** Whether {@link #render} has something to say: the main rendition has a complete segment with a known start. */
    public static boolean renderable(Input in) {
        return main(in) != null;
    }

    /** @throws IllegalArgumentException when nothing is {@link #renderable} */
    public static String render(Input in) {
        Rendition main = main(in);
        if (main == null) {
            throw new IllegalArgumentException("no rendition has a complete segment");
        }
        boolean dynamic = !in.ended();
        // low-latency signalling only while live and only when segments are served as they are built
        LowLatency ll = dynamic && in.availabilityTimeOffset() > 0 ? in.lowLatency() : null;
        RenditionSnapshot ms = main.snapshot();
        List<Placed> mainAll = new ArrayList<>(place(ms, true));
        List<Placed> mainListed = place(ms, false);

        // sessions shown: those of the main rendition's listed segments (and the session its segment
        // being built opens); the newest one only once every rendition with media has a segment in it
        // (a Period needs all its AdaptationSets)
        TreeMap<Long, List<Placed>> mainBySession = bySession(mainListed);
        Placed mainOpen = ll != null ? building(ms, mainListed) : null;
        if (mainOpen != null && !mainBySession.containsKey(mainOpen.session())) {
            mainBySession.put(mainOpen.session(), new ArrayList<>(List.of(mainOpen)));
            mainAll.add(mainOpen);
        }
        List<List<Placed>> placed = new ArrayList<>();
        for (Rendition r : in.renditions()) {
            List<Placed> p = new ArrayList<>(r == main ? mainListed : place(r.snapshot(), false));
            Placed open = ll == null ? null : r == main ? mainOpen : building(r.snapshot(), p);
            if (open != null) {
                p.add(open);
            }
            placed.add(p);
        }
        long newest = mainBySession.lastKey();
        if (mainBySession.size() > 1) {
            for (List<Placed> p : placed) {
                if (!p.isEmpty() && p.stream().noneMatch(x -> x.session() == newest)) {
                    mainBySession.remove(newest);
                    break;
                }
            }
        }

        // wall-clock ms of presentation time 0: the fixed AST when live; once ended, the first listed segment
        long origin = dynamic ? in.availabilityStartTime()
                : mainBySession.firstEntry().getValue().get(0).segment().programDateTime();

        StringBuilder b = new StringBuilder(2048);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"");
        attr(b, "profiles", PROFILE_LIVE);
        attr(b, "type", dynamic ? "dynamic" : "static");
        double target = ms.targetDuration();
        long maxSegmentMs = 0;
        for (List<Placed> p : placed) {
            for (Placed x : p) {
                maxSegmentMs = Math.max(maxSegmentMs, (long) Math.ceil(x.duration() * 1000));
            }
        }
        if (dynamic) {
            long windowMs = 0;
            for (Placed x : mainListed) {
                windowMs += Math.round(x.segment().duration() * 1000);
            }
            attr(b, "availabilityStartTime", ISO_MS.format(Instant.ofEpochMilli(in.availabilityStartTime())));
            attr(b, "publishTime", ISO_MS.format(Instant.ofEpochMilli(in.now())));
            // low latency: once per part, so a client learns of the next segment as it opens (it is
            // listed ahead, with a predicted duration, while it is built)
            attr(b, "minimumUpdatePeriod", duration(ll != null ? Math.round(ll.partTarget() * 1000) : Math.round(target * 1000)));
            attr(b, "timeShiftBufferDepth", duration(windowMs));
            // the delay a player starts at: the latency target when there is one; never more than the
            // window, or a player would aim before the oldest segment
            long delayMs = ll != null ? ll.targetMs() : Math.round(3 * target * 1000);
            attr(b, "suggestedPresentationDelay", duration(Math.min(delayMs, windowMs)));
        } else {
            attr(b, "publishTime", ISO_MS.format(Instant.ofEpochMilli(in.now())));
        }
        // what a player must hold before it plays: a few parts when segments stream as they are
        // built (a whole segment would be more than the latency target), else a segment
        attr(b, "minBufferTime", duration(ll != null ? Math.min(Math.round(target * 1000), ll.targetMs() / 2)
                : Math.round(target * 1000)));
        attr(b, "maxSegmentDuration", duration(maxSegmentMs));
        int mpdDurationAt = b.length();
        b.append(">\n");
        if (ll != null) {
            // Latency@referenceId names the ProducerReferenceTime the latency is measured against
            b.append("  <ServiceDescription id=\"0\">\n    <Latency");
            attr(b, "referenceId", PRODUCER_REFERENCE_ID);
            attr(b, "target", Long.toString(ll.targetMs()));
            attr(b, "min", Long.toString(ll.minMs()));
            attr(b, "max", Long.toString(ll.maxMs()));
            b.append("/>\n    <PlaybackRate");
            attr(b, "min", rate(ll.minRate()));
            attr(b, "max", rate(ll.maxRate()));
            b.append("/>\n  </ServiceDescription>\n");
        }

        long previousStartMs = 0;
        long endMs = 0;
        boolean firstPeriod = true;
        for (var entry : mainBySession.entrySet()) {
            long session = entry.getKey();
            List<Placed> own = entry.getValue();
            // wall-clock ms of media time 0 in this session (video: exact; pdt and tfdt share the ms clock)
            MediaSegment last = own.get(own.size() - 1).segment();
            long wallOfZero = last.programDateTime() - Math.round(last.startTime() * 1000.0 / main.timescale());
            long pto;
            if (!dynamic && firstPeriod) {
                pto = own.get(0).segment().startTime();
            } else if (dynamic && session == 0) {
                // the first session: a Period@start and offset that never change for the stream's life
                long k = wallOfZero - origin;
                pto = k >= 0 ? 0 : Math.round(-k * main.timescale() / 1000.0);
            } else {
                // a later session starts where its first known segment starts
                pto = firstOfSession(mainAll, session).startTime();
            }
            long startMs = wallOfZero + Math.round(pto * 1000.0 / main.timescale()) - origin;
            if (!dynamic && firstPeriod) {
                startMs = 0;
            }
            startMs = Math.max(startMs, previousStartMs);
            previousStartMs = startMs;

            b.append("  <Period");
            attr(b, "id", "p" + session);
            attr(b, "start", duration(startMs));
            b.append(">\n");
            double ato = dynamic ? in.availabilityTimeOffset() : 0;
            String prftClock = dynamic && ll != null ? in.utcTimingUrl() : null;
            // one video adaptation set per sample entry: players switch within a set, and switching
            // between H.264 and an H.265/AV1 passthrough would need a new decoder mid-stream
            List<String> families = in.renditions().stream().filter(r -> r.kind() == Kind.VIDEO)
                    .map(r -> family(r.codecs())).distinct().toList();
            for (int f = 0; f < families.size(); f++) {
                adaptationSet(b, Kind.VIDEO, families.get(f), f == 0 ? "0" : Integer.toString(f + 1), in.renditions(),
                        placed, session, pto, main.timescale(), ato, ll, prftClock);
            }
            adaptationSet(b, Kind.AUDIO, null, "1", in.renditions(), placed, session, pto, main.timescale(), ato, ll, prftClock);
            b.append("  </Period>\n");
            firstPeriod = false;

            MediaSegment end = own.get(own.size() - 1).segment();
            long endTime = end.startTime() + Math.round(end.duration() * main.timescale());
            endMs = startMs + Math.round((endTime - pto) * 1000.0 / main.timescale());
        }
        if (!dynamic) {
            b.insert(mpdDurationAt, " mediaPresentationDuration=\"" + duration(endMs) + "\"");
        }
        if (dynamic && in.utcTimingUrl() != null) {
            b.append("  <UTCTiming");
            attr(b, "schemeIdUri", UTC_HTTP_ISO);
            attr(b, "value", in.utcTimingUrl());
            b.append("/>\n");
        }
        b.append("</MPD>\n");
        return b.toString();
    }

    /** The sample entry part of an RFC 6381 codecs value: {@code avc1}, {@code hvc1}, {@code av01}. */
    private static String family(String codecs) {
        int dot = codecs.indexOf('.');
        return dot < 0 ? codecs : codecs.substring(0, dot);
    }

    private static void adaptationSet(StringBuilder b, Kind kind, String family, String id, List<Rendition> renditions,
                                      List<List<Placed>> placed, long session, long ptoMain, int mainTimescale,
                                      double ato, LowLatency ll, String prftClock) {
        boolean open = false;
        for (int i = 0; i < renditions.size(); i++) {
            Rendition r = renditions.get(i);
            if (r.kind() != kind || family != null && !family.equals(family(r.codecs()))) {
                continue;
            }
            List<Placed> segs = new ArrayList<>();
            for (Placed x : placed.get(i)) {
                if (x.session() == session) {
                    segs.add(x);
                }
            }
            if (segs.isEmpty()) {
                continue;
            }
            if (!open) {
                open = true;
                b.append("    <AdaptationSet");
                attr(b, "id", id);
                attr(b, "contentType", kind == Kind.VIDEO ? "video" : "audio");
                attr(b, "mimeType", kind == Kind.VIDEO ? "video/mp4" : "audio/mp4");
                if (kind == Kind.AUDIO) {
                    attr(b, "lang", "und");
                }
                attr(b, "segmentAlignment", "true");
                attr(b, "startWithSAP", "1");
                b.append(">\n");
                if (ll != null) {
                    // dash.js switches to its low-latency mode (chunked fetch, latency catch-up) on this;
                    // other clients ignore a SupplementalProperty they do not know
                    b.append("      <SupplementalProperty");
                    attr(b, "schemeIdUri", DVB_LOW_LATENCY);
                    attr(b, "value", "true");
                    b.append("/>\n");
                }
            }
            b.append("      <Representation");
            attr(b, "id", r.id());
            attr(b, "codecs", r.codecs());
            attr(b, "bandwidth", Long.toString(Math.max(1, r.bandwidth())));
            if (kind == Kind.VIDEO) {
                attr(b, "width", Integer.toString(r.width()));
                attr(b, "height", Integer.toString(r.height()));
                String fps = frameRate(r.frameRate());
                if (fps != null) {
                    attr(b, "frameRate", fps);
                }
            } else {
                attr(b, "audioSamplingRate", Integer.toString(r.sampleRate()));
            }
            b.append(">\n");
            if (kind == Kind.AUDIO) {
                b.append("        <AudioChannelConfiguration");
                attr(b, "schemeIdUri", CHANNEL_SCHEME);
                attr(b, "value", Integer.toString(r.channels()));
                b.append("/>\n");
            }
            if (prftClock != null) {
                producerReferenceTime(b, newestComplete(segs), prftClock);
            }
            if (ll != null) {
                // every part begins a CMAF chunk (a moof), at most a part target apart: where a client
                // joining mid-segment can resume parsing (decoding resumes at the next segment)
                b.append("        <Resync");
                attr(b, "type", "0");
                attr(b, "dT", Long.toString(Math.round(ll.partTarget() * r.timescale())));
                b.append("/>\n");
            }
            segmentTemplate(b, r, segs, Math.round(ptoMain * (double) r.timescale() / mainTimescale), ato);
            b.append("      </Representation>\n");
        }
        if (open) {
            b.append("    </AdaptationSet>\n");
        }
    }

    /**
     * The wall clock of one sample: the newest listed segment's first sample and its
     * PROGRAM-DATE-TIME, the same instant the HLS playlists give, so both formats measure latency
     * against one clock. PDT is taken when the sample reaches the node's encoder/packager: type "encoder".
     */
    private static void producerReferenceTime(StringBuilder b, MediaSegment seg, String clock) {
        b.append("        <ProducerReferenceTime");
        attr(b, "id", PRODUCER_REFERENCE_ID);
        attr(b, "type", "encoder");
        attr(b, "wallClockTime", iso(seg.programDateTime()));
        attr(b, "presentationTime", Long.toString(seg.startTime()));
        b.append(">\n          <UTCTiming");
        attr(b, "schemeIdUri", UTC_HTTP_ISO);
        attr(b, "value", clock);
        b.append("/>\n        </ProducerReferenceTime>\n");
    }

    private static String rate(double r) {
        return BigDecimal.valueOf(r).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** The newest segment whose wall clock and media time are both final (not the one being built). */
    private static MediaSegment newestComplete(List<Placed> segs) {
        for (int i = segs.size() - 1; i >= 0; i--) {
            if (Double.isNaN(segs.get(i).predicted())) {
                return segs.get(i).segment();
            }
        }
        return segs.get(segs.size() - 1).segment();
    }

    private static void segmentTemplate(StringBuilder b, Rendition r, List<Placed> segs, long pto, double ato) {
        // a session's segments share the newest init (an init change without a reconnect is
        // rare: an encoder re-sending a different sequence header)
        int initVersion = segs.get(segs.size() - 1).segment().initVersion();
        b.append("        <SegmentTemplate");
        attr(b, "timescale", Integer.toString(r.timescale()));
        if (pto != 0) {
            attr(b, "presentationTimeOffset", Long.toString(pto));
        }
        attr(b, "initialization", "$RepresentationID$/init-" + initVersion + ".mp4");
        attr(b, "media", "$RepresentationID$/seg-$Number$.m4s");
        attr(b, "startNumber", Long.toString(segs.get(0).segment().msn()));
        if (ato > 0) {
            // the segment being built is served as its parts arrive (chunked), so it may be asked for this early
            attr(b, "availabilityTimeOffset", String.format(java.util.Locale.ROOT, "%.3f", ato));
            attr(b, "availabilityTimeComplete", "false");
        }
        b.append(">\n          <SegmentTimeline>\n");
        long runT = -1;
        long runD = -1;
        int runR = 0;
        boolean explicitT = false;
        long expected = -1;
        for (Placed p : segs) {
            long t = p.segment().startTime();
            long d = Math.round(p.duration() * r.timescale());
            if (runD >= 0 && t == expected && d == runD) {
                runR++;
            } else {
                if (runD >= 0) {
                    timelineEntry(b, runT, explicitT, runD, runR);
                }
                explicitT = runD < 0 || t != expected;
                runT = t;
                runD = d;
                runR = 0;
            }
            expected = t + d;
        }
        timelineEntry(b, runT, explicitT, runD, runR);
        b.append("          </SegmentTimeline>\n        </SegmentTemplate>\n");
    }

    private static void timelineEntry(StringBuilder b, long t, boolean explicitT, long d, int r) {
        b.append("            <S");
        if (explicitT) {
            attr(b, "t", Long.toString(t));
        }
        attr(b, "d", Long.toString(d));
        if (r > 0) {
            attr(b, "r", Integer.toString(r));
        }
        b.append("/>\n");
    }

    /** The first video rendition with a complete segment, else the first audio one. */
    private static Rendition main(Input in) {
        for (Kind k : Kind.values()) {
            for (Rendition r : in.renditions()) {
                if (r.kind() == k && !place(r.snapshot(), false).isEmpty()) {
                    return r;
                }
            }
        }
        return null;
    }

    /**
     * The listed segments (and with {@code retired} the older ones still kept) that have a
     * start time, each with its session: the discontinuities before it since the stream began.
     */
    static List<Placed> place(RenditionSnapshot s, boolean retired) {
        List<MediaSegment> listed = s.listed();
        if (listed.isEmpty()) {
            return List.of();
        }
        long firstSession = s.discontinuitySequence() + (listed.get(0).discontinuity() ? 1 : 0);
        List<Placed> out = new ArrayList<>();
        if (retired) {
            List<MediaSegment> old = s.retired();
            long session = firstSession - (listed.get(0).discontinuity() ? 1 : 0);
            List<Placed> back = new ArrayList<>();
            for (int i = old.size() - 1; i >= 0; i--) {
                MediaSegment seg = old.get(i);
                back.add(0, new Placed(seg, session));
                if (seg.discontinuity()) {
                    session--;
                }
            }
            for (Placed p : back) {
                if (p.segment().startTime() >= 0) {
                    out.add(p);
                }
            }
        }
        long session = firstSession;
        for (int i = 0; i < listed.size(); i++) {
            MediaSegment seg = listed.get(i);
            if (i > 0 && seg.discontinuity()) {
                session++;
            }
            if (seg.startTime() >= 0) {
                out.add(new Placed(seg, session));
            }
        }
        return out;
    }

    private static TreeMap<Long, List<Placed>> bySession(List<Placed> placed) {
        TreeMap<Long, List<Placed>> out = new TreeMap<>();
        for (Placed p : placed) {
            out.computeIfAbsent(p.session(), k -> new ArrayList<>()).add(p);
        }
        return out;
    }

    private static MediaSegment firstOfSession(List<Placed> all, long session) {
        for (Placed p : all) {
            if (p.session() == session) {
                return p.segment();
            }
        }
        throw new IllegalStateException("session " + session + " has no segment");
    }

    /** xs:duration in seconds with millisecond precision: PT2S, PT12.345S. */
    static String duration(long ms) {
        return "PT" + BigDecimal.valueOf(Math.max(0, ms), 3).stripTrailingZeros().toPlainString() + "S";
    }

    /** FrameRateType: an integer, or a fraction for NTSC-style and other non-integer rates; null when unknown. */
    static String frameRate(double fps) {
        if (!(fps > 0)) {
            return null;
        }
        long milli = Math.round(fps * 1000);
        if (milli % 1000 == 0) {
            return Long.toString(milli / 1000);
        }
        long ntsc = Math.round(fps * 1.001);
        if (Math.abs(ntsc * 1000 / 1001.0 - fps) < 0.005) {
            return ntsc * 1000 + "/1001";
        }
        return milli + "/1000";
    }

    private static void attr(StringBuilder b, String name, String value) {
        b.append(' ').append(name).append("=\"");
        XmlText.appendAttributeValue(b, value).append('"');
    }

    static String iso(long ms) {
        return ISO_MS.format(Instant.ofEpochMilli(ms));
    }
}
