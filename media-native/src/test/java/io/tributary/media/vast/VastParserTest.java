package io.tributary.media.vast;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VastParserTest {

    /** Shaped like the IAB's VAST 4.1 inline linear sample (written here, not copied). */
    static final String INLINE_4 = """
            <?xml version="1.0" encoding="UTF-8"?>
            <VAST version="4.1" xmlns="http://www.iab.com/VAST">
              <Ad id="spot-20001" sequence="1">
                <InLine>
                  <AdSystem version="4.1">Example Ad Server</AdSystem>
                  <AdTitle>Linear spot</AdTitle>
                  <Impression id="imp-1"><![CDATA[https://ads.example.test/imp?c=[CACHEBUSTING]]]></Impression>
                  <Error><![CDATA[https://ads.example.test/err?code=[ERRORCODE]]]></Error>
                  <AdServingId>a532d16d-4d7f-4440-bd29-2ec0e693fc80</AdServingId>
                  <Creatives>
                    <Creative id="cr-5480" sequence="1" adId="2447226">
                      <UniversalAdId idRegistry="Ad-ID">8465</UniversalAdId>
                      <Linear>
                        <TrackingEvents>
                          <Tracking event="start"><![CDATA[https://ads.example.test/t?e=start]]></Tracking>
                          <Tracking event="firstQuartile"><![CDATA[https://ads.example.test/t?e=q1]]></Tracking>
                          <Tracking event="midpoint"><![CDATA[https://ads.example.test/t?e=mid]]></Tracking>
                          <Tracking event="thirdQuartile"><![CDATA[https://ads.example.test/t?e=q3]]></Tracking>
                          <Tracking event="complete"><![CDATA[https://ads.example.test/t?e=complete]]></Tracking>
                        </TrackingEvents>
                        <Duration>00:00:15.500</Duration>
                        <MediaFiles>
                          <MediaFile id="m1" delivery="progressive" type="video/mp4" width="640" height="360" bitrate="800"><![CDATA[https://cdn.example.test/spot-360.mp4]]></MediaFile>
                          <MediaFile id="m2" delivery="progressive" type="video/mp4" width="1280" height="720" bitrate="2500"><![CDATA[https://cdn.example.test/spot-720.mp4]]></MediaFile>
                          <MediaFile id="m3" delivery="progressive" type="video/mp4" width="1920" height="1080" minBitrate="4000" maxBitrate="6000"><![CDATA[https://cdn.example.test/spot-1080.mp4]]></MediaFile>
                          <MediaFile id="m4" delivery="streaming" type="application/x-mpegURL" width="1920" height="1080"><![CDATA[https://cdn.example.test/spot.m3u8]]></MediaFile>
                        </MediaFiles>
                        <VideoClicks><ClickThrough><![CDATA[https://advertiser.example.test]]></ClickThrough></VideoClicks>
                      </Linear>
                    </Creative>
                    <Creative id="cr-5481"><CompanionAds/></Creative>
                  </Creatives>
                </InLine>
              </Ad>
            </VAST>
            """;

    static final String WRAPPER_4 = """
            <VAST version="4.0">
              <Ad id="wrap-1">
                <Wrapper followAdditionalWrappers="true">
                  <AdSystem>Exchange</AdSystem>
                  <VASTAdTagURI><![CDATA[http://127.0.0.1:1/next.xml]]></VASTAdTagURI>
                  <Impression>https://exchange.example.test/imp</Impression>
                  <Error>https://exchange.example.test/err?c=[ERRORCODE]</Error>
                  <Creatives>
                    <Creative>
                      <Linear>
                        <TrackingEvents>
                          <Tracking event="complete">https://exchange.example.test/complete</Tracking>
                        </TrackingEvents>
                      </Linear>
                    </Creative>
                  </Creatives>
                </Wrapper>
              </Ad>
            </VAST>
            """;

    /** VAST 2.0 as ad servers wrote it then: no namespace, creative ids on Creative, no AdServingId. */
    static final String INLINE_2 = """
            <?xml version="1.0" encoding="UTF-8"?>
            <VAST version="2.0">
              <Ad id="legacy-7">
                <InLine>
                  <AdSystem>Legacy 1.0</AdSystem>
                  <AdTitle>Old spot</AdTitle>
                  <Impression><![CDATA[http://old.example.test/imp]]></Impression>
                  <Creatives>
                    <Creative id="c-77">
                      <Linear>
                        <Duration>00:00:30</Duration>
                        <TrackingEvents>
                          <Tracking event="start">http://old.example.test/start</Tracking>
                        </TrackingEvents>
                        <MediaFiles>
                          <MediaFile delivery="progressive" bitrate="500" width="400" height="300" type="video/x-flv">http://old.example.test/a.flv</MediaFile>
                          <MediaFile delivery="progressive" bitrate="700" width="640" height="480" type="video/mp4">http://old.example.test/a.mp4</MediaFile>
                        </MediaFiles>
                      </Linear>
                    </Creative>
                  </Creatives>
                </InLine>
              </Ad>
            </VAST>
            """;

    /** VAST 3.0: a pod of two (sequence) and a stand-alone ad. */
    static final String POD_3 = """
            <VAST version="3.0">
              <Ad id="b" sequence="2"><InLine><AdSystem>S</AdSystem><AdTitle>B</AdTitle><Impression>http://x.test/b</Impression>
                <Creatives><Creative id="cb"><Linear><Duration>00:00:10</Duration><MediaFiles>
                  <MediaFile delivery="progressive" type="video/mp4" width="640" height="360">http://x.test/b.mp4</MediaFile>
                </MediaFiles></Linear></Creative></Creatives></InLine></Ad>
              <Ad id="a" sequence="1"><InLine><AdSystem>S</AdSystem><AdTitle>A</AdTitle><Impression>http://x.test/a</Impression>
                <Creatives><Creative id="ca"><Linear><Duration>00:00:05.25</Duration><MediaFiles>
                  <MediaFile delivery="progressive" type="video/mp4" width="640" height="360">http://x.test/a.mp4</MediaFile>
                </MediaFiles></Linear></Creative></Creatives></InLine></Ad>
              <Ad id="c"><InLine><AdSystem>S</AdSystem><AdTitle>C</AdTitle><Impression>http://x.test/c</Impression>
                <Creatives><Creative id="cc"><Linear><Duration>00:01:00</Duration><MediaFiles>
                  <MediaFile delivery="progressive" type="video/mp4" width="640" height="360">http://x.test/c.mp4</MediaFile>
                </MediaFiles></Linear></Creative></Creatives></InLine></Ad>
            </VAST>
            """;

    static VastDocument parse(String xml) throws VastException {
        return VastParser.parse(xml.strip().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void inlineLinear() throws Exception {
        VastDocument doc = parse(INLINE_4);
        assertEquals("4.1", doc.version());
        assertEquals(1, doc.ads().size());
        VastAd ad = doc.ads().get(0);
        assertEquals("spot-20001", ad.id());
        assertEquals(1, ad.sequence());
        assertFalse(ad.wrapper());
        assertEquals("Example Ad Server", ad.adSystem());
        assertEquals(List.of("https://ads.example.test/imp?c=[CACHEBUSTING]"), ad.impressions());
        assertEquals(List.of("https://ads.example.test/err?code=[ERRORCODE]"), ad.errors());
        assertEquals(1, ad.linears().size(), "the companion creative is not a linear");
        VastLinear linear = ad.playable();
        assertEquals("cr-5480", linear.creativeId());
        assertEquals(15_500, linear.durationMs());
        assertEquals(List.of("start", "firstQuartile", "midpoint", "thirdQuartile", "complete"), List.copyOf(linear.tracking().keySet()));
        assertEquals(List.of("https://ads.example.test/t?e=mid"), linear.tracking().get("midpoint"));
        assertEquals(4, linear.mediaFiles().size());
        VastMediaFile hd = linear.mediaFiles().get(2);
        assertEquals(new VastMediaFile("https://cdn.example.test/spot-1080.mp4", "video/mp4", "progressive", 1920, 1080, 6000), hd);
        assertEquals("streaming", linear.mediaFiles().get(3).delivery());
    }

    @Test
    void wrapper() throws Exception {
        VastAd ad = parse(WRAPPER_4).ads().get(0);
        assertTrue(ad.wrapper());
        assertEquals("http://127.0.0.1:1/next.xml", ad.adTagUri());
        assertEquals(List.of("https://exchange.example.test/imp"), ad.impressions());
        assertEquals(List.of("https://exchange.example.test/err?c=[ERRORCODE]"), ad.errors());
        assertEquals(-1, ad.linears().get(0).durationMs());
        assertEquals(Map.of("complete", List.of("https://exchange.example.test/complete")), ad.linears().get(0).tracking());
        assertEquals(null, ad.playable(), "a wrapper has nothing to play itself");
    }

    @Test
    void wrapperWithoutTagUriIsNotVast() {
        VastException e = assertThrows(VastException.class, () -> parse(WRAPPER_4.replaceAll("<VASTAdTagURI>.*</VASTAdTagURI>", "")));
        assertEquals(VastException.SCHEMA, e.code());
    }

    @Test
    void bestMediaFileForTheLadder() throws Exception {
        List<VastMediaFile> files = parse(INLINE_4).ads().get(0).playable().mediaFiles();
        // a 720p ladder: the 720p file, not the larger one, and never the HLS one (not progressive)
        assertEquals("https://cdn.example.test/spot-720.mp4", VastMediaPicker.best(files, 720, 0).orElseThrow().url());
        // a 1080p ladder takes the 1080p file
        assertEquals("https://cdn.example.test/spot-1080.mp4", VastMediaPicker.best(files, 1080, 0).orElseThrow().url());
        // a 2160p ladder: nothing covers it, so the largest
        assertEquals("https://cdn.example.test/spot-1080.mp4", VastMediaPicker.best(files, 2160, 0).orElseThrow().url());
        // a 360p ladder
        assertEquals("https://cdn.example.test/spot-360.mp4", VastMediaPicker.best(files, 300, 0).orElseThrow().url());
        // only the streaming file: nothing to transcode from
        assertTrue(VastMediaPicker.best(List.of(files.get(3)), 720, 0).isEmpty());
    }

    @Test
    void throughputBreaksTiesAtOneHeight() {
        List<VastMediaFile> files = List.of(new VastMediaFile("http://x/hi.mp4", "video/mp4", "progressive", 1280, 720, 5000),
                new VastMediaFile("http://x/lo.mp4", "video/mp4", "progressive", 1280, 720, 1500),
                new VastMediaFile("http://x/hi.webm", "video/webm; codecs=vp9", "", 1280, 720, 4000));
        assertEquals("http://x/hi.mp4", VastMediaPicker.best(files, 720, 0).orElseThrow().url());
        assertEquals("http://x/lo.mp4", VastMediaPicker.best(files, 720, 2000).orElseThrow().url());
        assertEquals("http://x/hi.webm", VastMediaPicker.best(files, 720, 4500).orElseThrow().url());
    }

    @Test
    void vast2() throws Exception {
        VastDocument doc = parse(INLINE_2);
        assertEquals("2.0", doc.version());
        VastLinear l = doc.ads().get(0).playable();
        assertEquals("c-77", l.creativeId());
        assertEquals(30_000, l.durationMs());
        assertEquals(List.of("http://old.example.test/start"), l.tracking().get("start"));
        assertEquals("http://old.example.test/a.mp4", VastMediaPicker.best(l.mediaFiles(), 480, 0).orElseThrow().url());
        assertEquals(0, doc.ads().get(0).sequence());
    }

    @Test
    void vast3Pod() throws Exception {
        VastDocument doc = parse(POD_3);
        assertEquals("3.0", doc.version());
        assertEquals(List.of("b", "a", "c"), doc.ads().stream().map(VastAd::id).toList());
        assertEquals(List.of(2, 1, 0), doc.ads().stream().map(VastAd::sequence).toList());
        assertEquals(5_250, doc.ads().get(1).playable().durationMs());
        assertEquals(60_000, doc.ads().get(2).playable().durationMs());
    }

    @Test
    void emptyVastWithRootError() throws Exception {
        VastDocument doc = parse("<VAST version=\"4.2\"><Error><![CDATA[http://x.test/noad?e=[ERRORCODE]]]></Error></VAST>");
        assertTrue(doc.ads().isEmpty());
        assertEquals(List.of("http://x.test/noad?e=[ERRORCODE]"), doc.errors());
    }

    @Test
    void xmlBombIsRefused() {
        String bomb = """
                <?xml version="1.0"?>
                <!DOCTYPE VAST [
                  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
                  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
                  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
                  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
                  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
                  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
                ]>
                <VAST version="4.0"><Ad id="x"><InLine><AdSystem>&f;</AdSystem></InLine></Ad></VAST>
                """;
        VastException e = assertThrows(VastException.class, () -> parse(bomb));
        assertEquals(VastException.XML_PARSING, e.code());
    }

    @Test
    void externalEntityIsRefused() throws Exception {
        java.nio.file.Path secret = java.nio.file.Files.createTempFile("vast-secret", ".txt");
        java.nio.file.Files.writeString(secret, "top secret");
        try {
            String xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE VAST [ <!ENTITY x SYSTEM \"" + secret.toUri() + "\"> ]>\n"
                    + "<VAST version=\"4.0\"><Error>http://x.test/&x;</Error></VAST>";
            VastException e = assertThrows(VastException.class, () -> parse(xxe));
            assertEquals(VastException.XML_PARSING, e.code());
            assertFalse(e.getMessage().contains("top secret"));
            // nor does an external DTD get fetched
            String dtd = "<?xml version=\"1.0\"?>\n<!DOCTYPE VAST SYSTEM \"" + secret.toUri() + "\">\n<VAST version=\"4.0\"/>";
            assertEquals(VastException.XML_PARSING, assertThrows(VastException.class, () -> parse(dtd)).code());
        } finally {
            java.nio.file.Files.deleteIfExists(secret);
        }
    }

    @Test
    void malformedXml() {
        assertEquals(VastException.XML_PARSING, assertThrows(VastException.class,
                () -> parse("<VAST version=\"4.0\"><Ad id=\"1\"><InLine></Ad></VAST>")).code());
        assertEquals(VastException.XML_PARSING, assertThrows(VastException.class, () -> parse("")).code());
        assertEquals(VastException.XML_PARSING, assertThrows(VastException.class, () -> parse("{\"not\":\"xml\"}")).code());
        assertEquals(VastException.SCHEMA, assertThrows(VastException.class, () -> parse("<html><body/></html>")).code());
        assertEquals(VastException.VERSION, assertThrows(VastException.class, () -> parse("<VAST version=\"1.0\"/>")).code());
        assertEquals(VastException.SCHEMA, assertThrows(VastException.class,
                () -> parse("<VAST version=\"4.0\"><Ad id=\"1\"><AdSystem/></Ad></VAST>")).code());
    }

    @Test
    void oversizedInputIsRefused() {
        byte[] big = new byte[VastParser.MAX_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        assertEquals(VastException.XML_PARSING, assertThrows(VastException.class, () -> VastParser.parse(big)).code());
        String deep = "<VAST version=\"4.0\">" + "<Extensions>".repeat(100) + "</Extensions>".repeat(100) + "</VAST>";
        assertEquals(VastException.XML_PARSING, assertThrows(VastException.class, () -> parse(deep)).code());
    }

    @Test
    void durations() {
        assertEquals(15_000, VastParser.durationMs("00:00:15"));
        assertEquals(3_723_040, VastParser.durationMs("01:02:03.04"));
        assertEquals(-1, VastParser.durationMs("15"));
        assertEquals(-1, VastParser.durationMs("00:61:00"));
        assertEquals("00:01:02.500", VastWriter.duration(62_500));
    }

    @Test
    void writerRoundTrips() throws Exception {
        VastLinear l = new VastLinear("cr<1>", 20_000, List.of(new VastMediaFile("http://n.test/vod/a1/index.m3u8?x=1&y=]]>",
                "video/mp4", "progressive", 1280, 720, 2000)), Map.of("start", List.of("http://n.test/ads/track?e=start&a=1")));
        VastDocument doc = new VastDocument("4.1", List.of(new VastAd("ad\"1", 1, false, "Tributary", "",
                List.of("http://n.test/ads/track?e=impression"), List.of("http://n.test/ads/track?e=error&c=[ERRORCODE]"), List.of(l))),
                List.of());
        String xml = VastWriter.write(doc);
        VastDocument back = VastParser.parse(xml.getBytes(StandardCharsets.UTF_8));
        assertEquals(doc.ads().get(0).id(), back.ads().get(0).id());
        assertEquals(l, back.ads().get(0).playable());
        assertEquals(doc.ads().get(0).impressions(), back.ads().get(0).impressions());
        assertEquals(doc.ads().get(0).errors(), back.ads().get(0).errors());
    }
}
