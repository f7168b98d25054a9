package io.tributary.media.rtmp;

import io.tributary.media.amf.Amf0Writer;
import io.tributary.media.amf.AmfEcmaArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Client side of one RTMP publishing connection, sans-IO; for load generation and tests.
 * Not thread-safe.
 *
 * <p>Construction queues C0+C1. Feed server bytes to {@link #receive}; write
 * {@link #drainOutbound()} to the server after every receive. The session then runs
 * connect, releaseStream, FCPublish, createStream and publish by itself and reports
 * {@link RtmpClientEvent.PublishStarted} (or {@link RtmpClientEvent.Failed}). After that,
 * {@link #encodeVideo}, {@link #encodeAudio} and {@link #encodeMetaData} return chunked
 * bytes to write. All returned byte arrays (from encode* and drainOutbound) must be
 * written in the order they were produced, since they share header-compression state.
 */
public final class RtmpClientSession {

    static final int OUT_CHUNK_SIZE = 4096;
    private static final double TXN_CONNECT = 1;
    private static final double TXN_CREATE_STREAM = 4;
    private static final double TXN_PUBLISH = 5;

    private enum Phase { HANDSHAKE, CONNECTING, CREATING_STREAM, PUBLISHING_REQUESTED, PUBLISHING, FAILED, CLOSED }

    private final String app;
    private final String tcUrl;
    private final String publishName;
    private final ChunkDecoder decoder;
    private final MessageWriter writer = new MessageWriter();
    private final PeerControl control = new PeerControl(writer);
    private final byte[] c1 = Handshake.randomPacket();
    private final byte[] serverHandshake = new byte[1 + 2 * Handshake.PACKET_SIZE];
    private int serverHandshakeFilled;
    private Phase phase = Phase.HANDSHAKE;
    private int streamId;
    private long bytesReceived;
    private List<RtmpClientEvent> events;

    /**
     * @param app         application name, e.g. "live"
     * @param tcUrl       e.g. "rtmp://host:1935/live"
     * @param publishName stream key, optionally with "?query"
     */
    public RtmpClientSession(String app, String tcUrl, String publishName, RtmpLimits limits) {
        this.app = app;
        this.tcUrl = tcUrl;
        this.publishName = publishName;
        this.decoder = new ChunkDecoder(limits);
        ByteOut out = writer.raw();
        out.u8(Handshake.VERSION);
        out.bytes(c1);
    }

    public List<RtmpClientEvent> receive(byte[] data) {
        return receive(data, 0, data.length);
    }

    public List<RtmpClientEvent> receive(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside array of " + data.length);
        }
        events = new ArrayList<>();
        try {
            bytesReceived += length;
            int pos = offset;
            int end = offset + length;
            if (phase == Phase.HANDSHAKE && pos < end) {
                pos = handshake(data, pos, end);
            }
            if (pos < end) {
                decoder.decode(data, pos, end - pos, this::onMessage);
            }
            control.received(bytesReceived);
            return events;
        } finally {
            events = null;
        }
    }

    public byte[] drainOutbound() {
        return writer.drain();
    }

    public boolean isPublishing() {
        return phase == Phase.PUBLISHING;
    }

    /** Message stream id assigned by createStream (0 before). */
    public int streamId() {
        return streamId;
    }

    /** @param flvVideoTagPayload an FLV video tag body (frame type/codec byte onwards) */
    public byte[] encodeVideo(long timestamp, byte[] flvVideoTagPayload) {
        requirePublishing();
        return writer.encode(MessageWriter.CSID_VIDEO, RtmpMessage.VIDEO, streamId, timestamp, flvVideoTagPayload);
    }

    /** @param flvAudioTagPayload an FLV audio tag body (sound format byte onwards) */
    public byte[] encodeAudio(long timestamp, byte[] flvAudioTagPayload) {
        requirePublishing();
        return writer.encode(MessageWriter.CSID_AUDIO, RtmpMessage.AUDIO, streamId, timestamp, flvAudioTagPayload);
    }

    /** {@code @setDataFrame("onMetaData", values)} as an AMF0 data message. */
    public byte[] encodeMetaData(Map<String, ?> values) {
        requirePublishing();
        byte[] payload = Amf0Writer.encode("@setDataFrame", "onMetaData", new AmfEcmaArray(values));
        return writer.encode(MessageWriter.CSID_DATA, RtmpMessage.DATA_AMF0, streamId, 0, payload);
    }

    /** Queues FCUnpublish and deleteStream, as FFmpeg does when it stops. */
    public void unpublish() {
        requirePublishing();
        writer.command(MessageWriter.CSID_COMMAND, 0, "FCUnpublish", 6.0, null, publishName);
        writer.command(MessageWriter.CSID_COMMAND, 0, "deleteStream", 7.0, null, (double) streamId);
        phase = Phase.CLOSED;
    }

    private void requirePublishing() {
        if (phase != Phase.PUBLISHING) {
            throw new IllegalStateException("not publishing (state " + phase + ")");
        }
    }

    private int handshake(byte[] data, int pos, int end) {
        if (serverHandshakeFilled == 0 && (data[pos] & 0xFF) != Handshake.VERSION) {
            throw new RtmpProtocolException("unsupported RTMP version " + (data[pos] & 0xFF) + " in S0 (expected 3)");
        }
        int n = Math.min(serverHandshake.length - serverHandshakeFilled, end - pos);
        System.arraycopy(data, pos, serverHandshake, serverHandshakeFilled, n);
        serverHandshakeFilled += n;
        if (serverHandshakeFilled == serverHandshake.length) {
            writer.raw().bytes(serverHandshake, 1, Handshake.PACKET_SIZE); // C2 echoes S1
            writer.setChunkSize(OUT_CHUNK_SIZE);
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("app", app);
            properties.put("type", "nonprivate");
            properties.put("flashVer", "FMLE/3.0 (compatible; Tributary)");
            properties.put("tcUrl", tcUrl);
            writer.command(MessageWriter.CSID_COMMAND, 0, "connect", TXN_CONNECT, properties);
            phase = Phase.CONNECTING;
        }
        return pos + n;
    }

    private void onMessage(RtmpMessage m) {
        if (control.handle(m)) {
            return;
        }
        if (m.typeId() != RtmpMessage.COMMAND_AMF0 && m.typeId() != RtmpMessage.COMMAND_AMF3) {
            return;
        }
        List<Object> values = m.amfValues();
        if (values.isEmpty() || !(values.get(0) instanceof String name)) {
            throw new RtmpProtocolException("command message without a command name");
        }
        double txn = values.size() > 1 && values.get(1) instanceof Double d ? d : 0;
        Object info = values.size() > 3 ? values.get(3) : null;
        switch (name) {
            case "_result" -> onResult(txn, info);
            case "_error" -> {
                phase = Phase.FAILED;
                events.add(new RtmpClientEvent.Failed(field(info, "code"), field(info, "description")));
            }
            case "onStatus" -> onStatus(info);
            default -> { }
        }
    }

    private void onResult(double txn, Object info) {
        if (txn == TXN_CONNECT && phase == Phase.CONNECTING) {
            String code = field(info, "code");
            if (!"NetConnection.Connect.Success".equals(code)) {
                phase = Phase.FAILED;
                events.add(new RtmpClientEvent.Failed(code, field(info, "description")));
                return;
            }
            events.add(new RtmpClientEvent.Connected());
            writer.command(MessageWriter.CSID_COMMAND, 0, "releaseStream", 2.0, null, publishName);
            writer.command(MessageWriter.CSID_COMMAND, 0, "FCPublish", 3.0, null, publishName);
            writer.command(MessageWriter.CSID_COMMAND, 0, "createStream", TXN_CREATE_STREAM, null);
            phase = Phase.CREATING_STREAM;
        } else if (txn == TXN_CREATE_STREAM && phase == Phase.CREATING_STREAM) {
            if (!(info instanceof Double id) || id < 1 || id > Integer.MAX_VALUE) {
                throw new RtmpProtocolException("createStream result without a usable stream id: " + info);
            }
            streamId = id.intValue();
            writer.command(MessageWriter.CSID_STREAM_COMMAND, streamId, "publish", TXN_PUBLISH, null, publishName, "live");
            phase = Phase.PUBLISHING_REQUESTED;
        }
    }

    private void onStatus(Object info) {
        String level = field(info, "level");
        String code = field(info, "code");
        String description = field(info, "description");
        if ("NetStream.Publish.Start".equals(code) && phase == Phase.PUBLISHING_REQUESTED) {
            phase = Phase.PUBLISHING;
            events.add(new RtmpClientEvent.PublishStarted(streamId));
        } else if ("error".equals(level)) {
            if (phase == Phase.PUBLISHING_REQUESTED) {
                phase = Phase.FAILED;
            }
            events.add(new RtmpClientEvent.Failed(code, description));
        } else {
            events.add(new RtmpClientEvent.Status(level, code, description));
        }
    }

    private static String field(Object info, String name) {
        return info instanceof Map<?, ?> map && map.get(name) instanceof String s ? s : "";
    }
}
