package io.tributary.edge;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EdgeManifestsTest {

    private static final String MPD = "<?xml version=\"1.0\"?>\n<MPD type=\"dynamic\">\n  <Period/>\n"
            + "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\"http://10.0.0.5:8080/api/v1/time\"/>\n</MPD>\n";

    private static byte[] gunzip(Buffer gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.getBytes()))) {
            return in.readAllBytes();
        }
    }

    @Test
    void acceptEncodingIsReadWithItsQualities() {
        assertTrue(EdgeManifests.acceptsGzip("gzip"));
        assertTrue(EdgeManifests.acceptsGzip("br, GZIP;q=0.5"));
        assertTrue(EdgeManifests.acceptsGzip("gzip, deflate, br"));
        assertTrue(EdgeManifests.acceptsGzip("*"));
        assertFalse(EdgeManifests.acceptsGzip(null));
        assertFalse(EdgeManifests.acceptsGzip(""));
        assertFalse(EdgeManifests.acceptsGzip("identity"));
        assertFalse(EdgeManifests.acceptsGzip("x-gzipped, br"));
        assertFalse(EdgeManifests.acceptsGzip("gzip;q=0"));
        assertFalse(EdgeManifests.acceptsGzip("gzip;q=0.000, *"), "gzip refused by name beats *");
        assertFalse(EdgeManifests.acceptsGzip("gzip;q=nope"));
        assertFalse(EdgeManifests.acceptsGzip("*;q=0"));
    }

    @Test
    void aPlaylistHasOneFormWithItsGzip() throws IOException {
        Buffer body = Buffer.buffer("#EXTM3U\n#EXT-X-VERSION:9\n#EXTINF:2.0,\nseg-1.m4s\n");
        EdgeManifests.Forms forms = EdgeManifests.Forms.of(body);
        EdgeManifests.Form a = forms.forOrigin("http://a:1");
        assertSame(a, forms.forOrigin("http://b:2"), "a playlist is the same for every viewer");
        assertSame(body, a.plain());
        assertArrayEquals(body.getBytes(), gunzip(a.gzip()));
    }

    @Test
    void anMpdClockNamesTheViewersOriginEscapedAndRemembersAFew() throws IOException {
        EdgeManifests.Forms forms = EdgeManifests.Forms.of(Buffer.buffer(MPD));
        EdgeManifests.Form edge = forms.forOrigin("http://edge-1:9000");
        assertEquals(MPD.replace("http://10.0.0.5:8080", "http://edge-1:9000"), edge.plain().toString());
        assertArrayEquals(edge.plain().getBytes(), gunzip(edge.gzip()));
        assertSame(edge, forms.forOrigin("http://edge-1:9000"), "derived once per viewer origin");

        String hostile = "http://x\"/><Evil a=\"&";
        assertTrue(forms.forOrigin(hostile).plain().toString()
                .contains("value=\"http://x&quot;/&gt;&lt;Evil a=&quot;&amp;/api/v1/time\"/>"));

        for (int i = 0; i < EdgeManifests.MAX_CLOCK_ORIGINS; i++) {
            forms.forOrigin("http://h" + i);
        }
        EdgeManifests.Form late = forms.forOrigin("http://late:1");
        assertTrue(late.plain().toString().contains("value=\"http://late:1/api/v1/time\""));
        assertNull(late.gzip(), "beyond the bound: rendered for the request, neither kept nor compressed");
        assertNotNull(forms.forOrigin("http://edge-1:9000").gzip());
    }

    @Test
    void anotherTimeSourceIsLeftAlone() {
        String mpd = MPD.replace("http://10.0.0.5:8080/api/v1/time", "https://time.example/iso");
        EdgeManifests.Form f = EdgeManifests.Forms.of(Buffer.buffer(mpd)).forOrigin("http://edge:1");
        assertEquals(mpd, f.plain().toString());
        String noClock = MPD.replace("<UTCTiming", "<Other");
        assertEquals(noClock, EdgeManifests.Forms.of(Buffer.buffer(noClock)).forOrigin("http://edge:1").plain().toString());
    }
}
