package io.tributary.media.cmcd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CmcdParserTest {

    @Test
    void queryFormWithEveryKeyType() {
        // the decoded value of ?CMCD=... as hls.js and dash.js send it (keys in alphabetical order)
        Cmcd c = CmcdParser.parse("bl=21300,br=3200,bs,cid=\"faec5fc2-ac30-11eabb37-0242ac130002\",d=4004,dl=18500,"
                + "mtp=48100,nor=\"..%2F300kbps%2Ftrack.m4v\",ot=v,pr=1.08,rtp=12000,sf=d,"
                + "sid=\"6e2fb550-c457-11e9-bb97-0800200c9a66\",st=v,su,tb=6000,v=1");
        assertTrue(c.present());
        assertFalse(c.malformed(), c.problem());
        assertEquals(21300, c.bufferLengthMs());
        assertEquals(3200, c.encodedBitrateKbps());
        assertTrue(c.bufferStarvation());
        assertEquals("faec5fc2-ac30-11eabb37-0242ac130002", c.contentId());
        assertEquals(4004, c.durationMs());
        assertEquals(18500, c.deadlineMs());
        assertEquals(48100, c.throughputKbps());
        assertEquals(48100 * 1000 / 8.0, c.throughputBytesPerSecond());
        assertEquals("..%2F300kbps%2Ftrack.m4v", c.nextObject());
        assertEquals("v", c.objectType());
        assertEquals(1.08, c.playbackRate());
        assertEquals(12000, c.requestedThroughputKbps());
        assertEquals("d", c.streamingFormat());
        assertEquals("6e2fb550-c457-11e9-bb97-0800200c9a66", c.sessionId());
        assertEquals("v", c.streamType());
        assertTrue(c.startup());
        assertEquals(6000, c.topBitrateKbps());
        assertEquals(1, c.version());
    }

    @Test
    void headerFormSplitsKeysOverFourHeaders() {
        Cmcd c = CmcdParser.parseHeaders("bl=1200,mtp=25400", "br=600,d=2000,ot=v", "bs,rtp=15000",
                "sid=\"abc\",sf=h,st=l");
        assertFalse(c.malformed(), c.problem());
        assertEquals(1200, c.bufferLengthMs());
        assertEquals(25400, c.throughputKbps());
        assertEquals(600, c.encodedBitrateKbps());
        assertEquals("abc", c.sessionId());
        assertEquals("l", c.streamType());
        assertTrue(c.bufferStarvation());
        assertFalse(c.startup());
        assertEquals(-1, c.topBitrateKbps());
    }

    @Test
    void nothingSentIsNone() {
        assertSame(Cmcd.NONE, CmcdParser.parse(null));
        assertSame(Cmcd.NONE, CmcdParser.parse(""));
        assertSame(Cmcd.NONE, CmcdParser.parseHeaders(null, null, null, null));
        assertFalse(Cmcd.NONE.present());
        assertFalse(Cmcd.NONE.malformed());
    }

    @Test
    void stringsKeepEscapedQuotesAndCommas() {
        Cmcd c = CmcdParser.parse("cid=\"a,\\\"b\\\\c\",sid=\"x\"");
        assertFalse(c.malformed(), c.problem());
        assertEquals("a,\"b\\c", c.contentId());
        assertEquals("x", c.sessionId());
    }

    @Test
    void customKeysAndUnknownReservedKeysAreKept() {
        Cmcd c = CmcdParser.parse("com.example-myNumericKey=500,com.example-flag,nrr=\"12323-48763\",zz=9");
        assertFalse(c.malformed(), c.problem());
        assertEquals(500L, c.custom().get("com.example-myNumericKey"));
        assertEquals(true, c.custom().get("com.example-flag"));
        assertFalse(c.custom().containsKey("zz"));
        assertEquals("12323-48763", c.nextRange());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "bl=abc", "bl=-100", "bl=1.5", "br=", "bs=1", "sid=abc", "sid=\"unterminated", "sid=\"a\"x",
            "ot=zz", "sf=x", "st=live", "pr=-1", "pr=fast", "BL=100", "=5", ",bl=100", "bl=100,",
            "bl=100,,br=1", "bl=100,bl=200", "cid=\"bad\\escape\"", "sid=\"\"", "mtp=99999999999999999999",
            "bl=1e5", "su=\"yes\"", "d=NaN", "sid=\"tab\there\""})
    void malformedIsReportedNotThrown(String payload) {
        Cmcd c = CmcdParser.parse(payload);
        assertTrue(c.present());
        assertTrue(c.malformed(), "accepted: " + payload);
        assertNotNull(c.problem());
        assertEquals(-1, c.bufferLengthMs(), "a malformed payload keeps none of its keys");
        assertNull(c.sessionId());
    }

    @Test
    void overlongSessionIdAndOverlongPayloadAreMalformed() {
        assertTrue(CmcdParser.parse("sid=\"" + "a".repeat(65) + "\"").malformed());
        assertFalse(CmcdParser.parse("sid=\"" + "a".repeat(64) + "\"").malformed());
        assertTrue(CmcdParser.parse("bl=1," + "x".repeat(CmcdParser.MAX_LENGTH)).problem().contains("longer"));
    }

    @Test
    void aKeyRepeatedAcrossHeadersIsMalformed() {
        Cmcd c = CmcdParser.parseHeaders("bl=100", null, "bl=200", null);
        assertTrue(c.malformed());
        assertTrue(c.problem().contains("twice"), c.problem());
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(4);
        String alphabet = "abdlmoprstuv=,\"\\.-0123456789 \t\u00e9\u0000";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(40);
            for (int k = 0; k < len; k++) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            Cmcd c = CmcdParser.parse(b.toString());
            assertTrue(c == Cmcd.NONE || c.malformed() || c.problem() == null);
        }
    }
}
