package io.tributary.media.srt;

import io.tributary.media.srt.crypto.SrtCrypto;
import io.tributary.media.srt.crypto.SrtCryptoException;

import java.util.Arrays;

/**
 * One caller's live-mode receive side: reorders packets by sequence number, asks for the
 * missing ones (NAK at once on a gap, then periodic NAK reports), acknowledges every 10 ms
 * (full ACK with RTT and rates, answered by ACKACK for the RTT estimate), and delivers each
 * payload at its TSBPD time: the sender's timestamp on the peer's time base plus the
 * negotiated latency. A packet still missing when a later one is due is given up
 * (too-late drop). Created by {@link SrtListener}; driven by its clock, never a thread.
 */
public final class SrtConnection {

    public enum State { PENDING, CONNECTED, CLOSED }

    static final long ACK_INTERVAL = 10_000;
    static final long MIN_NAK_INTERVAL = 20_000;
    static final long KEEPALIVE_INTERVAL = 1_000_000;
    /** A packet due later than latency + this is dropped, not held: live senders send at most about the latency ahead. */
    static final long MAX_AHEAD = 2_000_000;
    /** A KMREQ with a new salt (a new PBKDF2) is taken at most this often; in between it is ignored, the peer repeats it. */
    static final long KEK_DERIVATION_INTERVAL = 5_000_000;
    /** Samples averaged before the time base moves (as libsrt does: about 10 s of ACKACKs). */
    static final int DRIFT_SAMPLES = 1000;
    /** Drift within this is jitter; beyond it the time base moves by the excess (µs). */
    static final long DRIFT_TOLERANCE = 5_000;
    /** A NAK fits one datagram. */
    private static final int MAX_NAK_WORDS = 300;
    private static final byte[] SKIPPED = new byte[0];
    /** libsrt's largest payload (1500-byte MTU less IP, UDP and SRT headers): bounds what the window holds. */
    static final int MAX_PAYLOAD = 1456;

    private final SrtListener listener;
    private final int socketId;
    private final int peerSocketId;
    private final SrtPeer peer;
    private final SrtStreamId streamId;
    private final int latencyMs;
    private final long latency;
    /** Our clock when the connection began: outgoing timestamps count from it. */
    private final long start;
    /**
     * The peer's time zero on our clock: a packet stamped t is due at timeBase + t + latency. Moved by
     * the drift tracer when the two clocks run apart, so that hours of a stream neither pile up
     * delay nor start dropping packets as too late.
     */
    private long timeBase;
    // clock drift, sampled on each ACKACK (every ~10 ms) and applied per DRIFT_SAMPLES
    private long driftSum;
    private int driftSamples;
    private int firstRtt = -1;
    private long driftCorrection;
    private final SrtCrypto decryption;
    byte[] conclusionAnswer;
    State state = State.PENDING;
    private Object attachment;

    // the listener's timer wheel: this connection's slot and neighbours there, and the time it wakes
    SrtConnection wheelNext;
    SrtConnection wheelPrev;
    int wheelBucket = -1;
    long wakeAt;

    // receive window: slot i holds sequence head + (i - headSlot) mod capacity; a payload is
    // slots[i][offsets[i] .. offsets[i] + lengths[i]) (the datagram itself when the owner handed it over)
    private final byte[][] slots;
    private final int[] offsets;
    private final int[] lengths;
    private final long[] stamps;
    /** Slots in [head, next) still empty, as ranges kept up to date on arrival: ACKs and NAKs read it, never the window. */
    private final SrtLossList loss;
    private final int capacity;
    private int headSlot;
    /** Next sequence to deliver. */
    private int head;
    /** One past the highest sequence received. */
    private int next;

    // timestamps: 32-bit microseconds, extended across their wrap (~71 min)
    private long lastStamp = -1;
    private long stampWrap;

    // acknowledgement and RTT
    private int ackNumber;
    private final int[] ackSeqs = new int[64];
    private final int[] ackNumbers = new int[64];
    private final long[] ackTimes = new long[64];
    private int lastAckSent = -1;
    private long lastAckTime;
    private int lastAckAcked = -1;
    private long nextAck;
    private long nextNak;
    private int rtt = 100_000;
    private int rttVar = 50_000;
    private boolean rttMeasured;
    private long lastHeard;
    private long lastSent;

