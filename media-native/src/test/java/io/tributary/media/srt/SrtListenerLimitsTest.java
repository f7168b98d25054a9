package io.tributary.media.srt;

import io.tributary.media.srt.SrtListenerTest.Net;
import io.tributary.media.srt.crypto.SrtCrypto;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.tributary.media.srt.SrtListenerTest.CALLER;
import static io.tributary.media.srt.SrtListenerTest.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a stranger can make the listener spend: key derivations, window memory, connection slots. */
class SrtListenerLimitsTest {

    /** An induction from {@code peer} and the conclusion the caller answers it with. */
    private static byte[] conclusion(Net net, SrtPeer peer, SrtCaller caller) {
        byte[] ind = caller.induction(net.now);
        net.listener.receive(peer, ind, 0, ind.length, net.now);
        byte[] answer = net.toCaller.remove(net.toCaller.size() - 1);
        return caller.receive(answer, 0, answer.length, net.now).get(0);
    }

    private static int refusal(byte[] datagram) {
        SrtHandshake hs = SrtHandshake.parse(datagram, SrtPacket.HEADER, datagram.length - SrtPacket.HEADER);
        return hs.type() - SrtHandshake.FAILURE_BASE;
    }

    @Test
    void aReplayedConclusionDerivesItsKeyOnce() {
        Net net = new Net(SrtListenerSettings.defaults(), "stream passphrase");
        byte[] concl = conclusion(net, CALLER, new SrtCaller("live/a", 120, "wrong passphrase", 16, new Random(1), net.now));
        for (int i = 0; i < 50; i++) {
            net.listener.receive(CALLER, concl, 0, concl.length, net.now + i * 1000);
        }
        assertEquals(50, net.toCaller.size(), "every replay answered");
        for (byte[] d : net.toCaller) {
            assertEquals(SrtReject.BADSECRET, refusal(d));
        }
        assertEquals(1, net.listener.keyDerivations(), "the KEK of a replay comes from the cache");
        assertEquals(0, net.listener.connections());
    }

    @Test
    void aForbiddenKeyOrAWrongKeyLengthCostsNoDerivation() {
        Net net = new Net(SrtListenerSettings.defaults(), "stream passphrase", key -> key.equals("allowed"));
        byte[] concl = conclusion(net, CALLER, new SrtCaller("live/other", 120, "stream passphrase", 16, new Random(1), net.now));
        net.listener.receive(CALLER, concl, 0, concl.length, net.now);
        assertEquals(SrtReject.FORBIDDEN, refusal(net.toCaller.get(0)));

        Net aes256 = new Net(new SrtListenerSettings(120, 1000, 5_000_000, 8192, 32), "stream passphrase");
        concl = conclusion(aes256, CALLER, new SrtCaller("live/a", 120, "stream passphrase", 16, new Random(2), aes256.now));
        aes256.listener.receive(CALLER, concl, 0, concl.length, aes256.now);
        assertEquals(SrtReject.CRYPTO, refusal(aes256.toCaller.get(0)), "an AES-128 caller where 32-byte keys are required");
        assertEquals(0, net.listener.keyDerivations() + aes256.listener.keyDerivations());
    }

