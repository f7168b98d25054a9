package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;

import io.tributary.media.amf.Amf0Writer;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Raw-protocol helpers: a scripted "client" writing chunks and reading the server's replies. */
final class RtmpTestKit {

    private RtmpTestKit() {
    }

    /** C0 + C1 + C2 of a plain handshake (C1/C2 content is not checked by the server). */
    static byte[] clientHandshake() {
        byte[] b = new byte[1 + 2 * Handshake.PACKET_SIZE];
        b[0] = 3;
        for (int i = 9; i < b.length; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    /** A server that has completed the handshake, with S0/S1/S2 already drained. */
    static RtmpServerSession handshaken(RtmpLimits limits) {
        RtmpServerSession server = new RtmpServerSession(limits);
        assertEquals(List.of(), server.receive(clientHandshake()));
        assertEquals(1 + 2 * Handshake.PACKET_SIZE, server.drainOutbound().length);
        return server;
    }

    /** Writes chunks like a client and reads what the server sends back. */
    static final class Peer {
        final ChunkEncoder encoder = new ChunkEncoder();
        final ChunkDecoder decoder = new ChunkDecoder(new RtmpLimits(64 << 20, 1 << 24));

        byte[] message(int csid, int typeId, int streamId, long timestamp, byte[] payload) {
            ByteOut out = new ByteOut();
            encoder.write(out, csid, typeId, streamId, timestamp, payload);
            return out.drain();
        }

        byte[] command(int streamId, Object... values) {
            return message(streamId == 0 ? 3 : 8, RtmpMessage.COMMAND_AMF0, streamId, 0, Amf0Writer.encode(values));
        }

        byte[] setChunkSize(int size) {
            ByteOut p = new ByteOut();
            p.u32(size);
            byte[] bytes = message(2, RtmpMessage.SET_CHUNK_SIZE, 0, 0, p.drain());
            encoder.chunkSize(size);
            return bytes;
        }

        /** Decodes server output (after the handshake) into messages. */
        List<RtmpMessage> read(byte[] serverBytes) {
            List<RtmpMessage> messages = new ArrayList<>();
            decoder.decode(serverBytes, 0, serverBytes.length, messages::add);
            return messages;
        }

        /** connect + createStream + publish(key) against a handshaken server, publish accepted. */
        List<RtmpEvent> connectAndPublish(RtmpServerSession server, String key) {
            List<RtmpEvent> events = new ArrayList<>(server.receive(command(0, "connect", 1.0,
                    java.util.Map.of("app", "live", "tcUrl", "rtmp://localhost/live"))));
            events.addAll(server.receive(command(0, "createStream", 2.0, null)));
            events.addAll(server.receive(command(1, "publish", 0.0, null, key, "live")));
            server.acceptPublish();
            read(server.drainOutbound());
            return events;
        }
    }

    static List<Object> amf(RtmpMessage m) {
        return m.amfValues();
    }

    static byte[] concat(byte[]... parts) {
        ByteOut out = new ByteOut();
        for (byte[] p : parts) {
            out.bytes(p);
        }
        return out.drain();
    }

    /** The media event an RTMP event carries (fails the cast for a control event). */
    static MediaEvent media(RtmpEvent event) {
        return ((RtmpEvent.Media) event).event();
    }

    static java.util.List<MediaEvent> media(java.util.List<RtmpEvent> events) {
        return events.stream().map(RtmpTestKit::media).toList();
    }
}
