package io.tributary.media.rtmp;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reassembles RTMP messages from the chunk stream (RTMP spec, section 5.3), accepting
 * input split anywhere. Handles the two chunk-layer control messages itself (Set Chunk
 * Size, Abort) because they change how the very next byte is parsed; everything else is
 * handed to the consumer, including those two for visibility.
 *
 * <p>Memory is proportional to bytes actually received: a declared length is checked
 * against the limit when the header is parsed, but the payload buffer grows only as
 * payload bytes arrive.
 */
final class ChunkDecoder {

    private static final int[] MESSAGE_HEADER_LENGTH = {11, 7, 3, 0};
    private static final int MAX_HEADER = 3 + 11 + 4;

    private final RtmpLimits limits;
    private final Map<Integer, ChunkStream> streams = new HashMap<>();
    private int chunkSize = 128;

    /** Pending header bytes of the chunk being parsed. */
    private final byte[] header = new byte[MAX_HEADER];
    private int headerLength;
    /** Body bytes still expected for the current chunk; 0 means we are parsing a header. */
    private int chunkRemaining;
    private ChunkStream current;
    /** Capacity of the reassembly buffers held now, all reserved from {@code limits.budget()}. */
    private long buffered;
    /** Messages begun and not yet complete. */
    private int partial;
    /** The peer asked to publish: messages up to the full limit are expected from now on. */
    private boolean largeMessagesAllowed;

    ChunkDecoder(RtmpLimits limits) {
        this.limits = limits;
    }

    /** Called once the peer has asked to publish; before that a message is at most {@code maxMessageBeforePublish}. */
    void allowLargeMessages() {
        largeMessagesAllowed = true;
    }

    /** Bytes held in reassembly buffers now. */
    long buffered() {
        return buffered;
    }

    /** Drops every unfinished message and returns its memory to the budget (the connection is gone). */
    void release() {
        for (ChunkStream s : streams.values()) {
            discard(s);
        }
        current = null;
    }

    int chunkSize() {
        return chunkSize;
    }