    @Test
    void derivationsAreRationedPerAddressAndPerListener() {
        Net net = new Net(SrtListenerSettings.defaults(), "stream passphrase");
        SrtPeer one = new SrtPeer("192.0.2.1", 5000);
        for (int i = 0; i < 20; i++) { // each caller a new salt: no cache helps
            byte[] concl = conclusion(net, one, new SrtCaller("live/a", 120, "wrong passphrase", 16, new Random(100 + i), net.now));
            net.listener.receive(one, concl, 0, concl.length, net.now);
        }
        assertEquals(4, net.listener.keyDerivations(), "a burst of " + SrtKekRation.PER_ADDRESS_BURST);
        assertEquals(16, net.listener.conclusionsDropped(), "over the ration: no answer, the caller repeats");
        assertEquals(4, net.toCaller.size());

        net.now += 1_000_000; // 2 more a second from one address
        for (int i = 0; i < 5; i++) {
            byte[] concl = conclusion(net, one, new SrtCaller("live/a", 120, "wrong passphrase", 16, new Random(200 + i), net.now));
            net.listener.receive(one, concl, 0, concl.length, net.now);
        }
        assertEquals(6, net.listener.keyDerivations());

        for (int i = 0; i < 100; i++) { // many addresses: the listener's own ration holds
            SrtPeer peer = new SrtPeer("198.51.100." + i, 5000);
            byte[] concl = conclusion(net, peer, new SrtCaller("live/a", 120, "wrong passphrase", 16, new Random(300 + i), net.now));
            net.listener.receive(peer, concl, 0, concl.length, net.now);
        }
        assertTrue(net.listener.keyDerivations() <= 6 + SrtKekRation.LISTENER_BURST, "derivations " + net.listener.keyDerivations());

        // a legitimate caller refused for now gets in when it repeats a second later
        Net fresh = new Net(SrtListenerSettings.defaults(), "stream passphrase");
        for (int i = 0; i < 4; i++) {
            byte[] concl = conclusion(fresh, CALLER, new SrtCaller("live/a", 120, "wrong passphrase", 16, new Random(400 + i), fresh.now));
            fresh.listener.receive(CALLER, concl, 0, concl.length, fresh.now);
        }
        SrtCaller good = new SrtCaller("live/a", 120, "stream passphrase", 16, new Random(9), fresh.now);
        byte[] concl = conclusion(fresh, CALLER, good);
        fresh.listener.receive(CALLER, concl, 0, concl.length, fresh.now);
        assertEquals(0, fresh.pending.size());
        fresh.listener.receive(CALLER, concl, 0, concl.length, fresh.now + 600_000);
        assertEquals(1, fresh.pending.size());
    }

    @Test
    void aKeyRotationWithANewSaltIsTakenAtMostEveryFiveSeconds() {
        Net net = new Net(SrtListenerSettings.defaults(), "stream passphrase");
        net.connect("live/a", 120, "stream passphrase");
        SrtConnection c = net.connection();
        net.toCaller.clear();
        long derivations = net.listener.keyDerivations();
        Random r = new Random(5);
        int answered = 0;
        for (int i = 0; i < 20; i++) { // a KMREQ with a new salt every 500 ms for 10 s
            net.now += 500_000;
            byte[] salt = new byte[16];
            byte[] sek = new byte[16];
            r.nextBytes(salt);
            r.nextBytes(sek);
            byte[] km = SrtCrypto.buildKmRequest("stream passphrase", 16, salt, sek, null);
            byte[] kmreq = SrtPacket.control(SrtPacket.USER_DEFINED, SrtPacket.SUBTYPE_KMREQ, 0, 0, c.socketId(), km);
            net.listener.receive(CALLER, kmreq, 0, kmreq.length, net.now);
            for (byte[] d : net.toCaller) {
                if (SrtPacket.isControl(d, 0) && SrtPacket.controlType(d, 0) == SrtPacket.USER_DEFINED
                        && SrtPacket.subtype(d, 0) == SrtPacket.SUBTYPE_KMRSP) {
                    answered++;
                }
            }
            net.toCaller.clear();
        }
        assertEquals(2, net.listener.keyDerivations() - derivations, "at 5 s and 10 s after the handshake");
        assertEquals(2, answered, "the others are ignored: a real sender repeats its KMREQ");
    }

