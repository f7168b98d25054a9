package io.tributary.media.rtmp;

import io.tributary.media.amf.Amf0Writer;

/** Outbound side shared by both sessions: chunked messages into one byte queue. */
final class MessageWriter {

    static final int CSID_CONTROL = 2;
    static final int CSID_COMMAND = 3;
    static final int CSID_AUDIO = 4;
    static final int CSID_DATA = 5;
    static final int CSID_VIDEO = 6;
    static final int CSID_STREAM_COMMAND = 8;

    static final int USER_CONTROL_STREAM_BEGIN = 0;
    static final int USER_CONTROL_PING_REQUEST = 6;
    static final int USER_CONTROL_PING_RESPONSE = 7;

    private final ChunkEncoder encoder = new ChunkEncoder();
    private final ByteOut out = new ByteOut();

    ByteOut raw() {
        return out;
    }

    byte[] drain() {
        return out.drain();
    }

    /** Announces and then applies a new outbound chunk size. */
    void setChunkSize(int size) {
        ByteOut p = new ByteOut();
        p.u32(size);
        control(RtmpMessage.SET_CHUNK_SIZE, p);
        encoder.chunkSize(size);
    }

    void windowAckSize(long size) {
        ByteOut p = new ByteOut();
        p.u32(size);
        control(RtmpMessage.WINDOW_ACK_SIZE, p);
    }

    /** limitType 2 = dynamic. */
    void setPeerBandwidth(long size, int limitType) {
        ByteOut p = new ByteOut();
        p.u32(size);
        p.u8(limitType);
        control(RtmpMessage.SET_PEER_BANDWIDTH, p);
    }

    void acknowledgement(long sequenceNumber) {
        ByteOut p = new ByteOut();
        p.u32(sequenceNumber & 0xFFFFFFFFL);
        control(RtmpMessage.ACKNOWLEDGEMENT, p);
    }

    void userControl(int event, long value) {
        ByteOut p = new ByteOut();
        p.u16(event);
        p.u32(value);
        control(RtmpMessage.USER_CONTROL, p);
    }

    private void control(int typeId, ByteOut payload) {
        encoder.write(out, CSID_CONTROL, typeId, 0, 0, payload.drain());
    }

    void command(int csid, int streamId, Object... values) {
        encoder.write(out, csid, RtmpMessage.COMMAND_AMF0, streamId, 0, Amf0Writer.encode(values));
    }

    void message(int csid, int typeId, int streamId, long timestamp, byte[] payload) {
        encoder.write(out, csid, typeId, streamId, timestamp, payload);
    }

    /** Encodes straight into a fresh array, bypassing the queue (media on the client side). */
    byte[] encode(int csid, int typeId, int streamId, long timestamp, byte[] payload) {
        ByteOut direct = new ByteOut();
        encoder.write(direct, csid, typeId, streamId, timestamp, payload);
        return direct.drain();
    }
}
