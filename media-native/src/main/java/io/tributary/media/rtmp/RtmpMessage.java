package io.tributary.media.rtmp;

import io.tributary.media.amf.AmfFormatException;
import io.tributary.media.amf.Amf0Reader;

import java.util.List;

/** One reassembled RTMP message; timestamp is the 32-bit wire value (0..2^32-1). */
record RtmpMessage(int chunkStreamId, int typeId, int streamId, long timestamp, byte[] payload) {

    static final int SET_CHUNK_SIZE = 1;
    static final int ABORT = 2;
    static final int ACKNOWLEDGEMENT = 3;
    static final int USER_CONTROL = 4;
    static final int WINDOW_ACK_SIZE = 5;
    static final int SET_PEER_BANDWIDTH = 6;
    static final int AUDIO = 8;
    static final int VIDEO = 9;
    static final int DATA_AMF3 = 15;
    static final int COMMAND_AMF3 = 17;
    static final int DATA_AMF0 = 18;
    static final int COMMAND_AMF0 = 20;
    static final int AGGREGATE = 22;

    /**
     * Decodes a command or data message body. AMF3 variants (types 15/17) start with a
     * 0x00 format byte followed by AMF0 values, which is what clients actually send.
     */
    List<Object> amfValues() {
        int skip = (typeId == DATA_AMF3 || typeId == COMMAND_AMF3) && payload.length > 0 && payload[0] == 0 ? 1 : 0;
        try {
            return new Amf0Reader(payload, skip, payload.length - skip).readAll();
        } catch (AmfFormatException e) {
            throw new RtmpProtocolException(e.getMessage());
        }
    }
}