    void decode(byte[] data, int offset, int length, Consumer<RtmpMessage> out) {
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (chunkRemaining > 0) {
                int n = Math.min(chunkRemaining, end - pos);
                grow(current, n);
                current.append(data, pos, n);
                pos += n;
                chunkRemaining -= n;
                if (chunkRemaining == 0 && current.complete()) {
                    deliver(current, out);
                }
                continue;
            }
            header[headerLength++] = data[pos++];
            if (headerLength == headerNeeded()) {
                startChunk(out);
            }
        }
    }

    /** Total header bytes required, as far as the bytes seen so far tell. */
    private int headerNeeded() {
        int basic = basicHeaderLength();
        if (headerLength < basic) {
            return basic;
        }
        int fmt = (header[0] & 0xFF) >>> 6;
        int base = basic + MESSAGE_HEADER_LENGTH[fmt];
        if (headerLength < base) {
            return base;
        }
        boolean extended;
        if (fmt < 3) {
            extended = u24(header, basic) == 0xFFFFFF;
        } else {
            ChunkStream s = streams.get(chunkStreamId());
            extended = s != null && s.extendedTimestamp;
        }
        return base + (extended ? 4 : 0);
    }

    private int basicHeaderLength() {
        int low = header[0] & 0x3F;
        return low == 0 ? 2 : low == 1 ? 3 : 1;
    }

    private int chunkStreamId() {
        int low = header[0] & 0x3F;
        if (low == 0) {
            return 64 + (header[1] & 0xFF);
        } else if (low == 1) {
            return 64 + (header[1] & 0xFF) + ((header[2] & 0xFF) << 8);
        }
        return low;
    }

    private void startChunk(Consumer<RtmpMessage> out) {
        int fmt = (header[0] & 0xFF) >>> 6;
        int csid = chunkStreamId();
        int p = basicHeaderLength();
        headerLength = 0;

        ChunkStream s = streams.get(csid);
        if (fmt != 0 && (s == null || !s.hasHeader)) {
            throw new RtmpProtocolException("chunk type " + fmt + " on chunk stream " + csid
                    + " which has no previous message header");
        }
        if (s == null) {
            if (streams.size() >= limits.maxChunkStreams()) {
                throw new RtmpProtocolException("more than " + limits.maxChunkStreams() + " chunk streams", true);
            }
            s = new ChunkStream(csid);
            streams.put(csid, s);
        }
        boolean midMessage = s.inProgress();
        if (midMessage && fmt != 3) {
            throw new RtmpProtocolException("chunk type " + fmt + " on chunk stream " + csid
                    + " while a message of " + s.length + " bytes is incomplete (" + s.filled + " received)");
        }

        long timestampField = 0;
        if (fmt < 3) {
            timestampField = u24(header, p);
            if (fmt <= 1) {
                s.length = u24(header, p + 3);
                s.typeId = header[p + 6] & 0xFF;
            }
            if (fmt == 0) {
                s.streamId = (header[p + 7] & 0xFF) | ((header[p + 8] & 0xFF) << 8)
                        | ((header[p + 9] & 0xFF) << 16) | ((header[p + 10] & 0xFF) << 24);
            }
            s.extendedTimestamp = timestampField == 0xFFFFFF;
            p += MESSAGE_HEADER_LENGTH[fmt];
        }
        if (s.extendedTimestamp) {
            long ext = u32(header, p);
            timestampField = fmt < 3 ? ext : (midMessage ? 0 : ext);
        } else if (fmt == 3 && !midMessage) {
            timestampField = s.timestampField;
        }
        s.hasHeader = true;

        if (!midMessage) {
            // type 0 carries an absolute time; 1, 2 and a new-message type 3 carry a delta
            s.timestamp = fmt == 0 ? timestampField : (s.timestamp + timestampField) & 0xFFFFFFFFL;
            s.timestampField = timestampField;
            int max = largeMessagesAllowed ? limits.maxMessageLength() : limits.maxMessageBeforePublish();
            if (s.length > max) {
                throw new RtmpProtocolException("message of type " + s.typeId + " on chunk stream " + csid
                        + " declares length " + s.length + " which exceeds the limit of " + max
                        + (largeMessagesAllowed ? "" : " before publish"), true);
            }
            if (partial >= limits.maxPartialMessages()) {
                throw new RtmpProtocolException("more than " + limits.maxPartialMessages() + " unfinished messages", true);
            }
            s.begin();
            partial++;
            if (s.length == 0) {
                deliver(s, out);
                return;
            }
        }
        chunkRemaining = Math.min(chunkSize, s.length - s.filled);
        current = s;
    }

    /** Makes room for {@code n} more bytes of {@code s}'s message within the connection's and the node's limits. */
    private void grow(ChunkStream s, int n) {
        int capacity = s.capacityFor(n);
        int delta = capacity - s.capacity();
        if (delta == 0) {
            return;
        }
        if (buffered + delta > limits.maxBufferedBytes()) {
            throw new RtmpProtocolException("unfinished messages would hold " + (buffered + delta)
                    + " bytes, over the limit of " + limits.maxBufferedBytes(), true);
        }
        if (!limits.budget().reserve(delta)) {
            throw new RtmpProtocolException("the node's ingest memory budget of " + limits.budget().limit()
                    + " bytes is used up", true);
        }
        buffered += delta;
        s.resize(capacity);
    }

    private void discard(ChunkStream s) {
        if (s.inProgress()) {
            partial--;
        }
        int held = s.capacity();
        s.discard();
        buffered -= held;
        limits.budget().release(held);
    }

    private void deliver(ChunkStream s, Consumer<RtmpMessage> out) {
        int held = s.capacity();
        RtmpMessage message = new RtmpMessage(s.csid, s.typeId, s.streamId, s.timestamp, s.take());
        partial--;
        buffered -= held;
        limits.budget().release(held);
        current = null;
        switch (message.typeId()) {
            case RtmpMessage.SET_CHUNK_SIZE -> setChunkSize(message.payload());
            case RtmpMessage.ABORT -> abort(message.payload());
            default -> { }
        }
        out.accept(message);
    }

    private void setChunkSize(byte[] payload) {
        if (payload.length < 4) {
            throw new RtmpProtocolException("Set Chunk Size message of " + payload.length + " bytes (need 4)");
        }
        long size = u32(payload, 0);
        // bit 31 must be zero, so a "negative" size is malformed as well
        if (size < 1 || size > 0x7FFFFFFFL) {
            throw new RtmpProtocolException("invalid Set Chunk Size " + size);
        }
        if (size > limits.maxChunkSize()) {
            throw new RtmpProtocolException("Set Chunk Size " + size + " exceeds the limit of " + limits.maxChunkSize());
        }
        chunkSize = (int) size;
    }

    private void abort(byte[] payload) {
        if (payload.length < 4) {
            throw new RtmpProtocolException("Abort Message of " + payload.length + " bytes (need 4)");
        }
        long csid = u32(payload, 0);
        ChunkStream s = csid <= Integer.MAX_VALUE ? streams.get((int) csid) : null;
        if (s != null) {
            discard(s);
        }
    }

    private static int u24(byte[] b, int off) {
        return ((b[off] & 0xFF) << 16) | ((b[off + 1] & 0xFF) << 8) | (b[off + 2] & 0xFF);
    }

    private static long u32(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    /** Per chunk-stream header state and the message being reassembled on it. */
    private static final class ChunkStream {
        final int csid;
        boolean hasHeader;
        boolean extendedTimestamp;
        int length;
        int typeId;
        int streamId;
        long timestamp;
        /** Last timestamp field (absolute for type 0, else delta), reused by a new-message type 3. */
        long timestampField;
        byte[] buffer;
        int filled;
        boolean active;

        ChunkStream(int csid) {
            this.csid = csid;
        }

        boolean inProgress() {
            return active;
        }

        void begin() {
            active = true;
            filled = 0;
            buffer = null;
        }

        boolean complete() {
            return filled == length;
        }

        int capacity() {
            return buffer == null ? 0 : buffer.length;
        }

        /** The buffer size needed for {@code n} more bytes: doubling, never past the message length. */
        int capacityFor(int n) {
            if (buffer != null && filled + n <= buffer.length) {
                return buffer.length;
            }
            return buffer == null ? Math.min(length, Math.max(n, 4096))
                    : (int) Math.min(length, Math.max((long) buffer.length * 2, filled + n));
        }

        void resize(int capacity) {
            buffer = buffer == null ? new byte[capacity] : Arrays.copyOf(buffer, capacity);
        }

        void append(byte[] src, int off, int n) {
            System.arraycopy(src, off, buffer, filled, n);
            filled += n;
        }

        byte[] take() {
            byte[] payload = buffer == null ? new byte[0] : buffer.length == length ? buffer : Arrays.copyOf(buffer, length);
            discard();
            return payload;
        }

        void discard() {
            active = false;
            buffer = null;
            filled = 0;
        }
    }
}
