package io.tributary.media.dash;

import io.tributary.media.timeline.RenditionTimeline;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-session MPD: a live MPD rendered by {@link DashManifest} from hand-built timelines, cut at a
 * break into content, one Period per ad and content again; checked by the wall-clock time of every
 * segment the result addresses (AST + Period@start + (t - presentationTimeOffset) / timescale).
 */
class SplicedManifestTest {

    private static final long AST = 1_700_000_000_000L;
    /** The publisher's session began 250 ms after AST, its media clock at 10 s. */
    private static final long WALL_OF_ZERO = AST + 250 - 10_000;
    private static final long T0_MS = 10_000;
    /** Content segment {@code i} starts at media ms T0 + 2000 i; the break starts with segment 4. */
    private static final long BREAK = WALL_OF_ZERO + T0_MS + 4 * 2000;

    /** A creative as the VOD pipeline packages it: 1 s video segments at 12800, audio at 48 kHz. */
    private static String creative(int seconds) {
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" ")
                .append("profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"static\" mediaPresentationDuration=\"PT")
                .append(seconds).append("S\" minBufferTime=\"PT1.0S\">\n  <Period id=\"0\" start=\"PT0S\">\n");
        b.append("    <AdaptationSet contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\">\n");
        for (int h : new int[] {360, 720}) {
            b.append("      <Representation id=\"").append(h).append("p\" bandwidth=\"").append(h * 2000)
                    .append("\" codecs=\"avc1.64001e\" width=\"").append(h * 16 / 9).append("\" height=\"").append(h).append("\">\n")
                    .append("        <SegmentTemplate timescale=\"12800\" initialization=\"").append(h)
                    .append("p/init.mp4\" media=\"").append(h).append("p/seg_$Number$.m4s\" startNumber=\"0\" presentationTimeOffset=\"0\">\n")
                    .append("          <SegmentTimeline>\n");
            for (int i = 0; i < seconds; i++) {
                b.append("            <S t=\"").append(i * 12800L).append("\" d=\"12800\"/>\n");
            }
            b.append("          </SegmentTimeline>\n        </SegmentTemplate>\n      </Representation>\n");
        }
        b.append("    </AdaptationSet>\n    <AdaptationSet contentType=\"audio\" mimeType=\"audio/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\">\n")
                .append("      <Representation id=\"audio\" bandwidth=\"128000\" codecs=\"mp4a.40.2\">\n")
                .append("        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"2\"/>\n")
                .append("        <SegmentTemplate timescale=\"48000\" initialization=\"audio/init.mp4\" media=\"audio/seg_$Number$.m4s\" startNumber=\"0\" presentationTimeOffset=\"1024\">\n")
                .append("          <SegmentTimeline>\n");
        for (int i = 0; i < seconds; i++) {
            b.append("            <S t=\"").append(1024 + i * 48000L).append("\" d=\"48000\"/>\n");
        }
        return b.append("          </SegmentTimeline>\n        </SegmentTemplate>\n      </Representation>\n    </AdaptationSet>\n  </Period>\n</MPD>\n")
                .toString();
    }

    /** The shared MPD with {@code segments} 2 s content segments (video 90 kHz, audio 48 kHz) listed. */
    private static String shared(int segments) {
        return shared(segments, 0);
    }

    /** The same, low-latency: segments requestable {@code ato} seconds before their end. */
    private static String shared(int segments, double ato) {
        RenditionTimeline v = new RenditionTimeline("360p", 2, 0.5, 30, 4);
        RenditionTimeline a = new RenditionTimeline("audio", 2, 0.5, 30, 4);
        v.init(new byte[] {1});
        a.init(new byte[] {2});
        for (int i = 0; i < segments; i++) {
            long ms = T0_MS + i * 2000L;
            v.startSegment(WALL_OF_ZERO + ms, ms * 90);
            v.addPart(2.0, true, new byte[] {1, (byte) i});
            a.startSegment(WALL_OF_ZERO + ms, ms * 48);
            a.addPart(2.0, true, new byte[] {2, (byte) i});
        }
        long next = T0_MS + segments * 2000L; // the next segment opens: the last one is complete, so listed
        v.startSegment(WALL_OF_ZERO + next, next * 90);
        a.startSegment(WALL_OF_ZERO + next, next * 48);
        List<DashManifest.Rendition> r = List.of(
                DashManifest.Rendition.video("360p", v.snapshot(), 90_000, "avc1.64001f", 640, 360, 25, 800_000),
                DashManifest.Rendition.audio("audio", a.snapshot(), "mp4a.40.2", 48_000, 2, 128_000));
        return DashManifest.render(new DashManifest.Input(r, AST, WALL_OF_ZERO + T0_MS + segments * 2000L, false, null, ato));
    }

    private static SplicedManifest.Pod pod(int skipped) {
        return new SplicedManifest.Pod("brk7", BREAK, List.of(
                new SplicedManifest.Ad("ad-brk7-0", creative(4), "/ads/s1/brk7/0/"),
                new SplicedManifest.Ad("ad-brk7-1", creative(4), "/ads/s1/brk7/1/")), skipped);
    }

    /** One segment as a player would address it. */
    record Addressed(String period, String rep, long wall, long end, String media, String init) {
    }

    /** Every Period by id, with each segment's wall-clock start and end and its resolved URL. */
    static Map<String, List<Addressed>> addressed(String xml, List<String> order) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Element mpd = doc.getDocumentElement();
        assertEquals("urn:mpeg:dash:schema:mpd:2011", mpd.getNamespaceURI(), "the namespace stays");
        long ast = Instant.parse(mpd.getAttribute("availabilityStartTime")).toEpochMilli();
        Map<String, List<Addressed>> out = new TreeMap<>();
        long previousStart = -1;
        for (Element p : children(mpd, "Period")) {
            String id = p.getAttribute("id");
            order.add(id);
            long start = Duration.parse(p.getAttribute("start")).toMillis();
            assertTrue(start >= previousStart, "Periods in order of start: " + id);
            previousStart = start;
            List<Addressed> segs = new ArrayList<>();
            for (Element set : children(p, "AdaptationSet")) {
                for (Element rep : children(set, "Representation")) {
                    Element template = children(rep, "SegmentTemplate").get(0);
                    int ts = Integer.parseInt(template.getAttribute("timescale"));
                    long pto = template.hasAttribute("presentationTimeOffset") ? Long.parseLong(template.getAttribute("presentationTimeOffset")) : 0;
                    for (long[] s : DashManifestTest.expand(template)) {
                        String media = template.getAttribute("media").replace("$RepresentationID$", rep.getAttribute("id"))
                                .replace("$Number$", Long.toString(s[0]));
                        String init = template.getAttribute("initialization").replace("$RepresentationID$", rep.getAttribute("id"));
                        segs.add(new Addressed(id, set.getAttribute("id") + "/" + rep.getAttribute("id"),
                                ast + start + Math.round((s[1] - pto) * 1000.0 / ts), ast + start + Math.round((s[1] + s[2] - pto) * 1000.0 / ts),
                                media, init));
                    }
                }
            }
            out.put(id, segs);
        }
        return out;
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

    @Test
    void aBreakBecomesContentThenOnePeriodPerAdThenContentAtTheBreaksEnd() throws Exception {
        String shared = shared(12); // content through 24 s of media: the 8 s pod is over at 16 s
        List<String> order = new ArrayList<>();
        Map<String, List<Addressed>> before = addressed(shared, new ArrayList<>());
        String spliced = SplicedManifest.render(shared, List.of(pod(0)), 250);
        Map<String, List<Addressed>> periods = addressed(spliced, order);

        assertEquals(List.of("p0", "ad-brk7-0", "ad-brk7-1", "p0-brk7"), order, spliced);
        // content before: segments 0-3 of each Representation, at the times the shared MPD gave them
        List<Addressed> content = periods.get("p0");
        assertEquals(8, content.size(), spliced);
        for (Addressed a : content) {
            assertTrue(a.end() <= BREAK, "content before the break ends at it: " + a);
            assertTrue(before.get("p0").contains(a), "same segment, same time, same URL as shared: " + a);
        }
        // each ad: its own Representations (360p nearest the content's 360 only, and its audio), under the session's path
        for (int ad = 0; ad < 2; ad++) {
            List<Addressed> segs = periods.get("ad-brk7-" + ad);
            assertEquals(8, segs.size(), "four video and four audio segments: " + segs);
            long adStart = BREAK + ad * 4000L;
            for (int i = 0; i < 4; i++) {
                Addressed v = segs.get(i);
                assertEquals("0/360p", v.rep(), "the video set keeps the content's AdaptationSet id");
                assertEquals(adStart + i * 1000L, v.wall(), "ad " + ad + " segment " + i + " at the break's start plus what played before it");
                assertEquals("/ads/s1/brk7/" + ad + "/360p/seg_" + i + ".m4s", v.media());
                assertEquals("/ads/s1/brk7/" + ad + "/360p/init.mp4", v.init());
                Addressed au = segs.get(4 + i);
                assertEquals("1/audio", au.rep());
                assertEquals(adStart + i * 1000L, au.wall(), "audio with its presentationTimeOffset");
            }
        }
        // content again: from segment 8 (the break's start + 8 s), same wall clock and URLs as the shared MPD
        List<Addressed> resumed = periods.get("p0-brk7");
        assertEquals(BREAK + 8000, resumed.get(0).wall());
        assertEquals(8, resumed.size(), "segments 8-11 of video and audio");
        for (Addressed a : resumed) {
            Addressed same = before.get("p0").stream().filter(x -> x.media().equals(a.media()) && x.rep().equals(a.rep())).findFirst().orElseThrow();
            assertEquals(same.wall(), a.wall(), "the resumed Period keeps each segment's wall clock: " + a.media());
        }
        assertTrue(resumed.get(0).media().endsWith("seg-8.m4s"), resumed.get(0).media());
        // nothing the pod covers is addressed
        for (List<Addressed> list : periods.values()) {
            for (Addressed a : list) {
                assertFalse(a.media().matches("360p/seg-[4-7]\\.m4s") || a.media().matches("audio/seg-[4-7]\\.m4s"), a.media());
            }
        }
        assertTrue(spliced.contains("<UTCTiming") == shared.contains("<UTCTiming"), "the rest of the MPD stays");
    }

    @Test
    void adSegmentsAppearAsTheLiveContentReachesTheirEndAndIdsHoldAcrossReloads() throws Exception {
        // the live edge 0.5 s into the break (segment 4 being 2 s long: edge at break + 2 s): the first ad's first two seconds
        List<String> order = new ArrayList<>();
        Map<String, List<Addressed>> early = addressed(SplicedManifest.render(shared(5), List.of(pod(0)), 250), order);
        assertEquals(List.of("p0", "ad-brk7-0"), order);
        assertEquals(4, early.get("ad-brk7-0").size(), "two video and two audio segments revealed");
        // edge at break + 6 s: the first ad whole, the second's first two seconds, no content after yet
        order.clear();
        Map<String, List<Addressed>> later = addressed(SplicedManifest.render(shared(7), List.of(pod(0)), 250), order);
        assertEquals(List.of("p0", "ad-brk7-0", "ad-brk7-1"), order);
        assertEquals(8, later.get("ad-brk7-0").size());
        assertEquals(4, later.get("ad-brk7-1").size());
        // the same Period, the same segments as the earlier reload
        assertTrue(later.get("ad-brk7-0").containsAll(early.get("ad-brk7-0")));
        assertEquals(early.get("p0"), later.get("p0"));
        // at the break's start, before any ad segment is complete: content up to the break only
        order.clear();
        Map<String, List<Addressed>> atStart = addressed(SplicedManifest.render(shared(4), List.of(pod(0)), 250), order);
        assertEquals(List.of("p0"), order);
        assertEquals(8, atStart.get("p0").size());
    }

    @Test
    void onALowLatencyStreamTheAdPeriodsStateTheContentsAvailabilityTimeOffsetAndAreListedThatMuchEarly() throws Exception {
        // dash.js follows the content's parts 1.5 s ahead of each segment's end; an ad Period without the
        // offset made it wait for each whole ad segment's end, and its buffer ran dry at the Period's start
        String shared = shared(5, 1.5);
        long edge = addressed(shared, new ArrayList<>()).get("p0").stream().mapToLong(Addressed::end).max().orElseThrow();
        String spliced = SplicedManifest.render(shared, List.of(pod(0)), 250);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Element mpd = f.newDocumentBuilder().parse(new ByteArrayInputStream(spliced.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        int templates = 0;
        for (Element p : children(mpd, "Period")) {
            for (Element set : children(p, "AdaptationSet")) {
                for (Element rep : children(set, "Representation")) {
                    Element t = children(rep, "SegmentTemplate").get(0);
                    assertEquals("1.500", t.getAttribute("availabilityTimeOffset"), p.getAttribute("id") + "/" + rep.getAttribute("id"));
                    if (p.getAttribute("id").startsWith("ad-")) {
                        templates++;
                        assertFalse(t.hasAttribute("availabilityTimeComplete"), "an ad segment is a whole file: complete when available");
                    } else {
                        assertEquals("false", t.getAttribute("availabilityTimeComplete"), "the content's parts stay as they were");
                    }
                }
            }
        }
        assertEquals(2, templates, "the first ad's video and audio");
        // listed once the content's edge (plus the tolerance) reaches its end less the offset
        long expected = 0;
        for (int i = 0; i < 4; i++) {
            if (BREAK + (i + 1) * 1000L - 1500 <= edge + 250) {
                expected++;
            }
        }
        List<Addressed> ad = addressed(spliced, new ArrayList<>()).get("ad-brk7-0");
        assertEquals(expected * 2, ad.size(), "video and audio segments up to " + (edge + 250 + 1500 - BREAK) + " ms into the break: " + ad);
        List<Addressed> without = addressed(SplicedManifest.render(shared(5), List.of(pod(0)), 250), new ArrayList<>()).get("ad-brk7-0");
        assertTrue(ad.size() > without.size(), "listed earlier than on a stream without the offset: " + ad.size() + " vs " + without.size());
        assertTrue(ad.containsAll(without), "the same segments, more of them");
    }

    @Test
    void onALowLatencyStreamTheFirstAdFollowsContentThatEndsAtTheBreakBeforeAnythingAfterItIsListed() throws Exception {
        // the newest segment (in progress, parts out) ends at the break and the slate's Period is not out yet:
        // the first ad segment is available 0.5 s before the break, so its Period must be there for the player
        List<String> order = new ArrayList<>();
        Map<String, List<Addressed>> periods = addressed(SplicedManifest.render(shared(4, 1.5), List.of(pod(0)), 250), order);
        assertEquals(List.of("p0", "ad-brk7-0"), order);
        assertEquals(8, periods.get("p0").size(), "the content up to the break");
        List<Addressed> ad = periods.get("ad-brk7-0");
        assertEquals(2, ad.size(), "the first second of video and audio: " + ad);
        assertEquals(BREAK, ad.get(0).wall());
        // without the offset nothing of the ad is available yet: the content alone, as before
        order.clear();
        addressed(SplicedManifest.render(shared(4), List.of(pod(0)), 250), order);
        assertEquals(List.of("p0"), order);
        // the wall clock 2 s into the break, the slate's Period not out yet: the ad by the clock (segments
        // ending by then plus the offset), not by the content
        String shared = shared(4, 1.5);
        java.util.regex.Matcher published = java.util.regex.Pattern.compile("publishTime=\"([^\"]+)\"").matcher(shared);
        assertTrue(published.find());
        String later = shared.replace(published.group(0), "publishTime=\"" + Instant.parse(published.group(1)).plusMillis(2000) + "\"");
        order.clear();
        Map<String, List<Addressed>> byClock = addressed(SplicedManifest.render(later, List.of(pod(0)), 250), order);
        assertEquals(List.of("p0", "ad-brk7-0"), order);
        assertEquals(6, byClock.get("ad-brk7-0").size(), "segments ending by break + 3.75 s: " + byClock.get("ad-brk7-0"));
        // content that has not reached the break: no ad Period yet
        order.clear();
        addressed(SplicedManifest.render(shared(2, 1.5), List.of(pod(0)), 250), order);
        assertEquals(List.of("p0"), order);
    }

    @Test
    void aLateJoinerSkipsTheAdsThatBeganBeforeItJoinedAndSeesContentInstead() throws Exception {
        List<String> order = new ArrayList<>();
        Map<String, List<Addressed>> periods = addressed(SplicedManifest.render(shared(12), List.of(pod(1)), 250), order);
        assertEquals(List.of("p0", "ad-brk7-1", "p0-brk7"), order);
        // content runs through the first ad's four seconds (segments 0-5), the second ad in its place
        assertEquals(12, periods.get("p0").size());
        assertEquals(BREAK + 4000, periods.get("p0").stream().mapToLong(Addressed::end).max().orElseThrow());
        assertEquals(BREAK + 4000, periods.get("ad-brk7-1").get(0).wall());
        assertEquals(BREAK + 8000, periods.get("p0-brk7").get(0).wall(), "content resumes where it would for everyone");
    }

    @Test
    void noPodStaticMpdsAndHostileCreativesLeaveTheSharedMpdOrFail() {
        String shared = shared(12);
        assertSame(shared, SplicedManifest.render(shared, List.of(), 250), "no pod: the shared MPD itself");
        String ended = shared.replace("type=\"dynamic\"", "type=\"static\"");
        assertSame(ended, SplicedManifest.render(ended, List.of(pod(0)), 250), "an ended stream is not spliced");
        String dtd = "<?xml version=\"1.0\"?><!DOCTYPE MPD [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><MPD>&x;</MPD>";
        SplicedManifest.Pod hostile = new SplicedManifest.Pod("b", BREAK, List.of(new SplicedManifest.Ad("ad-b-0", dtd, "/ads/s/b/0/")), 0);
        assertThrows(IllegalArgumentException.class, () -> SplicedManifest.render(shared, List.of(hostile), 250));
        assertThrows(IllegalArgumentException.class, () -> new SplicedManifest.Pod("b", BREAK, List.of(), 1));
    }
}