    @Test
    void aPacketDueFarAheadIsDroppedNotHeld() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        SrtCaller caller = net.connect("live/a", 120, null);
        SrtConnection c = net.connection();
        byte[] far = caller.data(payload(0), 0, 1316, net.now).clone();
        SrtPacket.putWord(far, 8, SrtPacket.timestamp(far, 0) + 60_000_000); // a minute ahead
        net.toListener(far);
        assertEquals(1, c.tooEarly());
        assertEquals(0, c.held(), "nothing held for a minute");
        byte[] soon = caller.data(payload(1), 0, 1316, net.now).clone();
        SrtPacket.putWord(soon, 8, SrtPacket.timestamp(soon, 0) + 1_000_000); // within latency + 2 s: held
        net.toListener(soon);
        assertEquals(1, c.tooEarly());
        assertEquals(1, c.held());
    }

    @Test
    void listenersSharingAPortCapOneAddressTogether() {
        SrtHostCounts hosts = new SrtHostCounts();
        Net[] listeners = {new Net(hosts, SrtListenerSettings.defaults()), new Net(hosts, SrtListenerSettings.defaults())};
        for (int i = 0; i < 16; i++) { // the kernel spreads one host's ports over the listeners: alternate
            Net net = listeners[i % 2];
            net.caller = new SrtCaller("live/k" + i, 120, null, 16, new Random(i), net.now);
            net.toListener(conclusion(net, CALLER, net.caller));
            net.pump();
            assertEquals(SrtCaller.State.CONNECTED, net.caller.state(), "caller " + i);
        }
        assertEquals(16, hosts.count(CALLER.host()));
        for (Net net : listeners) {
            byte[] concl = conclusion(net, CALLER, new SrtCaller("live/more", 120, null, 16, new Random(40), net.now));
            net.listener.receive(CALLER, concl, 0, concl.length, net.now);
            assertEquals(SrtReject.OVERLOAD, refusal(net.toCaller.get(net.toCaller.size() - 1)), "past the node's 16, on either listener");
            assertEquals(8, net.listener.connections());
        }
        Net first = listeners[0];
        first.listener.close(first.connection(), "test", first.now);
        assertEquals(15, hosts.count(CALLER.host()), "a closed connection leaves the shared count");
        SrtCaller again = new SrtCaller("live/again", 120, null, 16, new Random(41), listeners[1].now);
        listeners[1].caller = again;
        listeners[1].toListener(conclusion(listeners[1], CALLER, again));
        listeners[1].pump();
        assertEquals(SrtCaller.State.CONNECTED, again.state(), "its slot is free on the other listener");
    }

    @Test
    void oneAddressHoldsAtMostSixteenConnections() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        for (int i = 0; i < 16; i++) {
            net.caller = new SrtCaller("live/k" + i, 120, null, 16, new Random(i), net.now);
            byte[] concl = conclusion(net, CALLER, net.caller); // one cookie (same address, port, minute) would do for all
            net.toListener(concl);
            net.pump();
            assertEquals(SrtCaller.State.CONNECTED, net.caller.state(), "caller " + i);
        }
        SrtCaller seventeenth = new SrtCaller("live/k16", 120, null, 16, new Random(16), net.now);
        byte[] concl = conclusion(net, CALLER, seventeenth);
        net.listener.receive(CALLER, concl, 0, concl.length, net.now);
        assertEquals(SrtReject.OVERLOAD, refusal(net.toCaller.get(net.toCaller.size() - 1)));
        assertEquals(16, net.listener.connections());

        SrtPeer other = new SrtPeer("10.0.0.8", 40000);
        concl = conclusion(net, other, new SrtCaller("live/x", 120, null, 16, new Random(99), net.now));
        net.listener.receive(other, concl, 0, concl.length, net.now);
        assertEquals(17, net.listener.connections(), "another address is not affected");

        // one of the sixteen leaves: its slot is free again
        SrtConnection first = net.listener.all().stream().filter(x -> x.peer().equals(CALLER)).findFirst().orElseThrow();
        net.listener.close(first, "test", net.now);
        concl = conclusion(net, CALLER, new SrtCaller("live/k17", 120, null, 16, new Random(17), net.now));
        net.listener.receive(CALLER, concl, 0, concl.length, net.now);
        assertEquals(17, net.listener.connections());
        assertEquals(1, net.pending.stream().filter(x -> x.peer().equals(CALLER)).count(), "taken, awaiting its answer");
    }

    @Test
    void aTimestampWrapJustAfterTheHandshakeKeepsTheTsbpdTime() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        // the caller's 32-bit clock wraps 2 ms after its conclusion
        net.caller = new SrtCaller("live/w", 120, null, 64, new Random(3), net.now - 0xFFFFFFFFL + 2_000);
        net.toListener(net.caller.induction(net.now));
        net.pump();
        assertEquals(SrtCaller.State.CONNECTED, net.caller.state());
        net.advance(5_000);
        long sentAt = net.now;
        net.toListener(net.caller.data(payload(0), 0, 1316, net.now));
        net.advance(100_000);
        assertEquals(0, net.payloads.size(), "not delivered 71 minutes early");
        net.advance(30_000);
        assertEquals(1, net.payloads.size());
        long at = net.deliveries.get(0)[1];
        assertTrue(at - sentAt >= 120_000 && at - sentAt <= 121_000, "delivered " + (at - sentAt) + " us after sending");
    }
}
