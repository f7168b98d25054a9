package io.tributary.session;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionUrisTest {

    @Test
    void templateSplicesTheSidWhereTheRendererPutTheQuery() {
        SessionUris.Template t = SessionUris.template(7, q -> "#EXTM3U\nseg-1.m4s?" + q + "\n#EXT-X-MAP:URI=\"init-0.mp4?" + q + "\"\n");
        assertEquals(7, t.version());
        assertEquals("#EXTM3U\nseg-1.m4s?sid=abc\n#EXT-X-MAP:URI=\"init-0.mp4?sid=abc\"\n",
                t.with("sid=abc").toString(StandardCharsets.UTF_8));
        assertEquals("#EXTM3U\nseg-1.m4s?sid=x-2\n#EXT-X-MAP:URI=\"init-0.mp4?sid=x-2\"\n",
                t.with("sid=x-2").toString(StandardCharsets.UTF_8));
    }

    @Test
    void mpdTemplatesGetTheSid() {
        String mpd = "<SegmentTemplate media=\"$RepresentationID$/seg-$Number$.m4s\" initialization=\"$RepresentationID$/init-0.mp4\"/>";
        assertEquals("<SegmentTemplate media=\"$RepresentationID$/seg-$Number$.m4s?sid=s1\" "
                + "initialization=\"$RepresentationID$/init-0.mp4?sid=s1\"/>", SessionUris.tagMpd(mpd, "sid=s1"));
        assertEquals(mpd, SessionUris.tagMpd(mpd, null));
        String license = "<dashif:Laurl>http://h:1/keys/vod/a1/7/clearkey</dashif:Laurl>";
        assertEquals("<dashif:Laurl>http://h:1/keys/vod/a1/7/clearkey?sid=s&amp;token=t</dashif:Laurl>",
                SessionUris.tag(license, "sid=s&token=t"), "the ClearKey license URL carries the viewer's token");
    }

    @Test
    void sidAndTokenTogetherAreEscapedInAnMpdOnly() {
        String mpd = "<MPD><SegmentTemplate media=\"a/seg-$Number$.m4s\" initialization=\"a/init-0.mp4\"/></MPD>";
        assertEquals("<MPD><SegmentTemplate media=\"a/seg-$Number$.m4s?sid=s&amp;token=t.x\" "
                + "initialization=\"a/init-0.mp4?sid=s&amp;token=t.x\"/></MPD>",
                SessionUris.tagged(mpd).with("sid=s&token=t.x").toString(StandardCharsets.UTF_8));
        assertEquals(SessionUris.tagged(mpd).with("sid=s&token=t.x").toString(StandardCharsets.UTF_8),
                SessionUris.tag(mpd, "sid=s&token=t.x"));
        String hls = "#EXTM3U\n#EXT-X-MAP:URI=\"init-0.mp4\"\nseg-1.m4s?_HLS_x=1\n";
        assertEquals("#EXTM3U\n#EXT-X-MAP:URI=\"init-0.mp4?sid=s&token=t\"\nseg-1.m4s?_HLS_x=1&sid=s&token=t\n",
                SessionUris.tagged(hls).with("sid=s&token=t").toString(StandardCharsets.UTF_8));
    }

    @Test
    void onlyUrlSafeSidsAreValid() {
        assertTrue(SessionUris.valid("6e2fb550-c457-11e9-bb97-0800200c9a66"));
        assertFalse(SessionUris.valid("a b"));
        assertFalse(SessionUris.valid("x".repeat(65)));
        assertFalse(SessionUris.valid("\"><script>"));
    }

    @Test
    void aPlaylistRenderedElsewhereGetsTheSidOnEveryUri() {
        String ll = String.join("\n",
                "#EXTM3U",
                "#EXT-X-TARGETDURATION:2",
                "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5",
                "#EXT-X-MAP:URI=\"init-0.mp4\"",
                "#EXTINF:2.000,",
                "seg-5.m4s",
                "#EXT-X-PART:DURATION=0.5,URI=\"seg-6.0.m4s\",INDEPENDENT=YES",
                "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg-6.1.m4s\"",
                "#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8?x=1\",LAST-MSN=6,LAST-PART=0",
                "");
        String tagged = SessionUris.tagPlaylist(ll, "sid=abc");
        assertEquals(String.join("\n",
                "#EXTM3U",
                "#EXT-X-TARGETDURATION:2",
                "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5",
                "#EXT-X-MAP:URI=\"init-0.mp4?sid=abc\"",
                "#EXTINF:2.000,",
                "seg-5.m4s?sid=abc",
                "#EXT-X-PART:DURATION=0.5,URI=\"seg-6.0.m4s?sid=abc\",INDEPENDENT=YES",
                "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg-6.1.m4s?sid=abc\"",
                "#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8?x=1&sid=abc\",LAST-MSN=6,LAST-PART=0",
                ""), tagged);
        // a multivariant with CRLF line ends
        assertEquals("#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\n360p/index.m3u8?sid=q\r\n",
                SessionUris.tagPlaylist("#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\n360p/index.m3u8\r\n", "sid=q"));
    }
}
