package io.tributary.media.rtmp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile or broken input must end in RtmpProtocolException with a message a person can act on. */
class RtmpBadInputTest {

    private static RtmpProtocolException rejects(RtmpServerSession server, byte[] input) {
        return assertThrows(RtmpProtocolException.class, () -> server.receive(input));
    }

    @Test
    void httpRequestInsteadOfRtmpIsRejectedAtTheFirstByte() {
        RtmpProtocolException e = rejects(new RtmpServerSession(RtmpLimits.defaults()),
                "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("unsupported RTMP version 71 in C0 (expected 3)", e.getMessage());
    }

    @Test
    void wrongC0VersionIsRejected() {
        RtmpProtocolException e = rejects(new RtmpServerSession(RtmpLimits.defaults()), new byte[] {6});
        assertTrue(e.getMessage().contains("version 6"), e.getMessage());
    }

    @Test
    void garbageAfterTheHandshakeIsRejected() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0xFF); // type 3 chunk on chunk stream 63, never introduced
        RtmpProtocolException e = rejects(server, garbage);
        assertEquals("chunk type 3 on chunk stream 63 which has no previous message header", e.getMessage());
    }

    @Test
    void typeThreeChunkOnUnknownChunkStreamIsRejected() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        RtmpProtocolException e = rejects(server, new byte[] {(byte) 0xC4, 1, 2, 3});
        assertTrue(e.getMessage().contains("chunk type 3 on chunk stream 4"), e.getMessage());
        // three-byte basic header form: csid 64 + 0x10 + 0x01*256 = 336
        e = rejects(RtmpTestKit.handshaken(RtmpLimits.defaults()), new byte[] {(byte) 0x81, 0x10, 0x01, 0, 0, 0});
        assertTrue(e.getMessage().contains("chunk type 2 on chunk stream 336"), e.getMessage());
    }

    @Test
    void truncatedChunkFollowedByNonsenseIsRejected() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        RtmpTestKit.Peer peer = new RtmpTestKit.Peer();
        byte[] connect = peer.command(0, "connect", 1.0, Map.of("app", "live", "tcUrl", "rtmp://h/live",
                "flashVer", "x".repeat(300)));
        // the first 128-byte chunk cut short after 48 body bytes, then 0x03 filler: the decoder
        // takes 80 of them as the rest of the chunk and the next as a type 0 header on csid 3
        byte[] truncated = Arrays.copyOf(connect, 12 + 48);
        byte[] nonsense = new byte[200];
        Arrays.fill(nonsense, (byte) 0x03);
        byte[] padded = RtmpTestKit.concat(truncated, nonsense);
        RtmpProtocolException e = rejects(server, padded);
        assertTrue(e.getMessage().matches("chunk type 0 on chunk stream 3 while a message of \\d+ bytes is incomplete \\(128 received\\)"),
                e.getMessage());
    }

    @Test
    void declaredLengthAboveLimitIsRejectedFromTheHeaderAlone() {
        RtmpServerSession server = RtmpTestKit.handshaken(new RtmpLimits(1_000_000, 65536));
        // type 0 header, csid 6: timestamp 0, length 5_000_000, type 9 (video), stream 1
        byte[] header = {6, 0, 0, 0, 0x4C, 0x4B, 0x40, 9, 1, 0, 0, 0};
        RtmpProtocolException e = rejects(server, header);
        // no publish asked yet: the limit is the small one for commands
        assertEquals("message of type 9 on chunk stream 6 declares length 5000000 which exceeds the limit of 65536 before publish",
                e.getMessage());
        assertTrue(e.overLimit());
    }

    @Test
    void oversizedOrZeroSetChunkSizeIsRejected() {
        RtmpServerSession server = RtmpTestKit.handshaken(new RtmpLimits(1 << 20, 65536));
        RtmpProtocolException e = rejects(server, new RtmpTestKit.Peer().setChunkSize(65537));
        assertEquals("Set Chunk Size 65537 exceeds the limit of 65536", e.getMessage());

        e = rejects(RtmpTestKit.handshaken(RtmpLimits.defaults()), new RtmpTestKit.Peer().setChunkSize(0));
        assertEquals("invalid Set Chunk Size 0", e.getMessage());
        e = rejects(RtmpTestKit.handshaken(RtmpLimits.defaults()), new RtmpTestKit.Peer().setChunkSize(0x80000000));
        assertTrue(e.getMessage().startsWith("invalid Set Chunk Size 2147483648"), e.getMessage());
    }

    @Test
    void malformedAmfInACommandIsRejected() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        // a string marker whose declared length runs past the message
        byte[] payload = {2, 0, 50, 'c', 'o', 'n'};
        RtmpProtocolException e = rejects(server, new RtmpTestKit.Peer().message(3, RtmpMessage.COMMAND_AMF0, 0, 0, payload));
        assertTrue(e.getMessage().startsWith("truncated AMF data"), e.getMessage());
    }

    @Test
    void commandsBeforeConnectAndPublishOnUncreatedStreamAreRejected() {
        RtmpProtocolException e = rejects(RtmpTestKit.handshaken(RtmpLimits.defaults()),
                new RtmpTestKit.Peer().command(0, "createStream", 2.0, null));
        assertEquals("command 'createStream' before connect", e.getMessage());

        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        RtmpTestKit.Peer peer = new RtmpTestKit.Peer();
        server.receive(peer.command(0, "connect", 1.0, Map.of("app", "live")));
        e = rejects(server, peer.command(5, "publish", 0.0, null, "key", "live"));
        assertEquals("publish on message stream 5 which was not created", e.getMessage());
    }

    @Test
    void aFailedSessionStaysFailed() {
        RtmpServerSession server = new RtmpServerSession(RtmpLimits.defaults());
        rejects(server, new byte[] {9});
        RtmpProtocolException e = rejects(server, RtmpTestKit.clientHandshake());
        assertTrue(e.getMessage().startsWith("session already failed: unsupported RTMP version 9"), e.getMessage());
    }
}
