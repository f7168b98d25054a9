package io.tributary.media.dash;

import io.tributary.media.timeline.MediaSegment;
import io.tributary.media.timeline.RenditionSnapshot;
import io.tributary.media.timeline.RenditionTimeline;
import io.tributary.media.timeline.TrackPackager;
import io.tributary.media.testing.Mp4Boxes;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MPD for hand-built timelines, parsed back with the JDK's DOM parser. */
class DashManifestTest {

    private static final long AST = 1_700_000_000_000L;
    /** The publisher's session began 250 ms after AST, its media clock at 10 s. */
    private static final long WALL_OF_ZERO = AST + 250 - 10_000;
    private static final long T0_MS = 10_000;

    /** Segments of the given durations (ms), contiguous from {@code startMs} of media time, one part each. */
    private static void segments(RenditionTimeline t, int timescale, long wallOfZero, long startMs, long... durationsMs) {
        long at = startMs;
        for (long d : durationsMs) {
            t.startSegment(wallOfZero + at, at * timescale / 1000);
            t.addPart(d / 1000.0, true, new byte[]{1, 2, 3, (byte) d});
            at += d;
        }
    }

    private static RenditionTimeline timeline(String name) {
        RenditionTimeline t = new RenditionTimeline(name, 2, 0.5, 10, 4);
        t.init(new byte[]{(byte) name.length()});
        return t;
    }

    private static DashManifest.Input input(RenditionSnapshot video, RenditionSnapshot audio, boolean ended) {
        List<DashManifest.Rendition> r = new ArrayList<>();
        r.add(DashManifest.Rendition.video("video", video, 90_000, "avc1.64001f", 1280, 720, 30, 2_500_000));
        if (audio != null) {
            r.add(DashManifest.Rendition.audio("audio", audio, "mp4a.40.2", 48_000, 2, 128_000));
        }
        return new DashManifest.Input(r, AST, AST + 60_000, ended, "http://node:8080/api/v1/time");
    }

