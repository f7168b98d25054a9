package io.tributary.media.srt;

import io.tributary.media.srt.crypto.SrtCrypto;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A minimal live-mode SRT caller, sans-IO: the handshake (induction, conclusion with
 * HSREQ, Stream ID and optionally KMREQ), data packets stamped on its own clock, ACKACK
 * for every full ACK, retransmission of what a NAK names (from the last
 * {@code history} packets), keepalive and shutdown. For load generation and tests; the
 * server never uses it.
 */
public final class SrtCaller {

    public enum State { INDUCTION, CONCLUSION, CONNECTED, REJECTED, CLOSED }

    private static final long HANDSHAKE_RETRY = 250_000;

    private final String streamId;
    private final int latencyMs;
    private final int socketId;
    private final int isn;
    private final long start;
    private final byte[] kmRequest;
    private final SrtCrypto crypto;
    private final byte[][] history;
    private final int[] historySeq;
    private State state = State.INDUCTION;
    private int peerSocketId;
    private int cookie;
    private int rejectReason = -1;
    private int nextSeq;
    private int msgNo = 1;
    private long lastHandshake;
    private long lastSent;
    private int negotiatedLatencyMs;
    private long retransmitted;
    private long acks;

    /** {@code passphrase}: null for a clear stream, else AES-128 keys under it. */
    public SrtCaller(String streamId, int latencyMs, String passphrase, int history, Random random, long now) {
        this(streamId, latencyMs, passphrase, history, random, now, random.nextInt() & SrtSeq.MAX);
    }

    /** {@code initialSequence}: the first data packet's sequence number (tests of the wrap). */
    public SrtCaller(String streamId, int latencyMs, String passphrase, int history, Random random, long now, int initialSequence) {
        this.streamId = streamId;
        this.latencyMs = latencyMs;
        this.socketId = (random.nextInt() & SrtSeq.MAX) | 1;
        this.isn = initialSequence & SrtSeq.MAX;
        this.nextSeq = isn;
        this.start = now;
        this.history = new byte[history][];
        this.historySeq = new int[history];
        if (passphrase != null) {
            byte[] salt = new byte[16];
            byte[] sek = new byte[16];
            random.nextBytes(salt);
            random.nextBytes(sek);
            kmRequest = SrtCrypto.buildKmRequest(passphrase, 16, salt, sek, null);
            crypto = SrtCrypto.fromKmRequest(kmRequest, passphrase);
        } else {
            kmRequest = null;
            crypto = null;
        }
    }

    public State state() {
        return state;
    }

    public int rejectReason() {
        return rejectReason;
    }

    public int negotiatedLatencyMs() {
        return negotiatedLatencyMs;
    }

    public long retransmitted() {
        return retransmitted;
    }

    public long acks() {
        return acks;
    }

    /** The first datagram: an induction request. */
    public byte[] induction(long now) {
        lastHandshake = now;
        SrtHandshake hs = new SrtHandshake(4, 0, 2, isn, 1500, 8192, SrtHandshake.INDUCTION, socketId, 0, new byte[16], List.of());
        return SrtPacket.control(SrtPacket.HANDSHAKE, 0, 0, stamp(now), 0, hs.encode());
    }

    private byte[] conclusion(long now) {
        lastHandshake = now;
        List<SrtHandshake.Extension> ext = new ArrayList<>();
        int flags = SrtHandshake.FLAG_TSBPDSND | SrtHandshake.FLAG_TSBPDRCV | SrtHandshake.FLAG_TLPKTDROP
                | SrtHandshake.FLAG_NAKREPORT | SrtHandshake.FLAG_REXMITFLG | (crypto != null ? SrtHandshake.FLAG_HAICRYPT : 0);
        ext.add(new SrtHandshake.Extension(SrtHandshake.CMD_HSREQ, SrtHandshake.hsMessage(SrtListener.SRT_VERSION, flags, latencyMs, latencyMs)));
        int field = SrtHandshake.EXT_FLAG_HSREQ;
        if (kmRequest != null) {
            ext.add(new SrtHandshake.Extension(SrtHandshake.CMD_KMREQ, kmRequest));
            field |= SrtHandshake.EXT_FLAG_KMREQ;
        }
        if (streamId != null) {
            ext.add(new SrtHandshake.Extension(SrtHandshake.CMD_SID, SrtHandshake.streamIdContent(streamId)));
            field |= SrtHandshake.EXT_FLAG_CONFIG;
        }
        SrtHandshake hs = new SrtHandshake(5, crypto != null ? 2 : 0, field, isn, 1500, 8192, SrtHandshake.CONCLUSION, socketId, cookie,
                new byte[16], ext);
        return SrtPacket.control(SrtPacket.HANDSHAKE, 0, 0, stamp(now), 0, hs.encode());
    }

