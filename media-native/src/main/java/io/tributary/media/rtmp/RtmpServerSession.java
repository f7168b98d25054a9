package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;
import io.tributary.media.amf.AmfFormatException;
import io.tributary.media.amf.Amf0Reader;
import io.tributary.media.flv.FlvFormatException;
import io.tributary.media.amf.AmfUndefined;
import io.tributary.media.flv.FlvTagParser;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server side of one RTMP connection, sans-IO: bytes in, events and bytes out.
 * Not thread-safe; one per socket.
 *
 * <p>Lifecycle: handshake (C0+C1 answered by S0+S1+S2, C2 ignored), then chunked
 * messages. {@code connect} is answered immediately; {@code publish} becomes a
 * {@link RtmpEvent.PublishRequested} that the caller must answer with
 * {@link #acceptPublish()} or {@link #rejectPublish(String, String)}. Metadata and media
 * arriving while that answer is pending are held (bounded) and released, in order, at the
 * start of the next {@link #receive} after acceptance; after a rejection they are dropped.
 */
public final class RtmpServerSession {

    static final int OUT_CHUNK_SIZE = 4096;
    static final long WINDOW_ACK_SIZE = 2_500_000;
    private static final int PEER_BANDWIDTH_DYNAMIC = 2;
    /** Media held while a publish awaits the caller's answer; beyond this the peer is misbehaving. */
    private static final long MIN_HELD_BYTES = 8L << 20;

    private enum Phase { C0C1, C2, CHUNKS, FAILED }

    private enum PublishState { NONE, PENDING, PUBLISHING, REJECTED, ENDED }

    private final RtmpLimits limits;
    private final ChunkDecoder decoder;
    private final MessageWriter writer = new MessageWriter();
    private final PeerControl control = new PeerControl(writer);
    private final FlvTagParser flv = new FlvTagParser();
    private final TimestampExtender clock = new TimestampExtender();

    private Phase phase = Phase.C0C1;
    private String failure;
    private final byte[] handshake = new byte[1 + Handshake.PACKET_SIZE];
    private int handshakeFilled;
    private long bytesReceived;

    private boolean connected;
    private String app = "";
    private int nextStreamId = 1;

    private PublishState publish = PublishState.NONE;
    private int publishStreamId;
    private String streamKey;
    private String streamQuery = "";
    private boolean unpublishedWhilePending;
    private final List<RtmpEvent> held = new ArrayList<>();
    private long heldBytes;
    private final long maxHeldBytes;
    /** Events released by acceptPublish, returned first by the next receive. */
    private final List<RtmpEvent> ready = new ArrayList<>();

    /** Events produced by the receive call in progress. */
    private List<RtmpEvent> events;

    public RtmpServerSession(RtmpLimits limits) {
        this.limits = limits;
        this.decoder = new ChunkDecoder(limits);
        this.maxHeldBytes = Math.max(MIN_HELD_BYTES, 2L * limits.maxMessageLength());
    }

    public List<RtmpEvent> receive(byte[] data) {
        return receive(data, 0, data.length);
    }

    /**
     * Feeds received bytes (any split). Returns the events they complete, in order.
     * Pass an empty array to collect events released by {@link #acceptPublish()} without new input.
     *
     * @throws RtmpProtocolException on bad input; the session is then unusable and the
     *                               connection should be closed
     */
    public List<RtmpEvent> receive(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside array of " + data.length);
        }
        if (phase == Phase.FAILED) {
            throw new RtmpProtocolException("session already failed: " + failure);
        }
        events = new ArrayList<>(ready);
        ready.clear();
        try {
            bytesReceived += length;
            int pos = offset;
            int end = offset + length;
            while (pos < end && phase != Phase.CHUNKS) {
                pos = handshake(data, pos, end);
            }
            if (pos < end) {
                decoder.decode(data, pos, end - pos, this::onMessage);
            }
            control.received(bytesReceived);
            return events;
        } catch (RtmpProtocolException e) {
            throw failed(e);
        } catch (AmfFormatException | FlvFormatException e) {
            // a malformed command or media tag is a protocol fault of this connection
            throw failed(new RtmpProtocolException(e.getMessage()));
        } finally {
            events = null;
        }
    }

    private RtmpProtocolException failed(RtmpProtocolException e) {
        phase = Phase.FAILED;
        failure = e.getMessage();
        return e;
    }

    /** The connection is gone: what it held of unfinished messages goes back to the ingest budget. */
    public void close() {
        decoder.release();
    }

    public byte[] drainOutbound() {
        return writer.drain();
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    /**
     * Answers the pending {@link RtmpEvent.PublishRequested}: queues User Control
     * StreamBegin and onStatus NetStream.Publish.Start, and releases held media to the
     * next {@link #receive}. A no-op if the publisher already withdrew the request.
     *
     * @throws IllegalStateException if no publish request is pending
     */
    public void acceptPublish() {
        if (publish != PublishState.PENDING) {
            if (publish == PublishState.ENDED) {
                return;
            }
            throw new IllegalStateException("no publish request is pending (state " + publish + ")");
        }
        writer.userControl(MessageWriter.USER_CONTROL_STREAM_BEGIN, publishStreamId);
        onStatus("status", "NetStream.Publish.Start", streamKey + " is now published.");
        publish = unpublishedWhilePending ? PublishState.ENDED : PublishState.PUBLISHING;
        ready.addAll(held);
        clearHeld();
    }

    /**
     * Ends an accepted publish from the server's side with an onStatus of level "error"
     * (a refusal that needed the stream's first media to decide). Media that follows is
     * ignored; the caller closes the connection once the answer is written.
     * A no-op unless publishing.
     */
    public void failPublish(String code, String description) {
        if (publish != PublishState.PUBLISHING) {
            return;
        }
        onStatus("error", code, description);
        publish = PublishState.REJECTED;
    }

    /**
     * Refuses the pending publish with an onStatus of level "error". Media that follows
     * is ignored; the caller will usually close the connection once the answer is written.
     * A no-op if the publisher already withdrew the request.
     *
     * @throws IllegalStateException if no publish request is pending
     */
    public void rejectPublish(String code, String description) {
        if (publish != PublishState.PENDING) {
            if (publish == PublishState.ENDED) {
                return;
            }
            throw new IllegalStateException("no publish request is pending (state " + publish + ")");
        }
        onStatus("error", code, description);
        publish = PublishState.REJECTED;
        clearHeld();
    }

    // --- handshake ---

    private int handshake(byte[] data, int pos, int end) {
        if (phase == Phase.C0C1 && handshakeFilled == 0) {
            int version = data[pos] & 0xFF;
            if (version != Handshake.VERSION) {
                throw new RtmpProtocolException("unsupported RTMP version " + version + " in C0 (expected 3)");
            }
        }
        int want = phase == Phase.C0C1 ? 1 + Handshake.PACKET_SIZE : Handshake.PACKET_SIZE;
        int n = Math.min(want - handshakeFilled, end - pos);
        System.arraycopy(data, pos, handshake, handshakeFilled, n);
        handshakeFilled += n;
        if (handshakeFilled == want) {
            handshakeFilled = 0;
            if (phase == Phase.C0C1) {
                ByteOut out = writer.raw();
                out.u8(Handshake.VERSION);
                out.bytes(Handshake.randomPacket());
                out.bytes(handshake, 1, Handshake.PACKET_SIZE); // S2 echoes C1
                phase = Phase.C2;
            } else {
                phase = Phase.CHUNKS; // C2 content is not checked: plain handshake
            }
        }
        return pos + n;
    }

    // --- messages ---

    private void onMessage(RtmpMessage m) {
        if (control.handle(m)) {
            return;
        }
        switch (m.typeId()) {
            case RtmpMessage.COMMAND_AMF0, RtmpMessage.COMMAND_AMF3 -> onCommand(m, m.amfValues());
            case RtmpMessage.DATA_AMF0, RtmpMessage.DATA_AMF3 -> onData(m.streamId(),
                    () -> m.timestamp() == 0 ? Long.MIN_VALUE : clock.extend(m.timestamp()), m.amfValues());
            case RtmpMessage.AUDIO, RtmpMessage.VIDEO -> onMedia(m.typeId(), m.streamId(), clock.extend(m.timestamp()),
                    m.payload(), 0, m.payload().length);
            case RtmpMessage.AGGREGATE -> onAggregate(m);
            default -> { } // shared objects and other legacy types: nothing a publisher needs from us
        }
    }

    private void onCommand(RtmpMessage m, List<Object> values) {
        if (values.isEmpty() || !(values.get(0) instanceof String name)) {
            throw new RtmpProtocolException("command message without a command name");
        }
        double transactionId = values.size() > 1 && values.get(1) instanceof Double d ? d : 0;
        if (name.equals("connect")) {
            onConnect(transactionId, values);
            return;
        }
        if (!connected) {
            throw new RtmpProtocolException("command '" + name + "' before connect");
        }
        switch (name) {
            case "releaseStream", "FCPublish" -> result(transactionId, null, AmfUndefined.INSTANCE);
            case "createStream" -> {
                if (nextStreamId == Integer.MAX_VALUE) {
                    throw new RtmpProtocolException("too many createStream calls");
                }
                result(transactionId, null, (double) nextStreamId++);
            }
            case "publish" -> onPublish(m.streamId(), values);
            case "FCUnpublish" -> {
                Object key = arg(values, 3);
                if (key == null || key.equals(streamKeyWithQuery()) || key.equals(streamKey)) {
                    unpublished();
                }
                if (transactionId != 0) {
                    result(transactionId, null, AmfUndefined.INSTANCE);
                }
            }
            case "deleteStream" -> {
                if (arg(values, 3) instanceof Double id && id.intValue() == publishStreamId) {
                    unpublished();
                }
            }
            case "closeStream" -> {
                if (m.streamId() == publishStreamId) {
                    unpublished();
                }
            }
            case "play", "play2" -> writer.command(MessageWriter.CSID_DATA, m.streamId(), "onStatus", 0.0, null,
                    status("error", "NetStream.Play.Failed", "Playback over RTMP is not supported."));
            case "_result", "_error", "onStatus", "onBWDone", "_checkbw" -> { }
            default -> {
                if (transactionId != 0) {
                    writer.command(MessageWriter.CSID_COMMAND, 0, "_error", transactionId, null,
                            status("error", "NetConnection.Call.Failed", "Unsupported command '" + name + "'."));
                }
            }
        }
    }

    private void onConnect(double transactionId, List<Object> values) {
        if (connected) {
            throw new RtmpProtocolException("second connect on one connection");
        }
        Map<?, ?> properties = values.size() > 2 && values.get(2) instanceof Map<?, ?> map ? map : Map.of();
        app = properties.get("app") instanceof String s ? stripSlashes(s) : "";
        String tcUrl = properties.get("tcUrl") instanceof String s ? s : "";
        double objectEncoding = properties.get("objectEncoding") instanceof Double d ? d : 0;
        connected = true;

        writer.windowAckSize(WINDOW_ACK_SIZE);
        writer.setPeerBandwidth(WINDOW_ACK_SIZE, PEER_BANDWIDTH_DYNAMIC);
        writer.setChunkSize(OUT_CHUNK_SIZE);
        Map<String, Object> serverProperties = new LinkedHashMap<>();
        serverProperties.put("fmsVer", "FMS/3,0,1,123");
        serverProperties.put("capabilities", 31.0);
        Map<String, Object> info = status("status", "NetConnection.Connect.Success", "Connection succeeded.");
        info.put("objectEncoding", objectEncoding);
        writer.command(MessageWriter.CSID_COMMAND, 0, "_result", transactionId, serverProperties, info);
        events.add(new RtmpEvent.Connected(app, tcUrl));
    }

    private void onPublish(int streamId, List<Object> values) {
        if (streamId <= 0 || streamId >= nextStreamId) {
            throw new RtmpProtocolException("publish on message stream " + streamId + " which was not created");
        }
        if (publish == PublishState.PENDING || publish == PublishState.PUBLISHING) {
            throw new RtmpProtocolException("publish while stream '" + streamKey + "' is already being published");
        }
        decoder.allowLargeMessages(); // media (keyframes of up to the full limit) follows
        publishStreamId = streamId;
        String name = arg(values, 3) instanceof String s ? s : "";
        int q = name.indexOf('?');
        String key = q < 0 ? name : name.substring(0, q);
        String query = q < 0 ? "" : name.substring(q + 1);
        if (key.isEmpty()) {
            // nothing for the application to decide about
            onStatus("error", "NetStream.Publish.BadName", "A stream key is required.");
            publish = PublishState.REJECTED;
            return;
        }
        streamKey = key;
        streamQuery = query;
        unpublishedWhilePending = false;
        publish = PublishState.PENDING;
        events.add(new RtmpEvent.PublishRequested(app, key, query));
    }

    private String streamKeyWithQuery() {
        return streamQuery.isEmpty() ? streamKey : streamKey + "?" + streamQuery;
    }

    private void unpublished() {
        if (publish == PublishState.PUBLISHING) {
            publish = PublishState.ENDED;
            events.add(new RtmpEvent.Unpublished(streamKey));
        } else if (publish == PublishState.PENDING && !unpublishedWhilePending) {
            // keep order with media held for the pending answer
            unpublishedWhilePending = true;
            held.add(new RtmpEvent.Unpublished(streamKey));
        }
    }

    /** @param timestamp the message's extended time, MIN_VALUE for one stamped 0; asked only for cues */
    private void onData(int streamId, java.util.function.LongSupplier timestamp, List<Object> values) {
        int i = !values.isEmpty() && "@setDataFrame".equals(values.get(0)) ? 1 : 0;
        if (values.size() > i + 1 && "onMetaData".equals(values.get(i)) && values.get(i + 1) instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), v));
            deliverMedia(new MediaEvent.MetaData(copy), 64);
        } else if (values.size() > i + 1 && values.get(i) instanceof String handler && CuePointMessage.isCue(handler)
                && values.get(i + 1) instanceof Map<?, ?> map && streamId == publishStreamId && mediaWanted()) {
            // a data message stamped 0 means "now": the newest media time
            long at = timestamp.getAsLong();
            if (at == Long.MIN_VALUE) {
                at = lastMediaTimestamp != Long.MIN_VALUE ? lastMediaTimestamp : 0;
            }
            MediaEvent.Cue cue = CuePointMessage.parse(map, at);
            if (cue != null) {
                deliverMedia(cue, 64);
            }
        }
    }

    private long lastMediaTimestamp = Long.MIN_VALUE;

    private void onMedia(int typeId, int streamId, long timestamp, byte[] payload, int offset, int length) {
        if (streamId != publishStreamId || !mediaWanted()) {
            return;
        }
        lastMediaTimestamp = timestamp;
        MediaEvent event = typeId == RtmpMessage.VIDEO
                ? flv.parseVideo(timestamp, payload, offset, length)
                : flv.parseAudio(timestamp, payload, offset, length);
        if (event != null) {
            deliverMedia(event, length);
        }
    }

    private boolean mediaWanted() {
        return publish == PublishState.PUBLISHING || (publish == PublishState.PENDING && !unpublishedWhilePending);
    }

    private void deliverMedia(MediaEvent media, long size) {
        RtmpEvent event = new RtmpEvent.Media(media);
        if (publish == PublishState.PUBLISHING) {
            events.add(event);
        } else if (publish == PublishState.PENDING && !unpublishedWhilePending) {
            heldBytes += size;
            if (heldBytes > maxHeldBytes) {
                throw new RtmpProtocolException("more than " + maxHeldBytes
                        + " bytes of media arrived before the publish request was answered");
            }
            held.add(event);
        }
    }

    /** Aggregate message: FLV tags back to back, timestamps relative to the first one. */
    private void onAggregate(RtmpMessage m) {
        byte[] p = m.payload();
        long base = clock.extend(m.timestamp());
        long first = -1;
        int pos = 0;
        while (pos < p.length) {
            if (p.length - pos < 11) {
                throw new RtmpProtocolException("truncated tag header in aggregate message at offset " + pos);
            }
            int type = p[pos] & 0x1F;
            int size = ((p[pos + 1] & 0xFF) << 16) | ((p[pos + 2] & 0xFF) << 8) | (p[pos + 3] & 0xFF);
            long ts = ((p[pos + 4] & 0xFFL) << 16) | ((p[pos + 5] & 0xFF) << 8) | (p[pos + 6] & 0xFF)
                    | ((p[pos + 7] & 0xFFL) << 24);
            pos += 11;
            if (size > p.length - pos) {
                throw new RtmpProtocolException("aggregate message tag of " + size + " bytes overruns the message");
            }
            if (first < 0) {
                first = ts;
            }
            if (type == RtmpMessage.AUDIO || type == RtmpMessage.VIDEO) {
                onMedia(type, m.streamId(), base + (ts - first), p, pos, size);
            } else if (type == RtmpMessage.DATA_AMF0) {
                long at = base + (ts - first);
                onData(m.streamId(), () -> at, new Amf0Reader(p, pos, size).readAll());
            }
            pos += size;
            pos += Math.min(4, p.length - pos); // back pointer
        }
    }

    // --- replies ---

    private void result(double transactionId, Object properties, Object information) {
        writer.command(MessageWriter.CSID_COMMAND, 0, "_result", transactionId, properties, information);
    }

    private void onStatus(String level, String code, String description) {
        Map<String, Object> info = status(level, code, description);
        info.put("details", streamKey == null ? "" : streamKey);
        writer.command(MessageWriter.CSID_DATA, publishStreamId, "onStatus", 0.0, null, info);
    }

    private static Map<String, Object> status(String level, String code, String description) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("level", level);
        info.put("code", code);
        info.put("description", description);
        return info;
    }

    private void clearHeld() {
        held.clear();
        heldBytes = 0;
    }

    private static Object arg(List<Object> values, int index) {
        return values.size() > index ? values.get(index) : null;
    }

    private static String stripSlashes(String app) {
        int end = app.length();
        while (end > 0 && app.charAt(end - 1) == '/') {
            end--;
        }
        return app.substring(0, end);
    }
}