    // rates over the last second
    private long rateWindowStart;
    private int windowPackets;
    private long windowBytes;
    private int packetRate;
    private long byteRate;

    // figures
    private long received;
    private long bytes;
    private long lost;
    private long retransmitted;
    private long droppedTooLate;
    private long duplicates;
    private long belated;
    private long undecryptable;
    private long delivered;
    private long tooEarly;
    private long lastKekDerivation;

    SrtConnection(SrtListener listener, int socketId, int peerSocketId, SrtPeer peer, SrtStreamId streamId, int latencyMs,
                  int initialSequence, int capacity, long now, long peerTimestamp, SrtCrypto decryption) {
        this.listener = listener;
        this.socketId = socketId;
        this.peerSocketId = peerSocketId;
        this.peer = peer;
        this.streamId = streamId;
        this.latencyMs = latencyMs;
        this.latency = latencyMs * 1000L;
        this.start = now;
        this.timeBase = now - (peerTimestamp & 0xFFFFFFFFL);
        this.decryption = decryption;
        this.capacity = capacity;
        this.slots = new byte[capacity][];
        this.offsets = new int[capacity];
        this.lengths = new int[capacity];
        this.stamps = new long[capacity];
        this.loss = new SrtLossList(capacity);
        this.head = initialSequence;
        this.next = initialSequence;
        this.lastHeard = now;
        this.lastSent = now;
        this.nextAck = now + ACK_INTERVAL;
        this.nextNak = now + MIN_NAK_INTERVAL;
        this.rateWindowStart = now;
        this.lastKekDerivation = now; // the conclusion's KMREQ was this connection's derivation
        this.lastStamp = peerTimestamp & 0xFFFFFFFFL; // the handshake's stamp: a wrap before the first data packet is seen
    }

    public int socketId() {
        return socketId;
    }

    public int peerSocketId() {
        return peerSocketId;
    }

    public SrtPeer peer() {
        return peer;
    }

    public SrtStreamId streamId() {
        return streamId;
    }

    public int latencyMs() {
        return latencyMs;
    }

    public boolean encrypted() {
        return decryption != null;
    }

    public State state() {
        return state;
    }

    /** Whatever the owner keeps with the connection (its publication, say). */
    public Object attachment() {
        return attachment;
    }

    public void attach(Object value) {
        attachment = value;
    }

    /** Data packets dropped because they were due more than latency + 2 s ahead. */
    public long tooEarly() {
        return tooEarly;
    }

    /** Packets held in the receive window now (awaiting delivery). */
    public int held() {
        int n = 0;
        for (byte[] s : slots) {
            if (s != null && s != SKIPPED) {
                n++;
            }
        }
        return n;
    }

    public SrtStats stats() {
        return new SrtStats(received, bytes, lost, retransmitted, droppedTooLate, duplicates, belated, undecryptable, delivered,
                rtt, rttVar, latencyMs, driftCorrection);
    }

    // ---- input ----

