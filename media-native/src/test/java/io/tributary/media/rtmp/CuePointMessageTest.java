package io.tributary.media.rtmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.MediaEvent;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RTMP onCuePoint / onAdCue bodies into cue events. */
class CuePointMessageTest {

    private static final String SPEC_SPLICE_INSERT = "/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=";

    @Test
    void scte35ModeCarriesTheSectionAndTakesTheMessageTime() {
        MediaEvent.Cue c = CuePointMessage.parse(Map.of("cue", SPEC_SPLICE_INSERT, "type", "SpliceOut"), 12_345);
        assertTrue(c.out());
        assertEquals(12_345, c.mediaTimeMs(), "the message time, not the encoder's PTS clock");
        assertEquals(60.293566, c.durationSeconds(), 1e-6);
        assertEquals("1207959695", c.id());
        assertArrayEquals(Base64.getDecoder().decode(SPEC_SPLICE_INSERT), c.scte35());
        assertNull(CuePointMessage.parse(Map.of("cue", "AAAA"), 0), "a damaged section is dropped");
        assertNull(CuePointMessage.parse(Map.of("cue", "not base64!"), 0));
    }

    @Test
    void aPublisherSendsOnCuePointOverRtmp() {
        RtmpTestKit.Peer peer = new RtmpTestKit.Peer();
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        peer.connectAndPublish(server, "k");
        byte[] cue = io.tributary.media.amf.Amf0Writer.encode("onCuePoint",
                Map.of("name", "scte35", "type", "event", "cue", SPEC_SPLICE_INSERT));
        byte[] named = io.tributary.media.amf.Amf0Writer.encode("onCuePoint", Map.of("type", "SpliceIn", "id", "1207959695"));
        java.util.List<MediaEvent> got = RtmpTestKit.media(server.receive(RtmpTestKit.concat(
                peer.message(5, io.tributary.media.rtmp.RtmpMessage.DATA_AMF0, 1, 40_000, cue),
                peer.message(5, io.tributary.media.rtmp.RtmpMessage.DATA_AMF0, 1, 100_000, named))));
        assertEquals(2, got.size(), got.toString());
        MediaEvent.Cue out = (MediaEvent.Cue) got.get(0);
        assertTrue(out.out());
        assertEquals(40_000, out.mediaTimeMs());
        MediaEvent.Cue in = (MediaEvent.Cue) got.get(1);
        assertFalse(in.out());
        assertEquals(100_000, in.mediaTimeMs());
        assertEquals(out.id(), in.id());
    }

    @Test
    void namedCuePoints() {
        MediaEvent.Cue out = CuePointMessage.parse(Map.of("name", "ad", "type", "cue-out",
                "parameters", Map.of("duration", 30.0, "id", 7.0)), 5000);
        assertTrue(out.out());
        assertEquals(30.0, out.durationSeconds());
        assertEquals("7", out.id());
        MediaEvent.Cue in = CuePointMessage.parse(Map.of("type", "SpliceIn", "id", "7"), 35_000);
        assertFalse(in.out());
        assertEquals(0, in.durationSeconds());
        assertNull(CuePointMessage.parse(Map.of("name", "chapter 2", "type", "navigation"), 0), "not an ad cue");
        assertNull(in.scte35());
    }
}
