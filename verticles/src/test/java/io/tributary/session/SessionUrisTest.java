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
                t.with("abc").toString(StandardCharsets.UTF_8));
        assertEquals("#EXTM3U\nseg-1.m4s?sid=x-2\n#EXT-X-MAP:URI=\"init-0.mp4?sid=x-2\"\n",
                t.with("x-2").toString(StandardCharsets.UTF_8));
    }

    @Test
    void mpdTemplatesGetTheSid() {
        String mpd = "<SegmentTemplate media=\"$RepresentationID$/seg-$Number$.m4s\" initialization=\"$RepresentationID$/init-0.mp4\"/>";
        assertEquals("<SegmentTemplate media=\"$RepresentationID$/seg-$Number$.m4s?sid=s1\" "
                + "initialization=\"$RepresentationID$/init-0.mp4?sid=s1\"/>", SessionUris.tagMpd(mpd, "s1"));
        assertEquals(mpd, SessionUris.tagMpd(mpd, null));
    }

    @Test
    void onlyUrlSafeSidsAreValid() {
        assertTrue(SessionUris.valid("6e2fb550-c457-11e9-bb97-0800200c9a66"));
        assertFalse(SessionUris.valid("a b"));
        assertFalse(SessionUris.valid("x".repeat(65)));
        assertFalse(SessionUris.valid("\"><script>"));
    }
}
