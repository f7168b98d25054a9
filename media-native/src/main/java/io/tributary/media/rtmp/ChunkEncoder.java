package io.tributary.media.rtmp;

import java.util.HashMap;
import java.util.Map;

/**
 * Splits messages into chunks, compressing headers the way real clients do: type 0 for
 * the first message on a chunk stream (or a new message stream id, or time going
 * backwards), type 1 when type or length change, type 2 when only the delta changes,
 * type 3 when the delta repeats; type 3 for continuation chunks. Mirrors the
 * interpretation {@link ChunkDecoder} applies, including extended timestamps on type 3.
 */
final class ChunkEncoder {

    private final Map<Integer, Last> last = new HashMap<>();
    private int chunkSize = 128;

    void chunkSize(int size) {
        this.chunkSize = size;
    }

    int chunkSize() {
        return chunkSize;
    }

    /**
     * @param timestamp milliseconds; written modulo 2^32, and deltas are taken against the
     *                  previous message on the same chunk stream
     */
    void write(ByteOut out, int csid, int typeId, int streamId, long timestamp, byte[] payload, int offset, int length) {
        if (csid < 2 || csid > 65599) {
            throw new IllegalArgumentException("chunk stream id out of range: " + csid);
        }
        Last p = last.get(csid);
        long delta = p == null ? -1 : timestamp - p.timestamp;
        int fmt;
        long field;
        if (p == null || p.streamId != streamId || delta < 0 || delta > 0xFFFFFFFFL) {
            fmt = 0;
            field = timestamp & 0xFFFFFFFFL;
        } else if (p.typeId != typeId || p.length != length) {
            fmt = 1;
            field = delta;
        } else if (p.deltaKnown && delta == p.delta) {
            fmt = 3;
            field = delta;
        } else {
            fmt = 2;
            field = delta;
        }
        if (p == null) {
            p = new Last();
            last.put(csid, p);
        }
        if (fmt < 3) {
            p.extended = field >= 0xFFFFFF;
        }
        p.streamId = streamId;
        p.typeId = typeId;
        p.length = length;
        p.timestamp = timestamp;
        p.delta = field;
        // after type 0 the stored field is an absolute time, so a type 3 could not express a delta
        p.deltaKnown = fmt != 0;

        basicHeader(out, fmt, csid);
        if (fmt < 3) {
            out.u24(p.extended ? 0xFFFFFF : (int) field);
            if (fmt <= 1) {
                out.u24(length);
                out.u8(typeId);
            }
            if (fmt == 0) {
                out.u32le(streamId);
            }
        }
        if (p.extended) {
            out.u32(field);
        }
        int written = Math.min(chunkSize, length);
        out.bytes(payload, offset, written);
        while (written < length) {
            basicHeader(out, 3, csid);
            if (p.extended) {
                out.u32(field);
            }
            int n = Math.min(chunkSize, length - written);
            out.bytes(payload, offset + written, n);
            written += n;
        }
    }

    void write(ByteOut out, int csid, int typeId, int streamId, long timestamp, byte[] payload) {
        write(out, csid, typeId, streamId, timestamp, payload, 0, payload.length);
    }

    private static void basicHeader(ByteOut out, int fmt, int csid) {
        if (csid < 64) {
            out.u8((fmt << 6) | csid);
        } else if (csid < 320) {
            out.u8(fmt << 6);
            out.u8(csid - 64);
        } else {
            out.u8((fmt << 6) | 1);
            out.u8((csid - 64) & 0xFF);
            out.u8((csid - 64) >>> 8);
        }
    }

    private static final class Last {
        int streamId;
        int typeId;
        int length;
        long timestamp;
        long delta;
        boolean deltaKnown;
        boolean extended;
    }
}
