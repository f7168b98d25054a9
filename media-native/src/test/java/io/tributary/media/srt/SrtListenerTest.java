package io.tributary.media.srt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listener against the sans-IO caller on a simulated network and clock. */
class SrtListenerTest {

    static final SrtPeer CALLER = new SrtPeer("10.0.0.7", 40000);

    /** Listener + caller wired through lists of datagrams; a drop predicate decides each caller->listener datagram's fate. */
    static final class Net implements SrtListener.Output {
        final SrtListener listener;
        SrtCaller caller;
        long now = 1_000_000_000L;
        final List<byte[]> toCaller = new ArrayList<>();
        final List<SrtConnection> pending = new ArrayList<>();
        final List<long[]> deliveries = new ArrayList<>(); // {payload index, time}
        final List<byte[]> payloads = new ArrayList<>();
        final List<String> closed = new ArrayList<>();
        Predicate<byte[]> dropToListener = p -> false;
        int acceptOrReason = -1;
        /** Hand each datagram over ({@link SrtListener#receiveOwned}, a fresh array each) instead of lending it. */
        boolean owned;
        /** Arrays handed over, and those payloads were delivered from (identity: no copy in between). */
        final java.util.Set<byte[]> handedOver = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        int deliveredFromHandedOver;
        /** The caller's clock against ours (a drifting crystal in the drift test). */
        java.util.function.LongUnaryOperator callerClock = t -> t;

        Net(SrtListenerSettings settings, String passphrase) {
            this(settings, passphrase, key -> true);
        }

        Net(SrtListenerSettings settings, String passphrase, Predicate<String> keyAllowed) {
            listener = new SrtListener(settings, key -> passphrase, keyAllowed, this, new Random(7));
        }

        /** A listener counting hosts in {@code hosts}, as the listeners sharing one port do. */
        Net(SrtHostCounts hosts, SrtListenerSettings settings) {
            listener = new SrtListener(settings, key -> null, id -> 0, hosts, this, new Random(7));
        }

        @Override
        public void send(SrtPeer peer, byte[] datagram) {
            toCaller.add(datagram);
        }

        @Override
        public void connecting(SrtConnection connection) {
            pending.add(connection);
        }

        @Override
        public void delivered(SrtConnection connection, byte[] payload) {
            payloads.add(payload);
            deliveries.add(new long[]{payloads.size() - 1, now});
        }

        @Override
        public void delivered(SrtConnection connection, byte[] buf, int off, int len) {
            if (handedOver.contains(buf)) {
                deliveredFromHandedOver++;
            }
            delivered(connection, java.util.Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void closed(SrtConnection connection, String reason) {
            closed.add(reason);
        }

        void toListener(byte[] datagram) {
            if (!dropToListener.test(datagram)) {
                if (owned) {
                    byte[] mine = new byte[datagram.length + 10]; // at an offset, as a read buffer may have it
                    System.arraycopy(datagram, 0, mine, 5, datagram.length);
                    handedOver.add(mine);
                    listener.receiveOwned(CALLER, mine, 5, datagram.length, now);
                } else {
                    listener.receive(CALLER, datagram, 0, datagram.length, now);
                }
            }
        }

        /** Exchanges datagrams until both sides are quiet (answers the pending connection as told). */
        void pump() {
            for (int round = 0; round < 100; round++) {
                for (SrtConnection c : pending) {
                    if (acceptOrReason < 0) {
                        listener.accept(c, now);
                    } else {
                        listener.reject(c, acceptOrReason, now);
                    }
                }
                pending.clear();
                if (toCaller.isEmpty()) {
                    return;
                }
                List<byte[]> batch = new ArrayList<>(toCaller);
                toCaller.clear();
                for (byte[] d : batch) {
                    for (byte[] reply : caller.receive(d, 0, d.length, callerClock.applyAsLong(now))) {
                        toListener(reply);
                    }
                }
            }
        }

        SrtCaller connect(String streamId, int latencyMs, String passphrase) {
            caller = new SrtCaller(streamId, latencyMs, passphrase, 1024, new Random(3), now);
            toListener(caller.induction(now));
            pump();
            return caller;
        }

        void advance(long micros) {
            long end = now + micros;
            while (now < end) {
                now = Math.min(end, now + 1000);
                listener.tick(now);
                for (byte[] d : caller.tick(callerClock.applyAsLong(now))) {
                    toListener(d);
                }
                pump();
            }
        }

        SrtConnection connection() {
            return listener.all().get(0);
        }
    }

    static byte[] payload(int i) {
        byte[] p = new byte[1316];
        for (int k = 0; k < p.length; k += 188) {
            p[k] = 0x47;
            p[k + 1] = (byte) i;
            p[k + 2] = (byte) (i >> 8);
        }
        return p;
    }

    @Test
    void handshakeNegotiatesTheLargerLatencyAndDeliversAtTheTsbpdTime() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        SrtCaller caller = net.connect("#!::r=live/abc,m=publish", 300, null);
        assertEquals(SrtCaller.State.CONNECTED, caller.state());
        assertEquals(300, caller.negotiatedLatencyMs());
        SrtConnection c = net.connection();
        assertEquals("abc", c.streamId().key());
        long sentAt = net.now;
        net.toListener(caller.data(payload(0), 0, 1316, net.now));
        net.advance(299_000);
        assertEquals(0, net.payloads.size(), "not before its time");
        net.advance(2_000);
        assertEquals(1, net.payloads.size());
        long at = net.deliveries.get(0)[1];
        assertTrue(at - sentAt >= 300_000 && at - sentAt <= 301_000, "delivered " + (at - sentAt) + " us after sending");
    }

