package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;

import io.tributary.media.Track;
import io.tributary.media.amf.Amf0Writer;
import io.tributary.media.amf.AmfUndefined;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Protocol behaviour of the server session, driven with hand-made chunks. */
class RtmpServerSessionTest {

    private static final byte[] AVC_KEYFRAME = {0x17, 1, 0, 0, 0x28, 0, 0, 0, 2, 0x65, 0x11};
    private static final byte[] AAC_FRAME = {(byte) 0xAF, 1, 0x21, 0x10};

    private final RtmpTestKit.Peer peer = new RtmpTestKit.Peer();

    @Test
    void handshakeAnswersS0S1WithZeroVersionAndS2EchoingC1() {
        RtmpServerSession server = new RtmpServerSession(RtmpLimits.defaults());
        byte[] c0c1c2 = RtmpTestKit.clientHandshake();
        server.receive(Arrays.copyOf(c0c1c2, 1000));
        assertEquals(0, server.drainOutbound().length, "nothing before C1 is complete");
        server.receive(Arrays.copyOfRange(c0c1c2, 1000, 1537));
        byte[] reply = server.drainOutbound();
        assertEquals(1 + 1536 + 1536, reply.length);
        assertEquals(3, reply[0]);
        assertArrayEquals(new byte[4], Arrays.copyOfRange(reply, 5, 9), "S1 zero field");
        assertArrayEquals(Arrays.copyOfRange(c0c1c2, 1, 1537), Arrays.copyOfRange(reply, 1537, 3073), "S2 = C1");
        server.receive(Arrays.copyOfRange(c0c1c2, 1537, c0c1c2.length));
        assertEquals(c0c1c2.length, server.bytesReceived());
    }

    @Test
    void connectIsAnsweredWithWindowBandwidthChunkSizeAndResult() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        List<RtmpEvent> events = server.receive(peer.command(0, "connect", 1.0,
                Map.of("app", "live/", "tcUrl", "rtmp://example/live", "objectEncoding", 3.0)));
        assertEquals(List.of(new RtmpEvent.Connected("live", "rtmp://example/live")), events);