    /** A data packet; {@code owned}: the datagram's array is ours to keep (no copy), else it is copied. */
    void data(byte[] buf, int off, int len, long now, boolean owned) {
        if (len - SrtPacket.HEADER > MAX_PAYLOAD) {
            throw new SrtProtocolException("data payload of " + (len - SrtPacket.HEADER) + " bytes, at most " + MAX_PAYLOAD);
        }
        lastHeard = now;
        int seq = SrtPacket.sequence(buf, off);
        boolean rexmit = SrtPacket.retransmitted(buf, off);
        int payloadLen = len - SrtPacket.HEADER;
        received++;
        bytes += payloadLen;
        windowPackets++;
        windowBytes += payloadLen;
        if (rexmit) {
            retransmitted++;
        }
        int d = SrtSeq.offset(head, seq);
        if (d < 0) {
            belated++;
            return;
        }
        if (d >= capacity) {
            // beyond the window: a sender this far ahead has lost its receiver; count it as lost
            lost++;
            return;
        }
        int slot = (headSlot + d) % capacity;
        if (slots[slot] != null) {
            duplicates++;
            return;
        }
        int stamp = SrtPacket.timestamp(buf, off);
        if (due(extension(stamp)) - now > latency + MAX_AHEAD) {
            tooEarly++; // held, it would pin a window slot (and 1.5 KB) until then: the sender's clock is not ours
            return;
        }
        if (!listener.hold(payloadLen)) {
            return; // left missing: a NAK asks for it again, by when the windows may have room
        }
        byte[] payload;
        int payloadOff;
        if (owned) {
            payload = buf;
            payloadOff = off + SrtPacket.HEADER;
        } else {
            payload = Arrays.copyOfRange(buf, off + SrtPacket.HEADER, off + len);
            payloadOff = 0;
        }
        int keyFlags = SrtPacket.keyFlags(buf, off);
        if (keyFlags != 0) {
            if (decryption == null || !decryption.decrypt(payload, payloadOff, payloadLen, seq, keyFlags)) {
                listener.release(payloadLen);
                undecryptable++;
                return; // left missing: a later packet's deadline skips it
            }
        }
        slots[slot] = payload;
        offsets[slot] = payloadOff;
        lengths[slot] = payloadLen;
        long extended = extend(stamp);
        stamps[slot] = extended;
        int gap = SrtSeq.offset(next, seq);
        if (gap >= 0) {
            if (gap > 0) {
                lost += gap;
                int last = SrtSeq.add(seq, -1);
                loss.append(next, last);
                sendNak(next, last, now);
            }
            next = SrtSeq.next(seq);
        } else {
            loss.remove(seq); // a hole filled (a retransmission, or reordering)
        }
        long due = due(extended);
        if (due < wakeAt) {
            listener.wake(this, due, now); // due before the wheel would look at this connection
        }
        deliver(now);
    }

    void control(byte[] buf, int off, int len, long now) {
        lastHeard = now;
        int type = SrtPacket.controlType(buf, off);
        switch (type) {
            case SrtPacket.ACKACK -> ackAcked(SrtPacket.typeInfo(buf, off), SrtPacket.timestamp(buf, off), now);
            case SrtPacket.KEEPALIVE, SrtPacket.CONGESTION_WARNING, SrtPacket.PEERERROR, SrtPacket.ACK, SrtPacket.NAK -> {
                // a caller that only sends gets nothing to acknowledge from us
            }
            case SrtPacket.SHUTDOWN -> {
                flush();
                listener.closed(this, "peer shut down", false, now);
            }
            case SrtPacket.DROPREQ -> {
                if (len >= SrtPacket.HEADER + 8) {
                    senderDropped(SrtPacket.word(buf, off + 16) & SrtSeq.MAX, SrtPacket.word(buf, off + 20) & SrtSeq.MAX, now);
                }
            }
            case SrtPacket.USER_DEFINED -> {
                if (SrtPacket.subtype(buf, off) == SrtPacket.SUBTYPE_KMREQ && decryption != null) {
                    byte[] km = Arrays.copyOfRange(buf, off + SrtPacket.HEADER, off + len);
                    byte[] answer;
                    try {
                        decryption.update(km, (passphrase, salt, keyLength) -> kek(passphrase, salt, keyLength, now));
                        answer = decryption.kmResponse();
                    } catch (SrtCryptoException e) {
                        if (e.kind() == SrtCryptoException.Kind.BUSY) {
                            return; // unanswered: the peer repeats its KMREQ
                        }
                        answer = SrtCrypto.kmRefusal(e.kmState()); // the keys in use stay
                    }
                    send(SrtPacket.control(SrtPacket.USER_DEFINED, SrtPacket.SUBTYPE_KMRSP, 0, timestamp(now), peerSocketId, answer), now);
                }
            }
            case SrtPacket.HANDSHAKE -> {
                // a conclusion repeated with our socket id: answer it again
                if (state == State.CONNECTED) {
                    send(conclusionAnswer, now);
                }
            }
            default -> throw new SrtProtocolException("unknown control type " + type);
        }
    }