    @Test
    void plainStreamIdAndTheDefaultLatency() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        SrtCaller caller = net.connect("live/plain", 20, null);
        assertEquals(120, caller.negotiatedLatencyMs());
        assertEquals("plain", net.connection().streamId().key());
    }

    @Test
    void aLostPacketIsNakedRetransmittedAndDeliveredInOrder() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        SrtCaller caller = net.connect("live/k", 120, null);
        net.dropToListener = d -> !SrtPacket.isControl(d, 0) && !SrtPacket.retransmitted(d, 0) && SrtPacket.sequence(d, 0) % 10 == 3;
        for (int i = 0; i < 100; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.now));
            net.pump();
            net.advance(4_000);
        }
        net.advance(500_000);
        assertEquals(100, net.payloads.size());
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(payload(i), net.payloads.get(i), "payload " + i + " in order");
        }
        SrtStats s = net.connection().stats();
        assertTrue(s.lost() >= 9, "lost " + s.lost());
        assertEquals(s.lost(), s.retransmitted());
        assertEquals(0, s.droppedTooLate());
        assertTrue(caller.acks() > 10, "full ACKs every 10 ms: " + caller.acks());
    }

    @Test
    void handedOverDatagramsAreDeliveredUncopiedAndRandomLossIsRepairedByNakReports() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        net.owned = true;
        SrtCaller caller = net.connect("live/k", 120, null);
        // 10 % of data packets lost at random, retransmissions too: what the immediate NAK misses, the NAK reports repair
        Random loss = new Random(5);
        net.dropToListener = d -> !SrtPacket.isControl(d, 0) && loss.nextInt(10) == 0;
        for (int i = 0; i < 400; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.now));
            net.pump();
            net.advance(4_000);
        }
        net.advance(500_000);
        SrtStats s = net.connection().stats();
        assertEquals(400, net.payloads.size(), "all delivered; " + s);
        for (int i = 0; i < 400; i++) {
            assertArrayEquals(payload(i), net.payloads.get(i), "payload " + i + " in order");
        }
        assertEquals(400, net.deliveredFromHandedOver, "every payload delivered from the array handed over");
        assertTrue(s.lost() >= 20, "lost " + s.lost());
        assertTrue(caller.retransmitted() > s.lost(), "some retransmissions were lost and asked for again: "
                + caller.retransmitted() + " sent for " + s.lost() + " lost");
        assertEquals(0, s.droppedTooLate());
        assertEquals(0, net.connection().held());
    }

    @Test
    void handedOverEncryptedDatagramsAreDecryptedInPlaceAndDelivered() {
        String secret = "a passphrase for the owned path";
        Net net = new Net(SrtListenerSettings.defaults(), secret);
        net.owned = true;
        SrtCaller caller = net.connect("live/k", 120, secret);
        assertEquals(SrtCaller.State.CONNECTED, caller.state());
        Random loss = new Random(9);
        net.dropToListener = d -> !SrtPacket.isControl(d, 0) && loss.nextInt(20) == 0;
        for (int i = 0; i < 100; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.now));
            net.pump();
            net.advance(4_000);
        }
        net.advance(500_000);
        assertEquals(100, net.payloads.size(), "all delivered; " + net.connection().stats());
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(payload(i), net.payloads.get(i), "payload " + i + " decrypted, in order");
        }
        assertEquals(100, net.deliveredFromHandedOver);
        assertEquals(0, net.connection().stats().undecryptable());
    }

    @Test
    void ackAckGivesTheRoundTripTime() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        SrtCaller caller = net.connect("live/k", 120, null);
        // the caller's ACKACKs come back 30 ms after the ACK
        List<byte[]> delayed = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.now));
            for (int step = 0; step < 5; step++) {
                net.now += 1000;
                net.listener.tick(net.now);
                List<byte[]> batch = new ArrayList<>(net.toCaller);
                net.toCaller.clear();
                for (byte[] d : batch) {
                    for (byte[] r : caller.receive(d, 0, d.length, net.now)) {
                        delayed.add(r);
                        long due = net.now + 30_000;
                        delayed.set(delayed.size() - 1, withDue(r, due));
                    }
                }
                List<byte[]> ready = new ArrayList<>();
                delayed.removeIf(r -> {
                    if (dueOf(r) <= net.now) {
                        ready.add(r);
                        return true;
                    }
                    return false;
                });
                for (byte[] r : ready) {
                    byte[] d = java.util.Arrays.copyOf(r, r.length - 8);
                    net.toListener(d);
                }
            }
        }
        int rtt = net.connection().stats().rttMicros();
        assertTrue(Math.abs(rtt - 30_000) < 3_000, "rtt " + rtt);
    }

    /**
     * A caller whose clock runs 1000 ppm slow or fast (far more than a real crystal, to see it in a
     * minute): uncorrected, its packets would be due 60 ms early (eating the latency until they
     * arrive too late) or 60 ms late by the end. The drift tracer moves the time base on ACKACKs, so
     * the last 20 s are still delivered within a few ms of the negotiated latency after sending.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(doubles = {0.999, 1.001})
    void aDriftingCallerClockIsFollowed(double rate) {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        long origin = net.now;
        net.callerClock = t -> origin + Math.round((t - origin) * rate);
        SrtCaller caller = net.connect("live/drift", 120, null);
        assertEquals(SrtCaller.State.CONNECTED, caller.state());
        List<long[]> sent = new ArrayList<>(); // {payload index, our send time}
        int packets = 6000; // 60 s, one every 10 ms
        for (int i = 0; i < packets; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.callerClock.applyAsLong(net.now)));
            sent.add(new long[]{i, net.now});
            net.advance(10_000);
        }
        net.advance(500_000);
        assertEquals(packets, net.payloads.size(), "every packet delivered, none too late");
        long worst = 0;
        for (int k = packets - 2000; k < packets; k++) {
            long delay = net.deliveries.get(k)[1] - sent.get(k)[1];
            worst = Math.max(worst, Math.abs(delay - 120_000));
        }
        assertTrue(worst <= 25_000, "the last 20 s within 25 ms of the latency, worst " + worst + " us off");
        long drift = net.connection().stats().driftMicros();
        assertTrue(rate < 1 ? drift > 30_000 : drift < -30_000, "the time base moved by " + drift + " us");
    }

    /**
     * The receive windows of all connections together hold at most maxHeldBytes: a caller that keeps
     * its first packet back (everything after it waits for its delivery time) fills its share and
     * the rest is dropped and counted, not held; delivery and closing give every byte back.
     */
    @Test
    void theWindowsTogetherHoldNoMoreThanTheBudget() {
        long budget = 50L * 1316;
        Net net = new Net(new SrtListenerSettings(120, 10, 5_000_000, 8192, 0, 16, budget), null);
        SrtCaller caller = net.connect("live/full", 120, null);
        caller.data(payload(0), 0, 1316, net.now); // sent, lost on the way: the window waits for it
        for (int i = 1; i <= 200; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.now));
        }
        assertEquals(budget, net.listener.heldBytes(), "the budget, full");
        assertEquals(150, net.listener.overBudget());
        net.advance(200_000);
        assertEquals(0, net.listener.heldBytes(), "delivered: given back");
        assertTrue(net.payloads.size() >= 50, "what was held is delivered: " + net.payloads.size());
        for (int i = 201; i <= 230; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.now));
        }
        assertTrue(net.listener.heldBytes() > 0);
        net.toListener(caller.shutdown(net.now));
        assertEquals(0, net.listener.heldBytes(), "closed: given back");
        assertEquals(0, net.listener.connections());
    }

    private static byte[] withDue(byte[] d, long due) {
        byte[] r = java.util.Arrays.copyOf(d, d.length + 8);
        for (int i = 0; i < 8; i++) {
            r[d.length + i] = (byte) (due >>> (56 - 8 * i));
        }
        return r;
    }

    private static long dueOf(byte[] r) {
        long v = 0;
        for (int i = r.length - 8; i < r.length; i++) {
            v = (v << 8) | (r[i] & 0xFF);
        }
        return v;
    }

    @Test
    void aPacketThatNeverComesIsSkippedWhenTheNextOneIsDue() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        SrtCaller caller = net.connect("live/k", 120, null);
        // payload 5 never gets through, retransmissions included
        net.dropToListener = d -> !SrtPacket.isControl(d, 0) && d[SrtPacket.HEADER + 1] == 5 && d[SrtPacket.HEADER + 2] == 0;
        for (int i = 0; i < 20; i++) {
            net.toListener(caller.data(payload(i), 0, 1316, net.now));
            net.advance(10_000);
        }
        net.advance(300_000);
        assertEquals(19, net.payloads.size());
        assertEquals(1, net.connection().stats().droppedTooLate());
        assertArrayEquals(payload(4), net.payloads.get(4));
        assertArrayEquals(payload(6), net.payloads.get(5));
    }

    @Test
    void sequenceNumbersAndTimestampsWrap() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        // the caller's clock began 2^32 us - 0.5 s ago: its timestamps wrap half a second in
        net.caller = new SrtCaller("live/w", 120, null, 1024, new Random(3), net.now - 0xFFFFFFFFL + 500_000, SrtSeq.MAX - 20);
        net.toListener(net.caller.induction(net.now));
        net.pump();
        assertEquals(SrtCaller.State.CONNECTED, net.caller.state());
        net.dropToListener = d -> !SrtPacket.isControl(d, 0) && !SrtPacket.retransmitted(d, 0) && SrtPacket.sequence(d, 0) == 2;
        for (int i = 0; i < 100; i++) {
            net.toListener(net.caller.data(payload(i), 0, 1316, net.now));
            net.advance(10_000);
            assertTrue(net.payloads.size() >= i - 13, "delivery keeps pace across the wraps at packet " + i);
        }
        net.advance(300_000);
        assertEquals(100, net.payloads.size());
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(payload(i), net.payloads.get(i));
        }
        assertEquals(0, net.connection().stats().droppedTooLate());
        assertEquals(1, net.connection().stats().retransmitted());
    }

    @Test
    void aSilentCallerTimesOutAndAShutdownCloses() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        net.connect("live/a", 120, null);
        net.listener.tick(net.now + 4_900_000);
        assertEquals(1, net.listener.connections());
        net.listener.tick(net.now + 5_000_000);
        assertEquals(0, net.listener.connections());
        assertTrue(net.closed.get(0).startsWith("peer silent"), net.closed.toString());

        SrtCaller c2 = net.connect("live/b", 120, null);
        net.toListener(c2.shutdown(net.now));
        assertEquals(List.of("peer shut down"), net.closed.subList(1, 2));
        assertEquals(0, net.listener.connections());
    }

    @Test
    void keepalivesKeepAnIdleConnection() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        net.connect("live/a", 120, null);
        net.advance(12_000_000);
        assertEquals(1, net.listener.connections());
        assertTrue(net.closed.isEmpty());
    }

    @Test
    void refusalsCarryTheirReason() {
        assertEquals(SrtReject.BAD_MODE, refusedWith("#!::r=live/a,m=request", null, null, -1));
        assertEquals(SrtReject.BAD_MODE, refusedWith("#!::r=live/a", null, null, -1));
        assertEquals(SrtReject.BAD_REQUEST, refusedWith(null, null, null, -1));
        assertEquals(SrtReject.BAD_REQUEST, refusedWith("#!::m=publish", null, null, -1));
        assertEquals(SrtReject.UNSECURE, refusedWith("live/a", "stream passphrase", null, -1));
        assertEquals(SrtReject.UNSECURE, refusedWith("live/a", null, "caller passphrase", -1));
        assertEquals(SrtReject.BADSECRET, refusedWith("live/a", "stream passphrase", "another passphrase", -1));
        assertEquals(SrtReject.CONFLICT, refusedWith("live/a", null, null, SrtReject.CONFLICT));
        assertEquals(-1, refusedWith("live/a", "stream passphrase", "stream passphrase", -1));
    }

    private static int refusedWith(String streamId, String listenerPassphrase, String callerPassphrase, int decision) {
        Net net = new Net(SrtListenerSettings.defaults(), listenerPassphrase);
        net.acceptOrReason = decision;
        SrtCaller caller = net.connect(streamId, 120, callerPassphrase);
        if (caller.state() == SrtCaller.State.CONNECTED) {
            assertEquals(1, net.listener.connections());
            if (callerPassphrase != null) {
                net.toListener(caller.data(payload(9), 0, 1316, net.now));
                net.advance(200_000);
                assertArrayEquals(payload(9), net.payloads.get(0), "decrypted");
            }
            return -1;
        }
        assertEquals(SrtCaller.State.REJECTED, caller.state());
        assertEquals(0, net.listener.connections(), "a refused caller leaves nothing behind");
        return caller.rejectReason();
    }

    @Test
    void moreCallersThanAllowedAreRefused() {
        Net net = new Net(new SrtListenerSettings(120, 2, 5_000_000, 8192, 0), null);
        SrtCaller[] callers = new SrtCaller[3];
        for (int i = 0; i < 3; i++) {
            callers[i] = new SrtCaller("live/k" + i, 120, null, 16, new Random(i), net.now);
            net.caller = callers[i];
            net.toListener(callers[i].induction(net.now));
            net.pump();
        }
        assertEquals(SrtCaller.State.CONNECTED, callers[1].state());
        assertEquals(SrtCaller.State.REJECTED, callers[2].state());
        assertEquals(SrtReject.OVERLOAD, callers[2].rejectReason());
    }

    @Test
    void anInductionFloodAllocatesNothingAndForgedCookiesAreIgnored() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        Random r = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            SrtPeer peer = new SrtPeer("192.0.2." + (i % 250), 1024 + i);
            SrtCaller c = new SrtCaller("live/x", 120, null, 1, r, net.now);
            byte[] ind = c.induction(net.now);
            net.listener.receive(peer, ind, 0, ind.length, net.now);
        }
        assertEquals(20_000, net.toCaller.size(), "every induction answered");
        assertEquals(0, net.listener.connections());
        // a conclusion with a cookie made up, or taken from another address, creates nothing
        SrtCaller c = new SrtCaller("live/x", 120, null, 1, r, net.now);
        byte[] ind = c.induction(net.now);
        net.listener.receive(new SrtPeer("192.0.2.1", 999), ind, 0, ind.length, net.now);
        byte[] answer = net.toCaller.get(net.toCaller.size() - 1);
        List<byte[]> conclusion = c.receive(answer, 0, answer.length, net.now);
        net.listener.receive(new SrtPeer("192.0.2.2", 999), conclusion.get(0), 0, conclusion.get(0).length, net.now);
        assertEquals(0, net.listener.connections());
        assertTrue(net.pending.isEmpty());
        // the same conclusion from the address the cookie was made for is taken
        net.listener.receive(new SrtPeer("192.0.2.1", 999), conclusion.get(0), 0, conclusion.get(0).length, net.now);
        assertEquals(1, net.listener.connections());
        // a cookie older than two minutes is no longer good
        SrtCaller late = new SrtCaller("live/y", 120, null, 1, r, net.now);
        byte[] lateInd = late.induction(net.now);
        net.listener.receive(new SrtPeer("192.0.2.9", 998), lateInd, 0, lateInd.length, net.now);
        byte[] lateAnswer = net.toCaller.get(net.toCaller.size() - 1);
        List<byte[]> lateConclusion = late.receive(lateAnswer, 0, lateAnswer.length, net.now);
        net.listener.receive(new SrtPeer("192.0.2.9", 998), lateConclusion.get(0), 0, lateConclusion.get(0).length, net.now + 130_000_000L);
        assertEquals(1, net.listener.connections());
    }

    @Test
    void aRepeatedConclusionGetsTheSameAnswerAndNoSecondConnection() {
        Net net = new Net(SrtListenerSettings.defaults(), null);
        SrtCaller c = new SrtCaller("live/x", 120, null, 1, new Random(5), net.now);
        byte[] ind = c.induction(net.now);
        net.listener.receive(CALLER, ind, 0, ind.length, net.now);
        byte[] concl = c.receive(net.toCaller.get(0), 0, net.toCaller.get(0).length, net.now).get(0);
        net.listener.receive(CALLER, concl, 0, concl.length, net.now);
        net.listener.receive(CALLER, concl, 0, concl.length, net.now); // pending: ignored
        assertEquals(1, net.pending.size());
        net.listener.accept(net.pending.get(0), net.now);
        net.listener.receive(CALLER, concl, 0, concl.length, net.now);
        assertEquals(1, net.listener.connections());
        assertEquals(3, net.toCaller.size(), "induction answer, conclusion answer, the repeat");
        assertArrayEquals(net.toCaller.get(1), net.toCaller.get(2));
    }
}