    private static Element parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        return doc.getDocumentElement();
    }

    private static List<Element> children(Element e, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getLocalName().equals(name)) {
                out.add(c);
            }
        }
        return out;
    }

    private static Element child(Element e, String name) {
        List<Element> c = children(e, name);
        assertEquals(1, c.size(), "one " + name + " in " + e.getLocalName());
        return c.get(0);
    }

    /** SegmentTemplate + SegmentTimeline expanded: {number, t, d} per segment. */
    static List<long[]> expand(Element template) {
        List<long[]> out = new ArrayList<>();
        long number = Long.parseLong(template.getAttribute("startNumber"));
        long t = 0;
        for (Element s : children(child(template, "SegmentTimeline"), "S")) {
            if (s.hasAttribute("t")) {
                t = Long.parseLong(s.getAttribute("t"));
            }
            long d = Long.parseLong(s.getAttribute("d"));
            int r = s.hasAttribute("r") ? Integer.parseInt(s.getAttribute("r")) : 0;
            for (int i = 0; i <= r; i++) {
                out.add(new long[]{number++, t, d});
                t += d;
            }
        }
        return out;
    }

    private static void assertTimeline(List<MediaSegment> segs, int timescale, Element template) {
        List<long[]> got = expand(template);
        assertEquals(segs.size(), got.size(), "one timeline entry per listed segment");
        for (int i = 0; i < segs.size(); i++) {
            MediaSegment s = segs.get(i);
            assertEquals(s.msn(), got.get(i)[0], "number of entry " + i);
            assertEquals(s.startTime(), got.get(i)[1], "t of segment " + s.msn());
            assertEquals(Math.round(s.duration() * timescale), got.get(i)[2], "d of segment " + s.msn());
        }
    }

    @Test
    void liveManifestListsTheWindowWithExactTimes() throws Exception {
        RenditionTimeline v = timeline("video");
        RenditionTimeline a = timeline("audio");
        // 13 video segments (3 slide out of the 10-segment window), GOP-driven durations
        long[] vd = {2000, 2000, 2000, 2400, 1600, 2000, 2000, 2000, 3000, 2000, 2000, 2000, 1000};
        long[] ad = {2005, 1995, 2005, 2395, 1600, 2005, 2005, 1990, 3000, 2005, 2000, 2000, 995};
        segments(v, 90_000, WALL_OF_ZERO, T0_MS, vd);
        segments(a, 48_000, WALL_OF_ZERO, T0_MS, ad);
        v.startSegment(0, 0); // an open segment is not listed
        RenditionSnapshot vs = v.snapshot();
        RenditionSnapshot as = a.snapshot();
        assertEquals(3, vs.firstMsn());

        String xml = DashManifest.render(input(vs, as, false));
        Element mpd = parse(xml);
        assertEquals("urn:mpeg:dash:schema:mpd:2011", mpd.getNamespaceURI());
        assertEquals("dynamic", mpd.getAttribute("type"));
        assertEquals(DashManifest.PROFILE_LIVE, mpd.getAttribute("profiles"));
        assertEquals("2023-11-14T22:13:20.000Z", mpd.getAttribute("availabilityStartTime"));
        assertEquals("2023-11-14T22:14:20.000Z", mpd.getAttribute("publishTime"));
        // the 3 s GOP raised the target duration from 2 to 3 s, as in the HLS playlist
        assertEquals(3, vs.targetDuration());
        assertEquals("PT3S", mpd.getAttribute("minimumUpdatePeriod"));
        assertEquals("PT9S", mpd.getAttribute("suggestedPresentationDelay"));
        assertEquals("PT3S", mpd.getAttribute("minBufferTime"));
        assertEquals("PT3S", mpd.getAttribute("maxSegmentDuration"));
        long windowMs = 0;
        for (MediaSegment s : vs.listed()) {
            windowMs += Math.round(s.duration() * 1000);
        }
        assertEquals(DashManifest.duration(windowMs), mpd.getAttribute("timeShiftBufferDepth"));
        assertEquals("PT20S", mpd.getAttribute("timeShiftBufferDepth"));
        assertFalse(mpd.hasAttribute("mediaPresentationDuration"));

        Element period = child(mpd, "Period");
        assertEquals("p0", period.getAttribute("id"));
        // the first session: media time 0 is at WALL_OF_ZERO, 9.75 s before AST
        assertEquals("PT0S", period.getAttribute("start"));
        List<Element> sets = children(period, "AdaptationSet");
        assertEquals(2, sets.size());

        Element video = sets.get(0);
        assertEquals("video", video.getAttribute("contentType"));
        assertEquals("video/mp4", video.getAttribute("mimeType"));
        assertEquals("true", video.getAttribute("segmentAlignment"));
        assertEquals("1", video.getAttribute("startWithSAP"));
        Element vr = child(video, "Representation");
        assertEquals("video", vr.getAttribute("id"));
        assertEquals("avc1.64001f", vr.getAttribute("codecs"));
        assertEquals("1280", vr.getAttribute("width"));
        assertEquals("720", vr.getAttribute("height"));
        assertEquals("30", vr.getAttribute("frameRate"));
        assertEquals("2500000", vr.getAttribute("bandwidth"));
        Element vt = child(vr, "SegmentTemplate");
        assertEquals("90000", vt.getAttribute("timescale"));
        assertEquals("$RepresentationID$/init-0.mp4", vt.getAttribute("initialization"));
        assertEquals("$RepresentationID$/seg-$Number$.m4s", vt.getAttribute("media"));
        assertEquals(Long.toString(vs.firstMsn()), vt.getAttribute("startNumber"));
        // presentation time = start + (t - pto) / timescale must be wall - AST: pto = 9.75 s
        assertEquals(Long.toString(9_750 * 90), vt.getAttribute("presentationTimeOffset"));
        assertTimeline(vs.listed(), 90_000, vt);
        // equal durations collapse into one S with r
        assertTrue(xml.contains("<S d=\"180000\" r=\"2\"/>"), xml);

        Element audio = sets.get(1);
        assertEquals("audio", audio.getAttribute("contentType"));
        assertEquals("audio/mp4", audio.getAttribute("mimeType"));
        assertEquals("und", audio.getAttribute("lang"));
        Element ar = child(audio, "Representation");
        assertEquals("audio", ar.getAttribute("id"));
        assertEquals("mp4a.40.2", ar.getAttribute("codecs"));
        assertEquals("48000", ar.getAttribute("audioSamplingRate"));
        Element channels = child(ar, "AudioChannelConfiguration");
        assertEquals("urn:mpeg:dash:23003:3:audio_channel_configuration:2011", channels.getAttribute("schemeIdUri"));
        assertEquals("2", channels.getAttribute("value"));
        Element at = child(ar, "SegmentTemplate");
        assertEquals("48000", at.getAttribute("timescale"));
        assertEquals(Long.toString(9_750 * 48), at.getAttribute("presentationTimeOffset"));
        assertEquals(Long.toString(as.firstMsn()), at.getAttribute("startNumber"));
        assertTimeline(as.listed(), 48_000, at);

        Element utc = child(mpd, "UTCTiming");
        assertEquals("urn:mpeg:dash:utc:http-iso:2014", utc.getAttribute("schemeIdUri"));
        assertEquals("http://node:8080/api/v1/time", utc.getAttribute("value"));

        // availability matches reality: AST + start + (t + d - pto) / timescale = wall-clock end of the segment
        MediaSegment last = vs.listed().get(vs.listed().size() - 1);
        long endWall = last.programDateTime() + Math.round(last.duration() * 1000);
        long pto = Long.parseLong(vt.getAttribute("presentationTimeOffset"));
        long computed = AST + Math.round((last.startTime() + Math.round(last.duration() * 90_000) - pto) / 90.0);
        assertEquals(endWall, computed);
    }

    /** The publisher's wall clock of media time 0 after it came back 5 s later ({@link #reconnected}). */
    private static final long LATER_WALL_OF_ZERO = WALL_OF_ZERO + 5_000;

    /**
     * Video and audio with three 2 s segments, then the publisher comes back 5 s later with a new
     * codec configuration; media time continues at 16 s.
     */
    private static void reconnected(RenditionTimeline v, RenditionTimeline a) {
        segments(v, 90_000, WALL_OF_ZERO, T0_MS, 2000, 2000, 2000);
        segments(a, 48_000, WALL_OF_ZERO, T0_MS, 2000, 2000, 2000);
        v.discontinuity();
        a.discontinuity();
        v.init(new byte[]{42});
    }

    @Test
    void aReconnectStartsAPeriodWithItsOwnInitAndOffset() throws Exception {
        RenditionTimeline v = timeline("video");
        RenditionTimeline a = timeline("audio");
        reconnected(v, a);
        segments(v, 90_000, LATER_WALL_OF_ZERO, 16_000, 2000, 1500);
        v.closeSegment();
        RenditionSnapshot vs = v.snapshot();

        // audio has no segment of the new session yet: the new Period waits for it
        Element early = parse(DashManifest.render(input(vs, a.snapshot(), false)));
        assertEquals(1, children(early, "Period").size());
        Element earlyVideo = (Element) child(early, "Period").getElementsByTagNameNS("*", "SegmentTemplate").item(0);
        assertEquals(3, expand(earlyVideo).size());

        segments(a, 48_000, LATER_WALL_OF_ZERO, 16_000, 2000);
        a.closeSegment();
        RenditionSnapshot as = a.snapshot();
        Element mpd = parse(DashManifest.render(input(vs, as, false)));
        List<Element> periods = children(mpd, "Period");
        assertEquals(2, periods.size());
        assertEquals("p0", periods.get(0).getAttribute("id"));
        assertEquals("p1", periods.get(1).getAttribute("id"));
        // the new session starts at 16 s of media, LATER_WALL_OF_ZERO + 16 s = 11.25 s after AST
        assertEquals("PT11.25S", periods.get(1).getAttribute("start"));

        Element t0 = (Element) periods.get(0).getElementsByTagNameNS("*", "SegmentTemplate").item(0);
        Element t1 = (Element) periods.get(1).getElementsByTagNameNS("*", "SegmentTemplate").item(0);
        assertEquals("$RepresentationID$/init-0.mp4", t0.getAttribute("initialization"));
        assertEquals("$RepresentationID$/init-1.mp4", t1.getAttribute("initialization"));
        assertEquals("0", t0.getAttribute("startNumber"));
        assertEquals("3", t1.getAttribute("startNumber"));
        assertEquals(Long.toString(16_000 * 90), t1.getAttribute("presentationTimeOffset"));
        assertTimeline(vs.listed().subList(0, 3), 90_000, t0);
        assertTimeline(vs.listed().subList(3, 5), 90_000, t1);
        Element audio1 = (Element) periods.get(1).getElementsByTagNameNS("*", "SegmentTemplate").item(1);
        assertEquals(Long.toString(16_000 * 48), audio1.getAttribute("presentationTimeOffset"));
        assertTimeline(as.listed().subList(3, 4), 48_000, audio1);
    }

    @Test
    void anEndedStreamIsStaticFromTheFirstListedSegment() throws Exception {
        RenditionTimeline v = timeline("video");
        segments(v, 90_000, WALL_OF_ZERO, T0_MS, 2000, 2000, 1200);
        v.end();
        Element mpd = parse(DashManifest.render(input(v.snapshot(), null, true)));
        assertEquals("static", mpd.getAttribute("type"));
        assertEquals("PT5.2S", mpd.getAttribute("mediaPresentationDuration"));
        assertFalse(mpd.hasAttribute("minimumUpdatePeriod"));
        assertFalse(mpd.hasAttribute("availabilityStartTime"));
        assertEquals(0, children(mpd, "UTCTiming").size());
        Element period = child(mpd, "Period");
        assertEquals("PT0S", period.getAttribute("start"));
        Element vt = (Element) period.getElementsByTagNameNS("*", "SegmentTemplate").item(0);
        assertEquals(Long.toString(T0_MS * 90), vt.getAttribute("presentationTimeOffset"));
        assertEquals(1, children(period, "AdaptationSet").size(), "no audio, no audio AdaptationSet");
    }

    @Test
    void aPassthroughOfAnotherCodecGetsItsOwnAdaptationSet() throws Exception {
        RenditionTimeline src = timeline("video");
        RenditionTimeline rung = timeline("360p");
        RenditionTimeline a = timeline("audio");
        segments(src, 90_000, WALL_OF_ZERO, T0_MS, 2000, 2000);
        segments(rung, 90_000, WALL_OF_ZERO, T0_MS, 2000, 2000);
        segments(a, 48_000, WALL_OF_ZERO, T0_MS, 2000, 2000);
        List<DashManifest.Rendition> r = List.of(
                DashManifest.Rendition.video("video", src.snapshot(), 90_000, "hvc1.1.6.L93.B0", 1280, 720, 30, 900_000),
                DashManifest.Rendition.video("360p", rung.snapshot(), 90_000, "avc1.64001e", 640, 360, 30, 600_000),
                DashManifest.Rendition.audio("audio", a.snapshot(), "mp4a.40.2", 48_000, 2, 128_000));
        Element period = child(parse(DashManifest.render(new DashManifest.Input(r, AST, AST + 60_000, false,
                "http://node:8080/api/v1/time"))), "Period");
        List<Element> sets = children(period, "AdaptationSet");
        assertEquals(List.of("0", "2", "1"), sets.stream().map(e -> e.getAttribute("id")).toList());
        assertEquals("hvc1.1.6.L93.B0", child(sets.get(0), "Representation").getAttribute("codecs"));
        assertEquals("avc1.64001e", child(sets.get(1), "Representation").getAttribute("codecs"));
        assertEquals("audio", sets.get(2).getAttribute("contentType"));
    }

    @Test
    void nothingToRenderBeforeTheFirstCompleteSegment() {
        RenditionTimeline v = timeline("video");
        v.startSegment(AST, 0);
        v.addPart(0.5, true, new byte[]{1});
        DashManifest.Input in = input(v.snapshot(), null, false);
        assertFalse(DashManifest.renderable(in));
        assertThrows(IllegalArgumentException.class, () -> DashManifest.render(in));
    }

    @Test
    void frameRatesAndDurationsAreSchemaValid() {
        assertEquals("30", DashManifest.frameRate(30));
        assertEquals("30000/1001", DashManifest.frameRate(29.97));
        assertEquals("60000/1001", DashManifest.frameRate(59.94));
        assertEquals("12500/1000", DashManifest.frameRate(12.5));
        assertNull(DashManifest.frameRate(0));
        assertEquals("PT0S", DashManifest.duration(0));
        assertEquals("PT2S", DashManifest.duration(2000));
        assertEquals("PT3723.456S", DashManifest.duration(3_723_456));
    }

    /** The packager records each segment's start as the decode time (tfdt) of its first fragment. */
    @Test
    void segmentStartTimeIsTheFirstFragmentsDecodeTime() {
        RenditionTimeline t = new RenditionTimeline("video", 1, 0.5, 10, 4);
        t.init(new byte[]{1});
        TrackPackager p = new TrackPackager(t, 90_000, 0.5, 1.0, true);
        long base = 123_456_789L;
        for (int i = 0; i < 100; i++) {
            p.offer(base + i * 3000L, 0, i % 30 == 0, new byte[]{0, 0, 0, 1, 5}, 1000 + i);
        }
        List<MediaSegment> listed = t.snapshot().listed();
        assertTrue(listed.size() >= 2);
        for (MediaSegment s : listed) {
            byte[] first = s.parts().get(0).bytes();
            Mp4Boxes.Box tfdt = Mp4Boxes.parse(first).stream().filter(b -> b.type().equals("moof")).findFirst()
                    .orElseThrow().path("traf/tfdt");
            long decodeTime = tfdt.version() == 1 ? tfdt.u64(4) : tfdt.u32(4);
            assertEquals(decodeTime, s.startTime(), "segment " + s.msn());
            assertEquals(base + s.msn() * 90_000, s.startTime());
        }
    }

    private static DashManifest.Input lowLatency(RenditionSnapshot video, RenditionSnapshot audio, boolean ended,
                                                 DashManifest.LowLatency ll) {
        DashManifest.Input plain = input(video, audio, ended);
        return new DashManifest.Input(plain.renditions(), AST, AST + 60_000, ended, plain.utcTimingUrl(), 1.5, ll);
    }

    /** Local names of e's element children in document order. */
    private static List<String> order(Element e) {
        List<String> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                out.add(c.getLocalName());
            }
        }
        return out;
    }

    @Test
    void lowLatencyManifestTellsPlayersTheTargetAndTheClock() throws Exception {
        RenditionTimeline v = timeline("video");
        RenditionTimeline a = timeline("audio");
        segments(v, 90_000, WALL_OF_ZERO, T0_MS, 2000, 2000, 2000, 2000);
        segments(a, 48_000, WALL_OF_ZERO + 3, T0_MS, 2005, 1995, 2005, 1995);
        RenditionSnapshot vs = v.snapshot();
        RenditionSnapshot as = a.snapshot();
        DashManifest.LowLatency ll = DashManifest.LowLatency.of(0, 0.5, 2.0);
        assertEquals(2000, ll.targetMs(), "four parts of 0.5 s");

        Element mpd = parse(DashManifest.render(lowLatency(vs, as, false, ll)));
        List<String> top = order(mpd);
        assertEquals("ServiceDescription", top.get(0), "ServiceDescription precedes the Periods: " + top);
        Element sd = child(mpd, "ServiceDescription");
        Element latency = child(sd, "Latency");
        assertEquals("2000", latency.getAttribute("target"));
        assertEquals("1000", latency.getAttribute("min"));
        assertEquals("6000", latency.getAttribute("max"));
        assertEquals("0", latency.getAttribute("referenceId"));
        Element rate = child(sd, "PlaybackRate");
        assertEquals("0.95", rate.getAttribute("min"));
        assertEquals("1.1", rate.getAttribute("max"));
        // players start at the target, and hold at least a few parts, not a whole segment
        assertEquals("PT2S", mpd.getAttribute("suggestedPresentationDelay"));
        assertEquals("PT1S", mpd.getAttribute("minBufferTime"));

        Element period = child(mpd, "Period");
        long periodStartMs = Math.round(Double.parseDouble(period.getAttribute("start").replaceAll("[PTS]", "")) * 1000);
        for (Element set : children(period, "AdaptationSet")) {
            Element marker = child(set, "SupplementalProperty");
            assertEquals("urn:dvb:dash:lowlatency:critical:2019", marker.getAttribute("schemeIdUri"));
            assertEquals("true", marker.getAttribute("value"));
            Element rep = child(set, "Representation");
            boolean isVideo = set.getAttribute("contentType").equals("video");
            RenditionSnapshot snap = isVideo ? vs : as;
            int timescale = isVideo ? 90_000 : 48_000;
            List<String> inRep = order(rep);
            assertEquals(List.of("ProducerReferenceTime", "Resync", "SegmentTemplate"),
                    inRep.subList(inRep.size() - 3, inRep.size()), "schema order in " + rep.getAttribute("id"));

            Element prt = child(rep, "ProducerReferenceTime");
            MediaSegment newest = snap.listed().get(snap.listed().size() - 1);
            assertEquals("0", prt.getAttribute("id"));
            assertEquals("encoder", prt.getAttribute("type"));
            assertEquals(DashManifest.iso(newest.programDateTime()), prt.getAttribute("wallClockTime"),
                    "the PROGRAM-DATE-TIME the HLS playlist gives this segment");
            assertEquals(Long.toString(newest.startTime()), prt.getAttribute("presentationTime"));
            Element clock = child(prt, "UTCTiming");
            assertEquals(DashManifest.UTC_HTTP_ISO, clock.getAttribute("schemeIdUri"));
            assertEquals("http://node:8080/api/v1/time", clock.getAttribute("value"));

            // the MPD's own timing and the producer clock agree (TS 103 285 10.20.4, as dash.js applies it):
            // wall-clock of media time 0 by the reference minus the same by AST + Period@start - PTO is 0
            Element template = child(rep, "SegmentTemplate");
            long pto = template.hasAttribute("presentationTimeOffset")
                    ? Long.parseLong(template.getAttribute("presentationTimeOffset")) : 0;
            double prt0 = newest.programDateTime() - ((newest.startTime() - pto) * 1000.0 / timescale + periodStartMs);
            assertEquals(AST, prt0, 5, "producer reference offset of " + rep.getAttribute("id"));

            // the segment being built is listed ahead with the previous one's duration, so clients ask for it early
            List<long[]> entries = expand(template);
            MediaSegment open = snap.open();
            long[] lastEntry = entries.get(entries.size() - 1);
            assertEquals(snap.listed().size() + 1, entries.size());
            assertEquals(open.msn(), lastEntry[0]);
            assertEquals(open.startTime(), lastEntry[1]);
            assertEquals(Math.round(newest.duration() * timescale), lastEntry[2]);
            assertEquals("PT0.5S", mpd.getAttribute("minimumUpdatePeriod"), "refreshed once per part");

            Element resync = child(rep, "Resync");
            assertEquals("0", resync.getAttribute("type"));
            assertEquals(Long.toString(timescale / 2), resync.getAttribute("dT"), "a resync point every part");
        }
    }

    @Test
    void aNewSessionsPeriodComesWithItsFirstPartWhenLowLatency() throws Exception {
        // the next programme (or a reconnect): its first segment has one part so far
        RenditionTimeline v = timeline("video");
        RenditionTimeline a = timeline("audio");
        reconnected(v, a);
        segments(v, 90_000, LATER_WALL_OF_ZERO, 16_000, 500);
        Element videoOnly = parse(DashManifest.render(lowLatency(v.snapshot(), a.snapshot(), false, DashManifest.LowLatency.of(0, 0.5, 2.0))));
        assertEquals(1, children(videoOnly, "Period").size(), "audio has no part of the new session yet: no Period");
        segments(a, 48_000, LATER_WALL_OF_ZERO, 16_000, 500);
        Element mpd = parse(DashManifest.render(lowLatency(v.snapshot(), a.snapshot(), false, DashManifest.LowLatency.of(0, 0.5, 2.0))));
        List<Element> periods = children(mpd, "Period");
        assertEquals(2, periods.size(), "the new session's Period is listed with its segment being built");
        assertEquals("p1", periods.get(1).getAttribute("id"));
        assertEquals("PT11.25S", periods.get(1).getAttribute("start"), "where it starts on the wall clock");
        Element t1 = (Element) periods.get(1).getElementsByTagNameNS("*", "SegmentTemplate").item(0);
        assertEquals("$RepresentationID$/init-1.mp4", t1.getAttribute("initialization"));
        assertEquals("3", t1.getAttribute("startNumber"));
        assertEquals(Long.toString(16_000 * 90), t1.getAttribute("presentationTimeOffset"));
        List<long[]> entries = expand(t1);
        assertEquals(1, entries.size());
        assertEquals(16_000 * 90, entries.get(0)[1]);
        assertEquals(2000 * 90, entries.get(0)[2], "predicted: the previous segment's duration");
        // without low latency only complete segments are listed: the Period waits for its first one
        assertEquals(1, children(parse(DashManifest.render(input(v.snapshot(), a.snapshot(), false))), "Period").size());
    }

    @Test
    void thePresentationDelayIsNeverLongerThanTheWindow() throws Exception {
        RenditionTimeline v = timeline("video");
        segments(v, 90_000, WALL_OF_ZERO, T0_MS, 2000, 2000, 2000); // the newest is still open
        RenditionSnapshot vs = v.snapshot();
        // a 6 s target on a stream with 4 s listed: the delay is the window
        Element mpd = parse(DashManifest.render(lowLatency(vs, null, false, DashManifest.LowLatency.of(6000, 0.5, 2.0))));
        assertEquals("PT4S", mpd.getAttribute("timeShiftBufferDepth"));
        assertEquals("PT4S", mpd.getAttribute("suggestedPresentationDelay"));
        assertEquals("6000", child(child(mpd, "ServiceDescription"), "Latency").getAttribute("target"));
        // without low latency the classic 3 target durations, capped the same way
        Element plain = parse(DashManifest.render(input(vs, null, false)));
        assertEquals("PT4S", plain.getAttribute("suggestedPresentationDelay"));
        assertEquals("PT2S", plain.getAttribute("minBufferTime"));
        assertTrue(children(plain, "ServiceDescription").isEmpty(), "no ServiceDescription without chunked segments");
        assertTrue(children(child(child(plain, "Period"), "AdaptationSet"), "SupplementalProperty").isEmpty());
        assertTrue(children(child(child(child(plain, "Period"), "AdaptationSet"), "Representation"), "ProducerReferenceTime").isEmpty());
    }

    @Test
    void anEndedStreamDropsTheLowLatencySignals() throws Exception {
        RenditionTimeline v = timeline("video");
        segments(v, 90_000, WALL_OF_ZERO, T0_MS, 2000, 2000);
        Element mpd = parse(DashManifest.render(lowLatency(v.snapshot(), null, true, DashManifest.LowLatency.of(0, 0.5, 2.0))));
        assertEquals("static", mpd.getAttribute("type"));
        assertTrue(children(mpd, "ServiceDescription").isEmpty());
        assertFalse(mpd.hasAttribute("suggestedPresentationDelay"));
        assertTrue(children(child(child(child(mpd, "Period"), "AdaptationSet"), "Representation"), "ProducerReferenceTime").isEmpty());
    }

    @Test
    void latencyTargetsAreValidated() {
        assertEquals(1332, DashManifest.LowLatency.of(0, 0.333, 2.0).targetMs(), "four parts of 0.333 s");
        assertEquals(3000, DashManifest.LowLatency.of(3000, 0.333, 2.0).targetMs(), "a configured target wins");
        assertThrows(IllegalArgumentException.class, () -> new DashManifest.LowLatency(1000, 1500, 2000, 0.9, 1.1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new DashManifest.LowLatency(1000, 500, 900, 0.9, 1.1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new DashManifest.LowLatency(1000, 500, 2000, 1.1, 1.2, 0.5));
    }
}
