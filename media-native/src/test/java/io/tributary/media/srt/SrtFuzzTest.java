package io.tributary.media.srt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeded, bounded fuzzing of the SRT packet parsing: only SrtProtocolException may escape a parser, nothing escapes the listener. */
class SrtFuzzTest {

    @Test
    void handshakeParserThrowsOnlyItsOwnException() {
        Random r = new Random(20261207);
        SrtCaller caller = new SrtCaller("#!::r=live/fuzz,m=publish", 120, "fuzz passphrase", 4, r, 0);
        byte[] seed = caller.induction(0);
        byte[] conclusionLike = new SrtHandshake(5, 2, 7, 1, 1500, 8192, -1, 5, 9, new byte[16], List.of(
                new SrtHandshake.Extension(SrtHandshake.CMD_HSREQ, SrtHandshake.hsMessage(0x010503, 0x3f, 120, 120)),
                new SrtHandshake.Extension(SrtHandshake.CMD_SID, SrtHandshake.streamIdContent("#!::r=live/a,m=publish")))).encode();
        int parsed = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] base = i % 2 == 0 ? conclusionLike : java.util.Arrays.copyOfRange(seed, SrtPacket.HEADER, seed.length);
            byte[] b = mutate(base, r);
            try {
                SrtHandshake hs = SrtHandshake.parse(b, 0, b.length);
                for (SrtHandshake.Extension e : hs.extensions()) {
                    if (e.type() == SrtHandshake.CMD_SID) {
                        SrtStreamId.parse(SrtHandshake.streamId(e.content()));
                    }
                }
                parsed++;
            } catch (SrtProtocolException expected) {
                // the protocol's own refusal
            }
        }
        assertTrue(parsed > 1000, "mutations still exercise the parser past its checks: " + parsed);
    }

    @Test
    void theListenerSurvivesGarbageAndMutatedPacketsAndKeepsItsGoodConnection() {
        Random r = new Random(7);
        SrtListenerTest.Net net = new SrtListenerTest.Net(new SrtListenerSettings(120, 50, 5_000_000, 256, 0), null);
        SrtCaller caller = net.connect("live/fuzz", 120, null);
        SrtConnection good = net.connection();
        List<byte[]> samples = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            samples.add(caller.data(SrtListenerTest.payload(i), 0, 1316, net.now));
        }
        samples.add(SrtPacket.control(SrtPacket.ACKACK, 0, 1, 0, good.socketId(), 0));
        samples.add(SrtPacket.control(SrtPacket.DROPREQ, 0, 1, 0, good.socketId(), 5, 9));
        samples.add(SrtPacket.control(SrtPacket.USER_DEFINED, SrtPacket.SUBTYPE_KMREQ, 0, 0, good.socketId(), new byte[40]));
        SrtCaller other = new SrtCaller("live/x", 120, null, 4, r, net.now);
        samples.add(other.induction(net.now));
        for (int i = 0; i < 100_000; i++) {
            byte[] d = i % 10 == 0 ? randomBytes(r) : mutate(samples.get(r.nextInt(samples.size())), r);
            SrtPeer peer = r.nextInt(4) == 0 ? SrtListenerTest.CALLER : new SrtPeer("198.51.100." + r.nextInt(4), 5000 + r.nextInt(4));
            net.listener.receive(peer, d, 0, d.length, net.now);
            if (i % 100 == 0) {
                net.now += 1000;
                net.listener.tick(net.now);
                net.pending.forEach(c -> net.listener.reject(c, SrtReject.FORBIDDEN, net.now));
                net.pending.clear();
                net.toCaller.clear();
            }
        }
        assertTrue(net.listener.malformed() > 0);
        assertTrue(net.listener.connections() <= 50, "bounded by max connections");
        // the window accounting stays exact under garbage: what is held is what the windows hold
        long held = net.listener.all().stream().mapToLong(SrtConnection::heldBytes).sum();
        assertEquals(held, net.listener.heldBytes());
        // the good caller is still served
        net.toCaller.clear();
        int before = net.payloads.size();
        byte[] d = caller.data(SrtListenerTest.payload(1), 0, 1316, net.now);
        net.listener.receive(SrtListenerTest.CALLER, d, 0, d.length, net.now);
        if (good.state() == SrtConnection.State.CONNECTED) {
            net.listener.tick(net.now + 1_000_000);
            assertTrue(net.payloads.size() >= before, "still delivering");
        } else {
            // a forged shutdown from the caller's own address may close it: that is the protocol
            assertEquals(SrtConnection.State.CLOSED, good.state());
        }
    }

    @Test
    void anOversizedPayloadIsRefusedNotBuffered() {
        SrtListenerTest.Net net = new SrtListenerTest.Net(SrtListenerSettings.defaults(), null);
        SrtCaller caller = net.connect("live/big", 120, null);
        byte[] big = caller.data(new byte[60_000], 0, 60_000, net.now);
        long before = net.listener.malformed();
        net.toListener(big);
        assertEquals(before + 1, net.listener.malformed());
        assertEquals(0, net.connection().stats().packetsReceived());
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(200)];
        r.nextBytes(b);
        return b;
    }

    static byte[] mutate(byte[] base, Random r) {
        byte[] b = base.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (r.nextInt(4)) {
                case 0 -> {
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt();
                    }
                }
                case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                case 2 -> {
                    if (b.length >= 4) {
                        int p = r.nextInt(b.length - 3) & ~3;
                        SrtPacket.putWord(b, p, r.nextBoolean() ? -1 : r.nextInt(64));
                    }
                }
                default -> b = java.util.Arrays.copyOf(b, b.length + r.nextInt(16));
            }
        }
        return b;
    }
}