    /** One datagram from the listener; gives what to send back. */
    public List<byte[]> receive(byte[] buf, int off, int len, long now) {
        List<byte[]> out = new ArrayList<>();
        SrtPacket.requireHeader(buf, off, len);
        if (!SrtPacket.isControl(buf, off) || SrtPacket.destinationSocket(buf, off) != socketId) {
            return out;
        }
        int type = SrtPacket.controlType(buf, off);
        if (type == SrtPacket.HANDSHAKE) {
            SrtHandshake hs = SrtHandshake.parse(buf, off + SrtPacket.HEADER, len - SrtPacket.HEADER);
            if (state == State.INDUCTION && hs.type() == SrtHandshake.INDUCTION) {
                cookie = hs.cookie();
                state = State.CONCLUSION;
                out.add(conclusion(now));
            } else if (state == State.CONCLUSION && hs.type() == SrtHandshake.CONCLUSION) {
                peerSocketId = hs.socketId();
                SrtHandshake.Extension rsp = hs.extension(SrtHandshake.CMD_HSRSP);
                negotiatedLatencyMs = rsp == null ? latencyMs : SrtPacket.word(rsp.content(), 8) >>> 16;
                state = State.CONNECTED;
            } else if (state == State.CONCLUSION && hs.type() > SrtHandshake.FAILURE_BASE) {
                rejectReason = hs.type() - SrtHandshake.FAILURE_BASE;
                state = State.REJECTED;
            }
        } else if (state == State.CONNECTED) {
            if (type == SrtPacket.ACK && len >= SrtPacket.HEADER + 16) {
                acks++;
                out.add(control(SrtPacket.ACKACK, SrtPacket.typeInfo(buf, off), now, 0));
            } else if (type == SrtPacket.NAK) {
                for (int p = off + SrtPacket.HEADER; p + 4 <= off + len; p += 4) {
                    int w = SrtPacket.word(buf, p);
                    int first = w & SrtSeq.MAX;
                    int last = first;
                    if (w < 0 && p + 8 <= off + len) {
                        p += 4;
                        last = SrtPacket.word(buf, p) & SrtSeq.MAX;
                    }
                    for (int s = first, n = 0; n <= Math.min(SrtSeq.offset(first, last), history.length); s = SrtSeq.next(s), n++) {
                        byte[] pkt = resend(s);
                        if (pkt != null) {
                            out.add(pkt);
                        }
                    }
                }
            } else if (type == SrtPacket.SHUTDOWN) {
                state = State.CLOSED;
            }
        }
        if (!out.isEmpty()) {
            lastSent = now;
        }
        return out;
    }

    private byte[] resend(int seq) {
        int i = Math.floorMod(SrtSeq.offset(isn, seq), history.length);
        if (history[i] == null || historySeq[i] != seq) {
            return null;
        }
        byte[] p = history[i].clone();
        p[4] |= 0x04; // R: a retransmission
        retransmitted++;
        return p;
    }

    /** A payload as the next data packet (encrypted with the even key when a passphrase was given). */
    public byte[] data(byte[] payload, int off, int len, long now) {
        if (state != State.CONNECTED) {
            throw new IllegalStateException("not connected: " + state);
        }
        int seq = nextSeq;
        nextSeq = SrtSeq.next(seq);
        byte[] p = SrtPacket.data(seq, msgNo++, false, crypto != null ? 1 : 0, stamp(now), peerSocketId, payload, off, len);
        if (crypto != null) {
            crypto.encrypt(p, SrtPacket.HEADER, len, seq, 1);
        }
        int i = Math.floorMod(SrtSeq.offset(isn, seq), history.length);
        history[i] = p;
        historySeq[i] = seq;
        lastSent = now;
        return p;
    }

    /** Timers: handshake repeats, keepalive. */
    public List<byte[]> tick(long now) {
        List<byte[]> out = new ArrayList<>();
        if ((state == State.INDUCTION || state == State.CONCLUSION) && now - lastHandshake >= HANDSHAKE_RETRY) {
            out.add(state == State.INDUCTION ? induction(now) : conclusion(now));
        } else if (state == State.CONNECTED && now - lastSent >= 1_000_000) {
            out.add(control(SrtPacket.KEEPALIVE, 0, now, 0));
            lastSent = now;
        }
        return out;
    }

    public byte[] shutdown(long now) {
        state = State.CLOSED;
        return control(SrtPacket.SHUTDOWN, 0, now, 0);
    }

    private byte[] control(int type, int info, long now, int word) {
        return SrtPacket.control(type, 0, info, stamp(now), peerSocketId, word);
    }

    private int stamp(long now) {
        return (int) (now - start);
    }
}
