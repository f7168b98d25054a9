package io.tributary.media.rtmp;

import io.tributary.media.IngestBudget;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one RTMP connection can make the node hold, as an attacker would try it right after the
 * handshake: many chunk streams each with an unfinished large message, many partial messages,
 * many chunk stream ids, a large message before publishing, and many connections against the
 * node's budget. Each is cut at its limit, with the memory it held bounded and given back.
 */
class ChunkDecoderLimitsTest {

    private static final int MIB = 1 << 20;
    private static final RtmpLimits LIMITS = new RtmpLimits(4 * MIB, MIB, 64 * 1024, 8L * MIB, 8, 64, IngestBudget.unlimited());

    @Test
    void unfinishedMessagesOnManyChunkStreamsAreCutAtTheBufferedLimit() {
        ChunkDecoder d = publishing(LIMITS);
        List<RtmpMessage> out = new ArrayList<>();
        d.decode(setChunkSize(MIB), 0, setChunkSize(MIB).length, out::add);
        long maxSeen = 0;
        RtmpProtocolException e = null;
        for (int csid = 3; csid < 60 && e == null; csid++) { // the attack: 4 MiB declared, 3 MiB sent, never finished
            try {
                byte[] start = messageStart(csid, 4 * MIB, MIB);
                d.decode(start, 0, start.length, out::add);
                for (int i = 0; i < 2; i++) {
                    byte[] more = continuation(csid, MIB);
                    d.decode(more, 0, more.length, out::add);
                }
            } catch (RtmpProtocolException x) {
                e = x;
            }
            maxSeen = Math.max(maxSeen, d.buffered());
        }
        assertTrue(e != null && e.overLimit(), "cut as over its limit: " + e);
        assertTrue(e.getMessage().contains("over the limit of " + 8 * MIB), e.getMessage());
        assertTrue(maxSeen <= 8L * MIB, "held at most the limit: " + maxSeen);
    }

    @Test
    void morePartialMessagesThanTheLimitAreCut() {
        ChunkDecoder d = publishing(LIMITS);
        for (int csid = 3; csid < 3 + 8; csid++) {
            byte[] start = messageStart(csid, 1000, 128); // one whole chunk at the default chunk size
            d.decode(start, 0, start.length, m -> { });
        }
        byte[] ninth = messageStart(20, 1000, 128);
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> d.decode(ninth, 0, ninth.length, m -> { }));
        assertTrue(e.overLimit() && e.getMessage().contains("unfinished messages"), e.getMessage());
    }

    @Test
    void moreChunkStreamIdsThanTheLimitAreCut() {
        ChunkDecoder d = publishing(LIMITS);
        List<RtmpMessage> out = new ArrayList<>();
        RtmpProtocolException e = null;
        int used = 0;
        for (int csid = 3; csid < 3 + 200 && e == null; csid++) { // complete one-chunk messages: nothing left unfinished
            byte[] m = messageStart(csid, 50, 50);
            try {
                d.decode(m, 0, m.length, out::add);
                used++;
            } catch (RtmpProtocolException x) {
                e = x;
            }
        }
        assertEquals(64, used, "chunk stream ids accepted");
        assertTrue(e != null && e.overLimit() && e.getMessage().contains("chunk streams"), String.valueOf(e));
        assertEquals(64, out.size());
    }

    @Test
    void nothingLargeBeforePublish() {
        ChunkDecoder d = new ChunkDecoder(LIMITS);
        byte[] big = messageStart(3, 100_000, 128);
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> d.decode(big, 0, big.length, m -> { }));
        assertTrue(e.overLimit() && e.getMessage().contains("before publish"), e.getMessage());
        ChunkDecoder after = publishing(LIMITS);
        after.decode(big, 0, big.length, m -> { }); // the same message once publishing is fine
        assertTrue(after.buffered() > 0);
    }

    @Test
    void connectionsShareTheNodeBudgetAndGiveItBackWhenTheyClose() {
        IngestBudget budget = new IngestBudget(5L * MIB);
        RtmpLimits limits = LIMITS.withBudget(budget);
        ChunkDecoder first = publishing(limits);
        ChunkDecoder second = publishing(limits);
        for (ChunkDecoder d : List.of(first, second)) {
            d.decode(setChunkSize(MIB), 0, setChunkSize(MIB).length, m -> { });
        }
        holdUnfinished(first, 3, 3 * MIB);
        assertEquals(4L * MIB, budget.used(), "3 MiB received into a buffer that doubled to 4 MiB");
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> holdUnfinished(second, 3, 3 * MIB));
        assertTrue(e.overLimit() && e.getMessage().contains("ingest memory budget"), e.getMessage());
        first.release();
        second.release();
        assertEquals(0, budget.used(), "every byte reserved was given back");
        // and a finished message gives its bytes back as it is handed on
        ChunkDecoder third = publishing(limits);
        third.decode(setChunkSize(MIB), 0, setChunkSize(MIB).length, m -> { });
        List<RtmpMessage> out = new ArrayList<>();
        byte[] whole = messageStart(3, 500_000, 500_000);
        third.decode(whole, 0, whole.length, out::add);
        assertEquals(1, out.size());
        assertEquals(0, budget.used());
    }

    private static void holdUnfinished(ChunkDecoder d, int csid, int bytes) {
        byte[] start = messageStart(csid, 4 * MIB, MIB);
        d.decode(start, 0, start.length, m -> { });
        for (int sent = MIB; sent < bytes; sent += MIB) {
            byte[] more = continuation(csid, MIB);
            d.decode(more, 0, more.length, m -> { });
        }
    }

    private static ChunkDecoder publishing(RtmpLimits limits) {
        ChunkDecoder d = new ChunkDecoder(limits);
        d.allowLargeMessages();
        return d;
    }

    /** Set Chunk Size on chunk stream 2, type-0 header. */
    private static byte[] setChunkSize(int size) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        header0(b, 2, 4, RtmpMessage.SET_CHUNK_SIZE);
        b.write(size >>> 24);
        b.write(size >>> 16);
        b.write(size >>> 8);
        b.write(size);
        return b.toByteArray();
    }

    /** A type-0 header declaring a video message of {@code length} bytes and its first {@code sent} bytes. */
    private static byte[] messageStart(int csid, int length, int sent) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        header0(b, csid, length, 9);
        b.writeBytes(new byte[sent]);
        return b.toByteArray();
    }

    /** A type-3 chunk continuing {@code csid}'s message with {@code n} more bytes. */
    private static byte[] continuation(int csid, int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        basic(b, 3, csid);
        b.writeBytes(new byte[n]);
        return b.toByteArray();
    }

    private static void header0(ByteArrayOutputStream b, int csid, int length, int type) {
        basic(b, 0, csid);
        b.write(0);
        b.write(0);
        b.write(0); // timestamp
        b.write(length >>> 16);
        b.write(length >>> 8);
        b.write(length);
        b.write(type);
        b.write(1);
        b.write(0);
        b.write(0);
        b.write(0); // message stream id 1, little-endian
    }

    private static void basic(ByteArrayOutputStream b, int fmt, int csid) {
        if (csid < 64) {
            b.write((fmt << 6) | csid);
        } else {
            b.write(fmt << 6);
            b.write(csid - 64);
        }
    }
}