    /** The sender gave up on [first, last]: they will not come, deliver past them. */
    private void senderDropped(int first, int last, long now) {
        int from = SrtSeq.offset(head, first);
        int to = SrtSeq.offset(head, last);
        if (to < 0 || to - Math.max(from, 0) >= capacity || to >= capacity) {
            return;
        }
        int window = SrtSeq.offset(head, next);
        int start = Math.max(from, 0);
        for (int d = start; d <= to; d++) {
            int slot = (headSlot + d) % capacity;
            if (slots[slot] == null) {
                slots[slot] = SKIPPED;
                droppedTooLate++;
            }
        }
        if (start < window) {
            loss.removeRange(SrtSeq.add(head, start), SrtSeq.add(head, Math.min(to, window - 1)));
        }
        if (SrtSeq.offset(next, last) >= 0) {
            // between the old end of the window and the dropped range: gaps, as a data packet past them would make
            if (start > window) {
                loss.append(next, SrtSeq.add(head, start - 1));
            }
            next = SrtSeq.next(last);
        }
        deliver(now);
    }

    private void ackAcked(int number, int peerStamp, long now) {
        int i = number & 63;
        if (ackNumbers[i] != number || ackTimes[i] == 0) {
            return;
        }
        int sample = (int) Math.min(Integer.MAX_VALUE, now - ackTimes[i]);
        ackTimes[i] = 0;
        if (!rttMeasured) {
            // the first sample replaces the 100 ms guess outright (as libsrt 1.5 does): until then the
            // NAK report interval and the sender's retransmission spacing, both from RTT, exceed the latency
            rttMeasured = true;
            rtt = sample;
            rttVar = sample / 2;
        } else {
            rttVar = (3 * rttVar + Math.abs(rtt - sample)) / 4;
            rtt = (7 * rtt + sample) / 8;
        }
        lastAckAcked = ackSeqs[i];
        trackDrift(extension(peerStamp), sample, now);
    }

    /**
     * The ACKACK left the peer at {@code stamp} on its clock and arrived {@code now} on ours: against
     * the time base, that is the one-way delay's change plus how far the clocks drifted apart since
     * the handshake. Half the RTT's change since the first sample is the path's share; the rest is
     * drift. Averaged over {@link #DRIFT_SAMPLES}, an excess over {@link #DRIFT_TOLERANCE} moves the
     * time base, so packets keep being due latency after they were sent by the peer's clock.
     */
    private void trackDrift(long stamp, int rttSample, long now) {
        if (firstRtt < 0) {
            firstRtt = rttSample;
        }
        driftSum += now - (timeBase + stamp) - (rttSample - firstRtt) / 2;
        if (++driftSamples < DRIFT_SAMPLES) {
            return;
        }
        long average = driftSum / driftSamples;
        driftSum = 0;
        driftSamples = 0;
        if (Math.abs(average) > DRIFT_TOLERANCE) {
            long excess = average - Long.signum(average) * DRIFT_TOLERANCE;
            timeBase += excess;
            driftCorrection += excess;
        }
    }

    /** A new salt's KEK: at most one derivation per {@link #KEK_DERIVATION_INTERVAL}, within the listener's ration. */
    private byte[] kek(byte[] passphrase, byte[] salt, int keyLength, long now) {
        boolean derive = !listener.kekCached(passphrase, salt, keyLength);
        if (derive && now - lastKekDerivation < KEK_DERIVATION_INTERVAL) {
            throw new SrtCryptoException(SrtCryptoException.Kind.BUSY, "a key derivation less than 5 s ago");
        }
        byte[] kek = listener.kek(peer, passphrase, salt, keyLength, now);
        if (derive) {
            lastKekDerivation = now;
        }
        return kek;
    }

    /** What {@link #extend} would give, without moving the wrap state. */
    private long extension(int stamp) {
        long t = stamp & 0xFFFFFFFFL;
        if (lastStamp < 0) {
            return t;
        }
        long diff = t - lastStamp;
        if (diff < -0x80000000L) {
            return t + stampWrap + 0x100000000L;
        }
        if (diff > 0x80000000L) {
            return t + stampWrap - 0x100000000L;
        }
        return t + stampWrap;
    }

