package io.tributary.dvr;

import static io.tributary.dvr.DvrPlaylistsTest.T0;
import static io.tributary.dvr.DvrPlaylistsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** MPDs from constructed index rows, read back with an XML parser. */
class DvrDashTest {

    private static final RecordedRendition V720 =
            new RecordedRendition("cam", "720p", "avc1.64001f", 1280, 720, 2_500_000, false, T0, T0 + 60_000);
    private static final RecordedRendition V360 =
            new RecordedRendition("cam", "360p", "avc1.64001e", 640, 360, 800_000, false, T0, T0 + 60_000);

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void staticMpdHasTheRecordedTimelineOfEveryRung() throws Exception {
        List<DvrDash.Track> tracks = List.of(new DvrDash.Track(V720, run("720p", T0 + 20_000, 10, 10, 0, false)),
                new DvrDash.Track(V360, run("360p", T0 + 20_000, 10, 10, 0, false)));
        Document d = parse(DvrDash.render(tracks, false, true, T0 + 100_000));
        Element mpd = d.getDocumentElement();
        assertEquals("static", mpd.getAttribute("type"));
        assertEquals("PT20S", mpd.getAttribute("mediaPresentationDuration"));
        assertEquals(1, mpd.getElementsByTagNameNS("*", "Period").getLength());
        NodeList reps = mpd.getElementsByTagNameNS("*", "Representation");
        assertEquals(2, reps.getLength());
        NodeList templates = mpd.getElementsByTagNameNS("*", "SegmentTemplate");
        for (int i = 0; i < templates.getLength(); i++) {
            Element t = (Element) templates.item(i);
            assertEquals("90000", t.getAttribute("timescale"));
            assertEquals(String.valueOf(20 * 90_000), t.getAttribute("presentationTimeOffset"));
            assertTrue(t.getAttribute("media").startsWith("$RepresentationID$/t-$Time$.m4s?p=" + (T0 + 20_000)));
            Element s = (Element) t.getElementsByTagNameNS("*", "S").item(0);
            assertEquals(String.valueOf(20 * 90_000), s.getAttribute("t"));
            assertEquals("180000", s.getAttribute("d"));
            assertEquals("9", s.getAttribute("r"));
        }
    }

    @Test
    void aReconnectStartsAPeriodAtItsWallClockTime() throws Exception {
        List<RecordedSegment> segs = new ArrayList<>(run("720p", T0, 5, 0, 0, false));
        segs.addAll(run("720p", T0 + 60_000, 5, 0, 1, true));
        Document d = parse(DvrDash.render(List.of(new DvrDash.Track(V720, segs)), false, true, T0 + 200_000));
        NodeList periods = d.getDocumentElement().getElementsByTagNameNS("*", "Period");
        assertEquals(2, periods.getLength());
        assertEquals("PT0S", ((Element) periods.item(0)).getAttribute("start"));
        assertEquals("PT60S", ((Element) periods.item(1)).getAttribute("start"));
        Element second = (Element) ((Element) periods.item(1)).getElementsByTagNameNS("*", "SegmentTemplate").item(0);
        assertTrue(second.getAttribute("initialization").endsWith("init-1.mp4"));
        assertEquals("PT70S", d.getDocumentElement().getAttribute("mediaPresentationDuration"));
    }

    @Test
    void startOverIsDynamicWithATimeShiftBufferBackToFrom() throws Exception {
        List<DvrDash.Track> tracks = List.of(new DvrDash.Track(V720, run("720p", T0, 10, 0, 0, false)));
        Element mpd = parse(DvrDash.render(tracks, true, false, T0 + 21_000)).getDocumentElement();
        assertEquals("dynamic", mpd.getAttribute("type"));
        assertEquals("PT21S", mpd.getAttribute("timeShiftBufferDepth"));
        assertTrue(mpd.getAttribute("availabilityStartTime").endsWith("Z"));
        Element ended = parse(DvrDash.render(tracks, true, true, T0 + 99_000)).getDocumentElement();
        assertEquals("static", ended.getAttribute("type"));
    }
}