        List<RtmpMessage> replies = peer.read(server.drainOutbound());
        assertEquals(List.of(RtmpMessage.WINDOW_ACK_SIZE, RtmpMessage.SET_PEER_BANDWIDTH, RtmpMessage.SET_CHUNK_SIZE,
                RtmpMessage.COMMAND_AMF0), replies.stream().map(RtmpMessage::typeId).toList());
        assertArrayEquals(new byte[] {0, 0x26, 0x25, (byte) 0xA0}, replies.get(0).payload()); // 2500000
        assertArrayEquals(new byte[] {0, 0x26, 0x25, (byte) 0xA0, 2}, replies.get(1).payload());
        assertArrayEquals(new byte[] {0, 0, 0x10, 0}, replies.get(2).payload()); // 4096
        List<Object> result = replies.get(3).amfValues();
        assertEquals("_result", result.get(0));
        assertEquals(1.0, result.get(1));
        assertEquals("FMS/3,0,1,123", ((Map<?, ?>) result.get(2)).get("fmsVer"));
        Map<?, ?> info = (Map<?, ?>) result.get(3);
        assertEquals("status", info.get("level"));
        assertEquals("NetConnection.Connect.Success", info.get("code"));
        assertEquals(3.0, info.get("objectEncoding"));
    }

    @Test
    void createStreamPublishAndAcceptFollowTheFfmpegSequence() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        server.receive(peer.command(0, "connect", 1.0, Map.of("app", "live")));
        peer.read(server.drainOutbound());
        server.receive(RtmpTestKit.concat(peer.command(0, "releaseStream", 2.0, null, "k"),
                peer.command(0, "FCPublish", 3.0, null, "k"), peer.command(0, "createStream", 4.0, null)));
        List<RtmpMessage> replies = peer.read(server.drainOutbound());
        assertEquals(List.of("_result", 2.0, "_result", 3.0, "_result", 4.0, 1.0),
                List.of(replies.get(0).amfValues().get(0), replies.get(0).amfValues().get(1),
                        replies.get(1).amfValues().get(0), replies.get(1).amfValues().get(1),
                        replies.get(2).amfValues().get(0), replies.get(2).amfValues().get(1), replies.get(2).amfValues().get(3)));

        List<RtmpEvent> events = server.receive(peer.command(1, "publish", 5.0, null, "k?a=1&b=2", "live"));
        assertEquals(List.of(new RtmpEvent.PublishRequested("live", "k", "a=1&b=2")), events);
        assertEquals(0, server.drainOutbound().length, "publish waits for the application's answer");

        server.acceptPublish();
        replies = peer.read(server.drainOutbound());
        assertEquals(RtmpMessage.USER_CONTROL, replies.get(0).typeId());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 1}, replies.get(0).payload(), "StreamBegin for stream 1");
        List<Object> status = replies.get(1).amfValues();
        assertEquals("onStatus", status.get(0));
        assertEquals(1, replies.get(1).streamId());
        assertEquals("NetStream.Publish.Start", ((Map<?, ?>) status.get(3)).get("code"));
        assertThrows(IllegalStateException.class, server::acceptPublish);
    }

    @Test
    void mediaBeforeTheAnswerIsHeldAndReleasedInOrderAfterAccept() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        server.receive(peer.command(0, "connect", 1.0, Map.of("app", "live")));
        server.receive(peer.command(0, "createStream", 2.0, null));
        List<RtmpEvent> events = server.receive(RtmpTestKit.concat(
                peer.command(1, "publish", 0.0, null, "k", "live"),
                peer.message(6, RtmpMessage.VIDEO, 1, 100, AVC_KEYFRAME),
                peer.message(4, RtmpMessage.AUDIO, 1, 110, AAC_FRAME)));
        assertEquals(1, events.size());
        server.acceptPublish();
        events = server.receive(new byte[0]);
        assertEquals(2, events.size());
        MediaEvent.Sample video = assertInstanceOf(MediaEvent.Sample.class, RtmpTestKit.media(events.get(0)));
        assertEquals(100, video.sample().dts());
        assertEquals(40, video.sample().compositionOffset());
        assertTrue(video.sample().keyframe());
        assertArrayEquals(new byte[] {0, 0, 0, 2, 0x65, 0x11}, video.sample().data());
        assertEquals(Track.AUDIO, assertInstanceOf(MediaEvent.Sample.class, RtmpTestKit.media(events.get(1))).sample().track());
    }

    @Test
    void afterRejectPublishMediaIsIgnoredAndTheErrorStatusIsSent() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        server.receive(peer.command(0, "connect", 1.0, Map.of("app", "live")));
        server.receive(peer.command(0, "createStream", 2.0, null));
        server.receive(peer.command(1, "publish", 0.0, null, "k", "live"));
        peer.read(server.drainOutbound());
        server.rejectPublish("NetStream.Publish.BadName", "stream key not allowed");
        Map<?, ?> info = (Map<?, ?>) peer.read(server.drainOutbound()).get(0).amfValues().get(3);
        assertEquals("error", info.get("level"));
        assertEquals("NetStream.Publish.BadName", info.get("code"));
        assertEquals("stream key not allowed", info.get("description"));

        assertEquals(List.of(), server.receive(RtmpTestKit.concat(peer.message(6, RtmpMessage.VIDEO, 1, 0, AVC_KEYFRAME),
                peer.command(0, "FCUnpublish", 5.0, null, "k"))));
    }

    @Test
    void unpublishCommandsEmitUnpublishedOnce() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        peer.connectAndPublish(server, "k");
        List<RtmpEvent> events = server.receive(RtmpTestKit.concat(peer.command(0, "FCUnpublish", 6.0, null, "k"),
                peer.command(0, "deleteStream", 7.0, null, 1.0), peer.command(1, "closeStream", 0.0, null)));
        assertEquals(List.of(new RtmpEvent.Unpublished("k")), events);
        assertEquals(List.of(), server.receive(peer.message(6, RtmpMessage.VIDEO, 1, 0, AVC_KEYFRAME)),
                "media after unpublish is ignored");
    }

    @Test
    void acknowledgementIsSentEachTimeReceivedBytesCrossThePeerWindow() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        peer.connectAndPublish(server, "k");
        server.receive(peer.message(2, RtmpMessage.WINDOW_ACK_SIZE, 0, 0, new byte[] {0, 0, 0x10, 0})); // 4096
        long start = server.bytesReceived();
        List<Long> acks = new ArrayList<>();
        byte[] frame = new byte[1000];
        frame[0] = 0x27;
        frame[1] = 1;
        for (int i = 0; i < 20; i++) {
            server.receive(peer.message(6, RtmpMessage.VIDEO, 1, i * 40L, frame));
            for (RtmpMessage m : peer.read(server.drainOutbound())) {
                assertEquals(RtmpMessage.ACKNOWLEDGEMENT, m.typeId());
                acks.add(PeerControl.u32(m.payload(), 0));
            }
        }
        long received = server.bytesReceived() - start;
        assertTrue(acks.size() >= received / 4096 - 1 && acks.size() <= received / 4096 + 1, acks + " for " + received);
        for (int i = 1; i < acks.size(); i++) {
            assertTrue(acks.get(i) - acks.get(i - 1) >= 4096, "acks are a window apart: " + acks);
        }
        long behind = server.bytesReceived() - acks.get(acks.size() - 1);
        assertTrue(behind >= 0 && behind < 4096, "last ack reports the running total, " + behind + " bytes behind");
    }

    @Test
    void pingRequestIsAnsweredWithPingResponse() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        server.receive(peer.message(2, RtmpMessage.USER_CONTROL, 0, 0, new byte[] {0, 6, 0x12, 0x34, 0x56, 0x78}));
        RtmpMessage pong = peer.read(server.drainOutbound()).get(0);
        assertEquals(RtmpMessage.USER_CONTROL, pong.typeId());
        assertArrayEquals(new byte[] {0, 7, 0x12, 0x34, 0x56, 0x78}, pong.payload());
    }

    @Test
    void abortMessageDropsThePartialMessageOfThatChunkStream() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        peer.connectAndPublish(server, "k");
        byte[] big = new byte[300];
        big[0] = 0x17;
        big[1] = 1;
        byte[] chunks = peer.message(6, RtmpMessage.VIDEO, 1, 0, big);
        byte[] firstChunkOnly = Arrays.copyOf(chunks, 12 + 128);
        byte[] abort = peer.message(2, RtmpMessage.ABORT, 0, 0, new byte[] {0, 0, 0, 6});
        // without the abort, this type 2 header would hit the incomplete message and fail
        byte[] next = peer.message(6, RtmpMessage.VIDEO, 1, 0, big);
        List<RtmpEvent> events = server.receive(RtmpTestKit.concat(firstChunkOnly, abort, next));
        assertEquals(1, events.size());
        assertEquals(300 - 5, ((MediaEvent.Sample) RtmpTestKit.media(events.get(0))).sample().data().length, "one whole frame");
    }

    @Test
    void interleavedChunkStreamsWithLargeChunkSizeAndExtendedTimestamps() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        peer.connectAndPublish(server, "k");
        byte[] video = new byte[700];
        video[0] = 0x27;
        video[1] = 1;
        video[4] = 80;
        Arrays.fill(video, 5, 700, (byte) 7);
        byte[] audio = new byte[400];
        audio[0] = (byte) 0xAF;
        audio[1] = 1;
        Arrays.fill(audio, 2, 400, (byte) 9);
        long ts = 0x1000000L; // needs the extended timestamp field
        byte[] v = peer.message(6, RtmpMessage.VIDEO, 1, ts, video);
        byte[] a = peer.message(4, RtmpMessage.AUDIO, 1, ts + 5, audio);
        // chunk size 128: cut each message at its chunk boundaries and interleave them
        List<byte[]> vChunks = splitChunks(v, 128, 16, 5);
        List<byte[]> aChunks = splitChunks(a, 128, 16, 5);
        List<byte[]> wire = new ArrayList<>();
        for (int i = 0; i < Math.max(vChunks.size(), aChunks.size()); i++) {
            if (i < vChunks.size()) {
                wire.add(vChunks.get(i));
            }
            if (i < aChunks.size()) {
                wire.add(aChunks.get(i));
            }
        }
        List<RtmpEvent> events = server.receive(RtmpTestKit.concat(wire.toArray(byte[][]::new)));
        assertEquals(2, events.size());
        MediaEvent.Sample first = (MediaEvent.Sample) RtmpTestKit.media(events.get(0));
        MediaEvent.Sample second = (MediaEvent.Sample) RtmpTestKit.media(events.get(1));
        assertEquals(Track.AUDIO, first.sample().track(), "audio completes first (fewer chunks)");
        assertEquals(ts + 5, first.sample().dts());
        assertArrayEquals(Arrays.copyOfRange(audio, 2, 400), first.sample().data());
        assertEquals(ts, second.sample().dts());
        assertEquals(80, second.sample().compositionOffset());
        assertArrayEquals(Arrays.copyOfRange(video, 5, 700), second.sample().data());
    }

    /** Splits an encoded message into its chunks: first header length, continuation header length. */
    private static List<byte[]> splitChunks(byte[] encoded, int chunkSize, int firstHeader, int nextHeader) {
        List<byte[]> chunks = new ArrayList<>();
        int pos = 0;
        int header = firstHeader;
        while (pos < encoded.length) {
            int n = Math.min(encoded.length - pos, header + chunkSize);
            chunks.add(Arrays.copyOfRange(encoded, pos, pos + n));
            pos += n;
            header = nextHeader;
        }
        return chunks;
    }

    @Test
    void amf3CommandAndDataMessagesWithFormatByteAreUnderstood() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        byte[] connect = RtmpTestKit.concat(new byte[] {0}, Amf0Writer.encode("connect", 1.0, Map.of("app", "live")));
        assertEquals(List.of(new RtmpEvent.Connected("live", "")),
                server.receive(peer.message(3, RtmpMessage.COMMAND_AMF3, 0, 0, connect)));
        server.receive(peer.command(0, "createStream", 2.0, null));
        server.receive(peer.command(1, "publish", 0.0, null, "k", "live"));
        server.acceptPublish();
        byte[] meta = RtmpTestKit.concat(new byte[] {0}, Amf0Writer.encode("onMetaData", Map.of("fps", 30.0)));
        assertEquals(List.of(new MediaEvent.MetaData(Map.of("fps", 30.0))),
                RtmpTestKit.media(server.receive(peer.message(5, RtmpMessage.DATA_AMF3, 1, 0, meta))));
    }

    @Test
    void aggregateMessagesAreUnpackedWithRelativeTimestamps() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        peer.connectAndPublish(server, "k");
        ByteOut agg = new ByteOut();
        for (int i = 0; i < 2; i++) {
            agg.u8(RtmpMessage.AUDIO);
            agg.u24(AAC_FRAME.length);
            agg.u24(5000 + i * 23);
            agg.u8(0);
            agg.u24(0);
            agg.bytes(AAC_FRAME);
            agg.u32(11 + AAC_FRAME.length);
        }
        List<RtmpEvent> events = server.receive(peer.message(4, RtmpMessage.AGGREGATE, 1, 1000, agg.drain()));
        assertEquals(List.of(1000L, 1023L), events.stream().map(e -> ((MediaEvent.Sample) RtmpTestKit.media(e)).sample().dts()).toList());
    }

    @Test
    void unsupportedCodecsAreReportedOncePerChange() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        peer.connectAndPublish(server, "k");
        byte[] vp9Enhanced = {(byte) 0x91, 'v', 'p', '0', '9', 0, 0, 0, 1, 2, 3}; // hvc1 and av01 are ingested now
        byte[] mp3 = {0x2F, 1, 2, 3};
        List<RtmpEvent> events = server.receive(RtmpTestKit.concat(
                peer.message(6, RtmpMessage.VIDEO, 1, 0, vp9Enhanced), peer.message(6, RtmpMessage.VIDEO, 1, 40, vp9Enhanced),
                peer.message(4, RtmpMessage.AUDIO, 1, 0, mp3), peer.message(4, RtmpMessage.AUDIO, 1, 26, mp3)));
        assertEquals(List.of(new MediaEvent.UnsupportedCodec(Track.VIDEO, "vp09"), new MediaEvent.UnsupportedCodec(Track.AUDIO, "mp3")),
                RtmpTestKit.media(events));
    }

    @Test
    void playAndUnknownCommandsGetErrorsInsteadOfCrashing() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        server.receive(peer.command(0, "connect", 1.0, Map.of("app", "live")));
        peer.read(server.drainOutbound());
        server.receive(RtmpTestKit.concat(peer.command(0, "getStreamLength", 3.0, null, "k"),
                peer.command(0, "createStream", 4.0, null), peer.command(1, "play", 0.0, null, "k"),
                peer.command(0, "someVendorExtension", 0.0, AmfUndefined.INSTANCE)));
        List<RtmpMessage> replies = peer.read(server.drainOutbound());
        assertEquals(3, replies.size(), "no reply to the zero-transaction unknown command");
        assertEquals("_error", replies.get(0).amfValues().get(0));
        assertEquals("NetConnection.Call.Failed", ((Map<?, ?>) replies.get(0).amfValues().get(3)).get("code"));
        assertEquals("NetStream.Play.Failed", ((Map<?, ?>) replies.get(2).amfValues().get(3)).get("code"));
    }

    @Test
    void emptyStreamKeyIsRefusedWithoutAskingTheApplication() {
        RtmpServerSession server = RtmpTestKit.handshaken(RtmpLimits.defaults());
        server.receive(peer.command(0, "connect", 1.0, Map.of("app", "live")));
        server.receive(peer.command(0, "createStream", 2.0, null));
        peer.read(server.drainOutbound());
        assertEquals(List.of(), server.receive(peer.command(1, "publish", 0.0, null, "", "live")));
        Map<?, ?> info = (Map<?, ?>) peer.read(server.drainOutbound()).get(0).amfValues().get(3);
        assertEquals("NetStream.Publish.BadName", info.get("code"));
    }
}