    private long extend(int stamp) {
        long t = stamp & 0xFFFFFFFFL;
        if (lastStamp < 0) {
            lastStamp = t;
            return t;
        }
        long diff = t - lastStamp;
        if (diff < -0x80000000L) {
            stampWrap += 0x100000000L; // wrapped forward
            lastStamp = t;
            return t + stampWrap;
        }
        if (diff > 0x80000000L) {
            return t + stampWrap - 0x100000000L; // a late packet from before the wrap
        }
        if (diff > 0) {
            lastStamp = t;
        }
        return t + stampWrap;
    }

    // ---- time ----

    void tick(long now) {
        deliver(now);
        if (state == State.CLOSED) {
            return;
        }
        if (now - lastHeard >= listener.settings().idleTimeoutMicros()) {
            listener.closed(this, "peer silent for " + (now - lastHeard) / 1000 + " ms", true, now);
            return;
        }
        if (now - rateWindowStart >= 1_000_000) {
            long span = now - rateWindowStart;
            packetRate = (int) (windowPackets * 1_000_000L / span);
            byteRate = windowBytes * 1_000_000L / span;
            windowPackets = 0;
            windowBytes = 0;
            rateWindowStart = now;
        }
        if (now >= nextAck) {
            nextAck = now + ACK_INTERVAL;
            int ack = ackSequence();
            if (ack != lastAckSent || (ack != lastAckAcked && now - lastAckTime >= Math.max(ACK_INTERVAL, rtt + 4L * rttVar))) {
                sendAck(ack, now);
            }
        }
        if (now >= nextNak) {
            nextNak = now + nakInterval();
            nakReport(now);
        }
        if (now - lastSent >= KEEPALIVE_INTERVAL) {
            send(SrtPacket.control(SrtPacket.KEEPALIVE, 0, 0, timestamp(now), peerSocketId, 0), now);
        }
    }

    private long nakInterval() {
        return Math.max(MIN_NAK_INTERVAL, (rtt + 4L * rttVar) / 2);
    }

    /**
     * When {@link #tick} has something to do next: an ACK, the NAK report timer (kept running with nothing missing, as
     * libsrt's: a loss is reported again at its next beat, not a full interval after the immediate NAK), the first held
     * packet's delivery, a keepalive, the idle timeout. The listener's wheel wakes the connection then.
     */
    long wake() {
        long w = Math.min(Math.min(nextAck, nextNak), Math.min(lastSent + KEEPALIVE_INTERVAL,
                lastHeard + listener.settings().idleTimeoutMicros()));
        if (head != next) {
            byte[] p = slots[headSlot];
            int k = p == null ? firstPresent() : headSlot;
            if (k >= 0) {
                w = Math.min(w, due(stamps[k]));
            }
        }
        return w;
    }

    /** Delivers every payload whose time has come; skips missing packets a later due packet overtakes. */
    private void deliver(long now) {
        while (head != next && state == State.CONNECTED) {
            byte[] p = slots[headSlot];
            if (p == null) {
                int k = firstPresent();
                if (k < 0 || due(stamps[k]) > now) {
                    return;
                }
                // give up the missing packets in front of one that must go now
                while (headSlot != k) {
                    if (slots[headSlot] == null) {
                        droppedTooLate++;
                    }
                    advance();
                }
                continue;
            }
            if (p != SKIPPED) {
                if (due(stamps[headSlot]) > now) {
                    return;
                }
                delivered++;
                listener.delivered(this, p, offsets[headSlot], lengths[headSlot]);
            }
            advance();
        }
    }

    /** The caller said goodbye: what it sent is delivered now, in order, without waiting for its time. */
    private void flush() {
        while (head != next && state == State.CONNECTED) {
            byte[] p = slots[headSlot];
            if (p == null) {
                droppedTooLate++;
            } else if (p != SKIPPED) {
                delivered++;
                listener.delivered(this, p, offsets[headSlot], lengths[headSlot]);
            }
            advance();
        }
    }

    private long due(long stamp) {
        return timeBase + stamp + latency;
    }

    /** Payload bytes this connection's window holds now (a count over the window: for tests and checks). */
    long heldBytes() {
        long n = 0;
        for (int i = 0; i < capacity; i++) {
            if (slots[i] != null && slots[i] != SKIPPED) {
                n += lengths[i];
            }
        }
        return n;
    }

