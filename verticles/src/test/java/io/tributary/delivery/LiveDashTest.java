package io.tributary.delivery;

import io.tributary.media.testing.Mp4Boxes;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MPEG-DASH from a live RTMP publish: the MPD, the objects it addresses (the very HLS
 * segments), and FFmpeg's DASH demuxer playing it while the publisher keeps going in real time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveDashTest {

    private static final String KEY = "dash";

    private LiveNode live;
    private io.tributary.Node node;
    private SyntheticAvSource src;

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none")); // the source alone, as rendition "video"
        node = live.node();
        // some history at once, then real time in the background so a live client finds fresh segments
        src = live.publish(KEY).send(8.2).sendPacedInBackground(25).source();
        live.awaitSegments(KEY, "video", 3, Duration.ofSeconds(15));
    }

    @AfterAll
    void stop() {
        live.close();
    }

    private static Element parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        return doc.getDocumentElement();
    }

    private static List<Element> all(Element e, String name) {
        List<Element> out = new ArrayList<>();
        var list = e.getElementsByTagNameNS("urn:mpeg:dash:schema:mpd:2011", name);
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element) list.item(i));
        }
        return out;
    }

    private static Element one(Element e, String name) {
        List<Element> found = all(e, name);
        assertEquals(1, found.size(), name + " elements");
        return found.get(0);
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

    private HttpResponse<String> mpdResponse() {
        HttpResponse<String> r = TestNode.get(node, "/live/" + KEY + "/manifest.mpd");
        assertEquals(200, r.statusCode(), r.body());
        return r;
    }

    /**
     * dash.js takes a ProducerReferenceTime's presentation time net of presentationTimeOffset and
     * plus the Period start (DVB A168 10.20.4), Shaka takes it as it is: with the first Period at 0 and
     * no offset both read the same wall clock for media time 0, the availabilityStartTime.
     */
    @Test
    void producerReferenceTimeReadsTheSameInEveryPlayer() throws Exception {
        Element mpd = parse(mpdResponse().body());
        long ast = Instant.parse(mpd.getAttribute("availabilityStartTime")).toEpochMilli();
        assertEquals("PT0S", one(mpd, "Period").getAttribute("start"));
        List<Element> prts = all(mpd, "ProducerReferenceTime");
        assertFalse(prts.isEmpty(), "low-latency MPD carries ProducerReferenceTime");
        for (Element prt : prts) {
            Element template = children((Element) prt.getParentNode(), "SegmentTemplate").get(0);
            assertFalse(template.hasAttribute("presentationTimeOffset"), "no offset in the first Period");
            long wall = Instant.parse(prt.getAttribute("wallClockTime")).toEpochMilli();
            double media = Long.parseLong(prt.getAttribute("presentationTime")) / Double.parseDouble(template.getAttribute("timescale"));
            // audio dates are rounded to the ms while its frames are not
            assertEquals(ast, wall - media * 1000, 1.5, "wall clock of media time 0 = availabilityStartTime");
        }
    }

    @Test
    void manifestDescribesTheLiveStream() throws Exception {
        HttpResponse<String> r = mpdResponse();
        assertEquals("application/dash+xml", r.headers().firstValue("content-type").orElse(""));
        assertEquals("public, max-age=1", r.headers().firstValue("cache-control").orElse(""));
        assertEquals("*", r.headers().firstValue("access-control-allow-origin").orElse(""));

        Element mpd = parse(r.body());
        assertEquals("MPD", mpd.getLocalName());
        assertEquals("dynamic", mpd.getAttribute("type"));
        assertEquals("urn:mpeg:dash:profile:isoff-live:2011", mpd.getAttribute("profiles"));
        Instant ast = Instant.parse(mpd.getAttribute("availabilityStartTime"));
        Instant published = Instant.parse(mpd.getAttribute("publishTime"));
        assertTrue(Math.abs(Duration.between(Instant.now(), published).toMillis()) < 5000, "publishTime is now");
        assertTrue(ast.isBefore(published));
        for (String a : List.of("minimumUpdatePeriod", "timeShiftBufferDepth", "suggestedPresentationDelay",
                "minBufferTime", "maxSegmentDuration")) {
            assertTrue(mpd.getAttribute(a).matches("PT[0-9]+(\\.[0-9]+)?S"), a + "=" + mpd.getAttribute(a));
        }
        // AST stays put while the stream lives
        Thread.sleep(50);
        assertEquals(mpd.getAttribute("availabilityStartTime"),
                parse(mpdResponse().body()).getAttribute("availabilityStartTime"));

        Element period = one(mpd, "Period");
        assertEquals("p0", period.getAttribute("id"));
        assertTrue(period.getAttribute("start").startsWith("PT"));
        List<Element> sets = children(period, "AdaptationSet");
        assertEquals(2, sets.size());
        Element video = sets.get(0);
        assertEquals("video", video.getAttribute("contentType"));
        assertEquals("true", video.getAttribute("segmentAlignment"));
        assertEquals("1", video.getAttribute("startWithSAP"));
        Element vr = children(video, "Representation").get(0);
        assertEquals("video", vr.getAttribute("id"));
        assertTrue(vr.getAttribute("codecs").matches("avc1\\.[0-9a-f]{6}"), vr.getAttribute("codecs"));
        assertEquals("320", vr.getAttribute("width"));
        assertEquals("240", vr.getAttribute("height"));
        assertEquals("30", vr.getAttribute("frameRate"));
        assertTrue(Long.parseLong(vr.getAttribute("bandwidth")) > 10_000);
        Element audio = sets.get(1);
        assertEquals("audio", audio.getAttribute("contentType"));
        assertEquals("und", audio.getAttribute("lang"));
        Element ar = children(audio, "Representation").get(0);
        assertEquals("audio", ar.getAttribute("id"));
        assertEquals("mp4a.40.2", ar.getAttribute("codecs"));
        assertEquals(Integer.toString(src.sampleRate()), ar.getAttribute("audioSamplingRate"));
        assertEquals("urn:mpeg:dash:23003:3:audio_channel_configuration:2011",
                one(ar, "AudioChannelConfiguration").getAttribute("schemeIdUri"));

        // the MPD's own clock (ProducerReferenceTime elements name the same one inside)
        List<Element> clocks = children(mpd, "UTCTiming");
        assertEquals(1, clocks.size(), "one MPD-level UTCTiming");
        Element utc = clocks.get(0);
        assertEquals("urn:mpeg:dash:utc:http-iso:2014", utc.getAttribute("schemeIdUri"));
        String timeUrl = utc.getAttribute("value");
        assertEquals(node.httpUrl("/api/v1/time"), timeUrl);
        HttpResponse<String> time = TestNode.get(node, URI.create(timeUrl).getPath());
        assertEquals(200, time.statusCode());
        assertTrue(time.body().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), time.body());
        assertTrue(Math.abs(Duration.between(Instant.now(), Instant.parse(time.body())).toMillis()) < 2000);
        assertEquals("*", time.headers().firstValue("access-control-allow-origin").orElse(""));

        assertEquals(404, TestNode.get(node, "/live/nobody/manifest.mpd").statusCode());
    }

    /** Every segment the template and timeline yield is the HLS segment with that msn, its tfdt the timeline's t. */
    @Test
    void everyAddressedSegmentIsTheHlsSegment() throws Exception {
        URI mpdUrl = URI.create(node.httpUrl("/live/" + KEY + "/manifest.mpd"));
        Element mpd = parse(mpdResponse().body());
        int checked = 0;
        int building = 0;
        for (Element rep : all(mpd, "Representation")) {
            String id = rep.getAttribute("id");
            Element template = one(rep, "SegmentTemplate");
            Playlist hls = new Playlist(TestNode.get(node, "/live/" + KEY + "/" + id + "/index.m3u8").body());
            URI hlsUrl = URI.create(node.httpUrl("/live/" + KEY + "/" + id + "/index.m3u8"));

            String init = template.getAttribute("initialization").replace("$RepresentationID$", id);
            URI hlsInit = hlsUrl.resolve(hls.tag("EXT-X-MAP").attr("URI"));
            // each manifest tags its URIs with its own playback session id: compare the addressed objects
            assertEquals(withoutQuery(hlsInit), withoutQuery(mpdUrl.resolve(init)), "init of " + id);

            long number = Long.parseLong(template.getAttribute("startNumber"));
            long t = -1;
            for (Element s : all(template, "S")) {
                if (s.hasAttribute("t")) {
                    t = Long.parseLong(s.getAttribute("t"));
                }
                assertTrue(t >= 0, "the first S has t");
                long d = Long.parseLong(s.getAttribute("d"));
                int r = s.hasAttribute("r") ? Integer.parseInt(s.getAttribute("r")) : 0;
                for (int i = 0; i <= r; i++, number++, t += d) {
                    String media = template.getAttribute("media").replace("$RepresentationID$", id)
                            .replace("$Number$", Long.toString(number));
                    URI fromMpd = mpdUrl.resolve(media);
                    URI fromHls = hlsUrl.resolve("seg-" + number + ".m4s");
                    long msn = number;
                    if (hls.segments().stream().noneMatch(x -> x.msn() == msn)) {
                        // low latency: the segment being built is listed ahead; it is the one after the
                        // playlist's newest complete segment, and the last entry
                        List<Playlist.Segment> complete = hls.segments();
                        assertEquals(complete.get(complete.size() - 1).msn() + 1, msn, id + " lists msn " + msn + " ahead");
                        building++;
                        continue;
                    }
                    byte[] viaMpd = TestNode.getBytes(node, fromMpd.getPath()).body();
                    byte[] viaHls = TestNode.getBytes(node, fromHls.getPath()).body();
                    assertTrue(viaMpd.length > 100, fromMpd + " fetched");
                    assertArrayEquals(viaHls, viaMpd, fromMpd + " is HLS segment " + number);
                    Mp4Boxes.Box tfdt = Mp4Boxes.parse(viaMpd).stream().filter(b -> b.type().equals("moof")).findFirst()
                            .orElseThrow().path("traf/tfdt");
                    assertEquals(t, tfdt.version() == 1 ? tfdt.u64(4) : tfdt.u32(4), fromMpd + " starts at S@t");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 6, "segments checked: " + checked);
        assertTrue(building <= 2, "at most the segment being built, per AdaptationSet, listed ahead: " + building);
    }

    @Test
    void ffmpegDashDemuxerPlaysIt() throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            Future<int[]> play = exec.submit(() -> {
                try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(node.httpUrl("/live/" + KEY + "/manifest.mpd"))) {
                    grabber.setFormat("dash");
                    grabber.setOption("rw_timeout", "10000000");
                    grabber.start();
                    int images = 0;
                    int audio = 0;
                    for (int i = 0; i < 400 && (images < 45 || audio == 0); i++) {
                        Frame f = grabber.grab();
                        assertNotNull(f, "stream ended early");
                        if (f.image != null) {
                            assertEquals(320, f.imageWidth);
                            assertEquals(240, f.imageHeight);
                            images++;
                        }
                        if (f.samples != null) {
                            audio++;
                        }
                    }
                    grabber.stop();
                    return new int[]{images, audio};
                }
            });
            int[] got = play.get(30, TimeUnit.SECONDS);
            assertTrue(got[0] >= 45, "decoded video frames: " + got[0]);
            assertTrue(got[1] > 0, "decoded audio frames: " + got[1]);
        } finally {
            exec.shutdownNow();
        }
    }

    /**
     * Low-latency DASH: the MPD lets players ask for a segment before it is complete, and the
     * node streams it with chunked transfer as its parts are published; the bytes are the
     * completed segment's.
     */
    @Test
    void theSegmentBeingBuiltStreamsAsItIsBuilt() throws Exception {
        Element template = all(parse(mpdResponse().body()), "SegmentTemplate").get(0);
        assertEquals("1.500", template.getAttribute("availabilityTimeOffset"), "2 s segments, 0.5 s parts");
        assertEquals("false", template.getAttribute("availabilityTimeComplete"));

        // a stream of its own, paced in real time for the whole test
        String key = "lldash";
        try (TestPublication p = LiveNode.publish(node, key, LiveNode.smallSource())) {
            p.send(4.2).sendPacedInBackground(8);
            String playlist = "/live/" + key + "/video/index.m3u8";
            live.awaitSegments(key, "video", 2, Duration.ofSeconds(10));
            List<Playlist.Segment> listed = new Playlist(TestNode.get(node, playlist).body()).segments();
            // the segment after the one being built: held until its first part, then streamed
            long msn = listed.get(listed.size() - 1).msn() + 2;
            java.net.http.HttpClient http1 = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            HttpResponse<java.io.InputStream> res = http1.send(java.net.http.HttpRequest.newBuilder(
                            URI.create(node.httpUrl("/live/" + key + "/video/seg-" + msn + ".m4s"))).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, res.statusCode());
            assertEquals("chunked", res.headers().firstValue("transfer-encoding").orElse(""));
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            try (java.io.InputStream in = res.body()) {
                byte[] buf = new byte[65536];
                int n = in.read(buf);
                assertTrue(n > 0, "a first chunk");
                body.write(buf, 0, n);
                // the first bytes are here; the segment is not complete yet
                Playlist now = new Playlist(TestNode.get(node, playlist).body());
                assertTrue(now.segments().stream().noneMatch(seg -> seg.msn() == msn),
                        "segment " + msn + " already complete when its first bytes arrived:\n" + now.text);
                while ((n = in.read(buf)) >= 0) {
                    body.write(buf, 0, n);
                }
            }
            HttpResponse<byte[]> complete = TestNode.getBytes(node, "/live/" + key + "/video/seg-" + msn + ".m4s");
            assertEquals(200, complete.statusCode());
            assertTrue(complete.body().length > body.size() / 2 && body.size() > 0);
            assertArrayEquals(complete.body(), body.toByteArray(), "streamed bytes = the completed segment");
            p.joinSender(15_000);
        }
    }

    private static URI withoutQuery(URI u) {
        return URI.create(u.getScheme() + "://" + u.getRawAuthority() + u.getRawPath());
    }
}