    /** The connection closed: what its window still holds goes back to the listener's budget. */
    void releaseWindow() {
        for (int i = 0; i < capacity; i++) {
            byte[] p = slots[i];
            if (p != null && p != SKIPPED) {
                listener.release(lengths[i]);
            }
            slots[i] = null;
        }
        loss.clear();
    }

    private void advance() {
        byte[] p = slots[headSlot];
        if (p == null) {
            loss.popFront(); // the head was the first missing number
        } else if (p != SKIPPED) {
            listener.release(lengths[headSlot]);
        }
        slots[headSlot] = null;
        headSlot = (headSlot + 1) % capacity;
        head = SrtSeq.next(head);
    }

    /** The slot of the first packet held, the head being missing: found past the loss ranges, not by a walk. */
    private int firstPresent() {
        int n = SrtSeq.offset(head, next);
        int range = 0;
        int d = SrtSeq.offset(head, loss.last(0)) + 1;
        while (d < n) {
            int slot = (headSlot + d) % capacity;
            byte[] p = slots[slot];
            if (p == null) {
                // the start of a later loss range: jump past it
                while (SrtSeq.offset(head, loss.last(range)) < d) {
                    range++;
                }
                d = SrtSeq.offset(head, loss.last(range)) + 1;
            } else if (p == SKIPPED) {
                d++; // the sender dropped it (DROPREQ): rare
            } else {
                return slot;
            }
        }
        return -1;
    }

    /** Sequence of the first packet not received: everything before it is acknowledged. */
    private int ackSequence() {
        return loss.isEmpty() ? next : loss.first();
    }

    private void sendAck(int ack, long now) {
        ackNumber = (ackNumber + 1) & 0x7FFFFFFF;
        if (ackNumber == 0) {
            ackNumber = 1;
        }
        int i = ackNumber & 63;
        ackNumbers[i] = ackNumber;
        ackSeqs[i] = ack;
        ackTimes[i] = now == 0 ? 1 : now;
        lastAckSent = ack;
        lastAckTime = now;
        int free = capacity - Math.max(0, SrtSeq.offset(head, next));
        int rate = Math.max(packetRate, 1);
        send(SrtPacket.control(SrtPacket.ACK, 0, ackNumber, timestamp(now), peerSocketId,
                ack, rtt, rttVar, free, rate, rate * 2, (int) Math.min(Integer.MAX_VALUE, byteRate)), now);
    }

    private void nakReport(long now) {
        if (loss.isEmpty()) {
            return;
        }
        int count = Math.min(loss.ranges(), MAX_NAK_WORDS / 2);
        int words = 0;
        for (int i = 0; i < count; i++) {
            words += loss.first(i) == loss.last(i) ? 1 : 2;
        }
        byte[] nak = nakPacket(words, now);
        int at = SrtPacket.HEADER;
        for (int i = 0; i < count; i++) {
            at = nakEntry(nak, at, loss.first(i), loss.last(i));
        }
        send(nak, now);
    }

    /** A NAK of [first, last] alone (a gap just seen). */
    private void sendNak(int first, int last, long now) {
        byte[] nak = nakPacket(first == last ? 1 : 2, now);
        nakEntry(nak, SrtPacket.HEADER, first, last);
        send(nak, now);
    }

    private byte[] nakPacket(int words, long now) {
        byte[] b = new byte[SrtPacket.HEADER + words * 4];
        SrtPacket.putWord(b, 0, 0x80000000 | (SrtPacket.NAK << 16));
        SrtPacket.putWord(b, 8, timestamp(now));
        SrtPacket.putWord(b, 12, peerSocketId);
        return b;
    }

    /** NAK control information: a single lost sequence, or a range as first|0x80000000 then last. */
    private static int nakEntry(byte[] b, int at, int first, int last) {
        if (first == last) {
            SrtPacket.putWord(b, at, first);
            return at + 4;
        }
        SrtPacket.putWord(b, at, first | 0x80000000);
        SrtPacket.putWord(b, at + 4, last);
        return at + 8;
    }

    int timestamp(long now) {
        return (int) (now - start);
    }

    void send(byte[] datagram, long now) {
        lastSent = now;
        listener.send(peer, datagram);
    }

    long started() {
        return start;
    }
}
