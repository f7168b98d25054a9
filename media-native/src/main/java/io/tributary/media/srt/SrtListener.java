package io.tributary.media.srt;

import io.tributary.media.srt.crypto.SrtCrypto;
import io.tributary.media.srt.crypto.SrtCryptoException;
import io.tributary.media.srt.crypto.SrtKeyMaterial;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The listener side of SRT for every caller on one UDP port, sans-IO: datagrams and the
 * time (microseconds, any monotonic origin) go in, datagrams and events come out through
 * {@link Output}. An induction is answered with a SYN cookie derived from the caller's
 * address and the minute, and nothing is kept: state appears only when a conclusion
 * brings a valid cookie back. Established connections are found by the destination socket
 * id of their packets; repeated conclusions by caller address and caller socket id.
 */
public final class SrtListener {

    /** What the listener gives back. Calls come from inside {@link #receive}, {@link #tick}, {@link #accept}. */
    public interface Output {
        void send(SrtPeer peer, byte[] datagram);

        /** A conclusion passed every check: answer with {@link #accept} or {@link #reject} (the caller retries meanwhile). */
        void connecting(SrtConnection connection);

        /** A payload (MPEG-TS in live mode) at its delivery time. */
        void delivered(SrtConnection connection, byte[] payload);

        /**
         * A payload at its delivery time, as {@code buf[off .. off + len)}: a copy, or the array handed over with
         * {@link #receiveOwned}. Valid during the call only. By default copied into {@link #delivered(SrtConnection, byte[])}.
         */
        default void delivered(SrtConnection connection, byte[] buf, int off, int len) {
            delivered(connection, off == 0 && len == buf.length ? buf : java.util.Arrays.copyOfRange(buf, off, off + len));
        }

        /** The connection ended; {@code reason} for logs. Not called for a rejected pending one. */
        void closed(SrtConnection connection, String reason);

        /** The listener itself refused a conclusion from {@code peer} with {@code reason} ({@link SrtReject}), for metrics. */
        default void refused(SrtPeer peer, int reason) {
        }
    }

    /** libsrt 1.5.3, the version our answers announce. */
    static final int SRT_VERSION = 0x010503;
    private static final long COOKIE_PERIOD = 60_000_000L;
    private static final int MTU = 1500;
    /** What {@link #conclusion} gives for a conclusion dropped unanswered (the caller repeats it). */
    private static final int DROPPED = -2;

    private final SrtListenerSettings settings;
    private final Function<String, String> passphrases;
    private final java.util.function.ToIntFunction<SrtStreamId> admission;
    private final SrtKekRation keks = new SrtKekRation();
    /** Connections (pending and established) per caller host; shared with the node's other listeners. */
    private final SrtHostCounts byHost;
    private final Output out;
    private final Random random;
    private final Mac cookieMac;
    private final Map<Integer, SrtConnection> bySocket = new HashMap<>();
    private final Map<String, SrtConnection> byCaller = new HashMap<>();
    /** Every connection, in the slot of its next timer: a tick visits the due ones only. */
    private final SrtTimerWheel wheel = new SrtTimerWheel();
    private long malformed;
    private long rejected;
    private long inductions;
    private long conclusionsDropped;
    /** Payload bytes every connection's receive window holds now, against {@code settings.maxHeldBytes()}. */
    private long heldBytes;
    private long overBudget;

    /**
     * @param passphrases the passphrase a stream key requires, or null for none
     */
    public SrtListener(SrtListenerSettings settings, Function<String, String> passphrases, Output out, Random random) {
        this(settings, passphrases, (Predicate<String>) key -> true, out, random);
    }

    /**
     * @param passphrases the passphrase a stream key requires, or null for none
     * @param keyAllowed  whether a stream key may publish at all: checked before any key derivation
     *                    (the owner still decides in {@link Output#connecting})
     */
    public SrtListener(SrtListenerSettings settings, Function<String, String> passphrases, Predicate<String> keyAllowed,
                       Output out, Random random) {
        this(settings, passphrases, (java.util.function.ToIntFunction<SrtStreamId>) id -> keyAllowed.test(id.key()) ? 0
                : SrtReject.FORBIDDEN, out, random);
    }

    /**
     * @param passphrases the passphrase a stream key requires, or null for none
     * @param admission   0 when the Stream ID (key and publish secret) may publish, else the reject reason
     *                    ({@link SrtReject}): checked before any key derivation (the owner still decides in
     *                    {@link Output#connecting})
     */
    public SrtListener(SrtListenerSettings settings, Function<String, String> passphrases,
                       java.util.function.ToIntFunction<SrtStreamId> admission, Output out, Random random) {
        this(settings, passphrases, admission, new SrtHostCounts(), out, random);
    }

    /**
     * As above; {@code hosts}: the per-host counts the cap is checked against, shared by listeners that
     * share a port.
     */
    public SrtListener(SrtListenerSettings settings, Function<String, String> passphrases,
                       java.util.function.ToIntFunction<SrtStreamId> admission, SrtHostCounts hosts, Output out, Random random) {
        this.settings = settings;
        this.byHost = hosts;
        this.passphrases = passphrases;
        this.admission = admission;
        this.out = out;
        this.random = random;
        try {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            cookieMac = Mac.getInstance("HmacSHA256");
            cookieMac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public SrtListenerSettings settings() {
        return settings;
    }

    /** Connections held now (pending and established). */
    public int connections() {
        return bySocket.size();
    }

    public List<SrtConnection> all() {
        return new ArrayList<>(bySocket.values());
    }

    /** Datagrams dropped as malformed or addressed to no connection. */
    public long malformed() {
        return malformed;
    }

    public long rejected() {
        return rejected;
    }

    /** Conclusions left unanswered (their key derivation was over the ration; the caller repeats). */
    public long conclusionsDropped() {
        return conclusionsDropped;
    }

    public long inductions() {
        return inductions;
    }

    /** Payload bytes the connections' receive windows hold now. */
    public long heldBytes() {
        return heldBytes;
    }

    /** Data packets dropped because the windows together held {@code maxHeldBytes} already. */
    public long overBudget() {
        return overBudget;
    }

    /** Room for {@code bytes} more in the windows, or false (and the packet is dropped) when they are full. */
    boolean hold(int bytes) {
        if (heldBytes + bytes > settings.maxHeldBytes()) {
            overBudget++;
            return false;
        }
        heldBytes += bytes;
        return true;
    }

    void release(int bytes) {
        heldBytes -= bytes;
    }

    /** PBKDF2 key derivations run (each 1-2 ms of this listener's thread). */
    public long keyDerivations() {
        return keks.derivations();
    }

    /** Conclusions and KMREQs left unanswered because their key derivation was over the ration. */
    public long derivationsRefused() {
        return keks.refused();
    }

    /** One datagram from {@code peer}. Malformed input is counted and dropped; nothing throws. {@code buf} is not kept. */
    public void receive(SrtPeer peer, byte[] buf, int off, int len, long now) {
        receive(peer, buf, off, len, now, false);
    }

    /**
     * As {@link #receive}, but {@code buf} is handed over: a data packet's payload stays in it until delivered, with
     * no copy. The caller must not reuse the array, and should pass arrays about the datagram's size (each is held
     * whole while its packet waits for delivery).
     */
    public void receiveOwned(SrtPeer peer, byte[] buf, int off, int len, long now) {
        receive(peer, buf, off, len, now, true);
    }

    private void receive(SrtPeer peer, byte[] buf, int off, int len, long now, boolean owned) {
        SrtConnection c = null;
        try {
            SrtPacket.requireHeader(buf, off, len);
            int destination = SrtPacket.destinationSocket(buf, off);
            if (destination == 0) {
                if (SrtPacket.isControl(buf, off) && SrtPacket.controlType(buf, off) == SrtPacket.HANDSHAKE) {
                    handshake(peer, buf, off, len, now);
                } else {
                    malformed++;
                }
                return;
            }
            c = bySocket.get(destination);
            if (c == null || (c.peer() != peer && !c.peer().equals(peer))) {
                malformed++; // another caller's socket id, or one closed: not ours to act on
                return;
            }
            if (SrtPacket.isControl(buf, off)) {
                c.control(buf, off, len, now);
            } else if (c.state == SrtConnection.State.CONNECTED) {
                c.data(buf, off, len, now, owned);
            }
        } catch (SrtProtocolException e) {
            malformed++;
        }
    }

    /**
     * Drives the connections' timers: delivery, ACK, NAK reports, keepalive, idle timeout. Call every few ms; only
     * connections with a timer due are visited.
     */
    public void tick(long now) {
        wheel.advance(now, c -> {
            if (c.state == SrtConnection.State.PENDING) {
                if (now - c.started() >= settings.idleTimeoutMicros()) {
                    forget(c); // never answered: the caller gave up long ago
                } else {
                    wheel.schedule(c, c.started() + settings.idleTimeoutMicros(), now);
                }
            } else if (c.state == SrtConnection.State.CONNECTED) {
                c.tick(now);
                if (c.state == SrtConnection.State.CONNECTED) {
                    wheel.schedule(c, c.wake(), now);
                }
            }
        });
    }

    /** {@code c} has something due at {@code at}, before its planned wake. */
    void wake(SrtConnection c, long at, long now) {
        wheel.schedule(c, at, now);
    }

    /** Completes a pending handshake: the caller gets its conclusion answer. False if it is gone meanwhile. */
    public boolean accept(SrtConnection c, long now) {
        if (c.state != SrtConnection.State.PENDING || bySocket.get(c.socketId()) != c) {
            return false;
        }
        c.state = SrtConnection.State.CONNECTED;
        c.send(c.conclusionAnswer, now);
        wheel.schedule(c, c.wake(), now);
        return true;
    }

    /** Refuses a pending handshake with {@code reason} ({@link SrtReject}); the caller sees it as its reject reason. */
    public void reject(SrtConnection c, int reason, long now) {
        if (c.state != SrtConnection.State.PENDING) {
            return;
        }
        forget(c);
        rejected++;
        out.send(c.peer(), c.conclusionAnswer == null ? new byte[0] : rejection(c.conclusionAnswer, reason));
    }

    /** Ends a connection from our side: the caller gets a shutdown. */
    public void close(SrtConnection c, String reason, long now) {
        if (c.state == SrtConnection.State.CONNECTED) {
            c.send(SrtPacket.control(SrtPacket.SHUTDOWN, 0, 0, c.timestamp(now), c.peerSocketId(), 0), now);
        }
        closed(c, reason, false, now);
    }

    // ---- handshake ----

    private void handshake(SrtPeer peer, byte[] buf, int off, int len, long now) {
        SrtHandshake hs = SrtHandshake.parse(buf, off + SrtPacket.HEADER, len - SrtPacket.HEADER);
        if (hs.type() == SrtHandshake.INDUCTION) {
            inductions++;
            SrtHandshake answer = new SrtHandshake(5, 0, SrtHandshake.SRT_MAGIC, hs.initialSequence(), Math.min(hs.mtu(), MTU),
                    Math.min(hs.flowWindow(), settings.receiveWindow()), SrtHandshake.INDUCTION, hs.socketId(), cookie(peer, now, 0),
                    hs.peerIp(), List.of());
            out.send(peer, SrtPacket.control(SrtPacket.HANDSHAKE, 0, 0, 0, hs.socketId(), answer.encode()));
            return;
        }
        if (hs.type() != SrtHandshake.CONCLUSION) {
            malformed++;
            return;
        }
        if (hs.cookie() != cookie(peer, now, 0) && hs.cookie() != cookie(peer, now, -1)) {
            malformed++; // no valid cookie, no state
            return;
        }
        SrtConnection existing = byCaller.get(callerKey(peer, hs.socketId()));
        if (existing != null) {
            if (existing.state == SrtConnection.State.CONNECTED) {
                existing.send(existing.conclusionAnswer, now); // our answer was lost: repeat it
            }
            return;
        }
        int reason = conclusion(peer, hs, SrtPacket.timestamp(buf, off), now);
        if (reason == DROPPED) {
            conclusionsDropped++;
        } else if (reason >= 0) {
            rejected++;
            out.refused(peer, reason);
            SrtHandshake refusal = answerBase(hs, 0, SrtHandshake.FAILURE_BASE + reason, 0, List.of());
            out.send(peer, SrtPacket.control(SrtPacket.HANDSHAKE, 0, 0, 0, hs.socketId(), refusal.encode()));
        }
    }

    /** Checks a conclusion; gives a reject reason, -1 when a pending connection was created, DROPPED to stay silent. */
    private int conclusion(SrtPeer peer, SrtHandshake hs, int peerTimestamp, long now) {
        if (hs.version() != 5) {
            return SrtReject.VERSION;
        }
        SrtHandshake.Extension hsreq = hs.extension(SrtHandshake.CMD_HSREQ);
        if (hsreq == null || hsreq.content().length < 12) {
            return SrtReject.VERSION; // a caller without the HSv5 SRT extension (libsrt < 1.3)
        }
        int flags = SrtPacket.word(hsreq.content(), 4);
        if ((flags & SrtHandshake.FLAG_STREAM) != 0 || (flags & SrtHandshake.FLAG_TSBPDSND) == 0) {
            return SrtReject.MESSAGEAPI; // file/stream mode: only live mode is taken
        }
        if (hs.extension(SrtHandshake.CMD_FILTER) != null) {
            return SrtReject.FILTER;
        }
        if (hs.extension(SrtHandshake.CMD_GROUP) != null) {
            return SrtReject.GROUP;
        }
        SrtHandshake.Extension congestion = hs.extension(SrtHandshake.CMD_CONGESTION);
        if (congestion != null && !SrtHandshake.streamId(congestion.content()).equals("live")) {
            return SrtReject.CONGESTION;
        }
        SrtHandshake.Extension sid = hs.extension(SrtHandshake.CMD_SID);
        SrtStreamId streamId;
        try {
            streamId = SrtStreamId.parse(sid == null ? null : SrtHandshake.streamId(sid.content()));
        } catch (SrtProtocolException e) {
            return SrtReject.BAD_REQUEST;
        }
        if (!streamId.publish()) {
            return SrtReject.BAD_MODE;
        }
        if (bySocket.size() >= settings.maxConnections()
                || byHost.count(peer.host()) >= settings.maxConnectionsPerAddress()) {
            return SrtReject.OVERLOAD;
        }
        int refused = admission.applyAsInt(streamId);
        if (refused != 0) {
            return refused;
        }
        String passphrase = passphrases.apply(streamId.key());
        SrtHandshake.Extension kmreq = hs.extension(SrtHandshake.CMD_KMREQ);
        SrtCrypto decryption = null;
        if (kmreq != null) {
            if (passphrase == null) {
                return SrtReject.UNSECURE; // the caller encrypts, this stream has no passphrase
            }
            try {
                // every cheap check before the PBKDF2 (rationed, and cached for a replay)
                if (settings.keyLength() != 0 && SrtKeyMaterial.parse(kmreq.content()).keyLength() != settings.keyLength()) {
                    return SrtReject.CRYPTO; // the caller's pbkeylen is not the one this listener requires
                }
                decryption = SrtCrypto.fromKmRequest(kmreq.content(), passphrase, keks.source(peer.host(), now));
            } catch (SrtCryptoException e) {
                return switch (e.kind()) {
                    case BUSY -> DROPPED;
                    case BAD_SECRET -> SrtReject.BADSECRET;
                    case NO_SECRET -> SrtReject.UNSECURE;
                    default -> SrtReject.CRYPTO;
                };
            }
        } else if (passphrase != null) {
            return SrtReject.UNSECURE; // the stream needs a passphrase, the caller sent none
        }
        int latencyMs = Math.max(settings.latencyMs(), SrtPacket.word(hsreq.content(), 8) & 0xFFFF);
        int socketId = newSocketId();
        SrtConnection c = new SrtConnection(this, socketId, hs.socketId(), peer, streamId, latencyMs, hs.initialSequence(),
                Math.min(settings.receiveWindow(), Math.max(32, hs.flowWindow())), now, peerTimestamp, decryption);
        int answerFlags = flags & (SrtHandshake.FLAG_TSBPDSND | SrtHandshake.FLAG_TSBPDRCV | SrtHandshake.FLAG_HAICRYPT
                | SrtHandshake.FLAG_TLPKTDROP | SrtHandshake.FLAG_NAKREPORT | SrtHandshake.FLAG_REXMITFLG);
        List<SrtHandshake.Extension> ext = new ArrayList<>();
        ext.add(new SrtHandshake.Extension(SrtHandshake.CMD_HSRSP,
                SrtHandshake.hsMessage(SRT_VERSION, answerFlags, latencyMs, latencyMs)));
        int extensionField = SrtHandshake.EXT_FLAG_HSREQ;
        int encryption = 0;
        if (decryption != null) {
            byte[] kmrsp = decryption.kmResponse();
            ext.add(new SrtHandshake.Extension(SrtHandshake.CMD_KMRSP, padded(kmrsp)));
            extensionField |= SrtHandshake.EXT_FLAG_KMREQ;
            encryption = decryption.keyLength() / 8; // 2, 3, 4 for AES-128/192/256
        }
        SrtHandshake answer = answerBase(hs, socketId, SrtHandshake.CONCLUSION, extensionField, ext);
        answer = new SrtHandshake(answer.version(), encryption, answer.extensionField(), answer.initialSequence(), answer.mtu(),
                Math.min(hs.flowWindow(), settings.receiveWindow()), answer.type(), answer.socketId(), answer.cookie(),
                ipField(peer), answer.extensions());
        c.conclusionAnswer = SrtPacket.control(SrtPacket.HANDSHAKE, 0, 0, 0, hs.socketId(), answer.encode());
        bySocket.put(socketId, c);
        byCaller.put(callerKey(peer, hs.socketId()), c);
        byHost.add(peer.host());
        wheel.schedule(c, now + settings.idleTimeoutMicros(), now); // forgotten then if the owner never answers
        out.connecting(c);
        return -1;
    }

    private SrtHandshake answerBase(SrtHandshake hs, int socketId, int type, int extensionField, List<SrtHandshake.Extension> ext) {
        return new SrtHandshake(5, 0, extensionField, hs.initialSequence(), Math.min(hs.mtu(), MTU), hs.flowWindow(), type, socketId, 0,
                hs.peerIp(), ext);
    }

    /** A stored conclusion answer turned into a refusal: same fields, the failure type. */
    private static byte[] rejection(byte[] conclusionAnswer, int reason) {
        SrtHandshake hs = SrtHandshake.parse(conclusionAnswer, SrtPacket.HEADER, conclusionAnswer.length - SrtPacket.HEADER);
        SrtHandshake refusal = new SrtHandshake(5, 0, 0, hs.initialSequence(), hs.mtu(), hs.flowWindow(),
                SrtHandshake.FAILURE_BASE + reason, 0, 0, hs.peerIp(), List.of());
        return SrtPacket.control(SrtPacket.HANDSHAKE, 0, 0, 0, SrtPacket.destinationSocket(conclusionAnswer, 0), refusal.encode());
    }

    private static byte[] padded(byte[] b) {
        return b.length % 4 == 0 ? b : java.util.Arrays.copyOf(b, (b.length + 3) / 4 * 4);
    }

    /** The caller's address as libsrt writes it: IPv4 in the first word, its bytes in reverse. */
    private static byte[] ipField(SrtPeer peer) {
        byte[] ip = new byte[16];
        String[] parts = peer.host().split("\\.");
        if (parts.length == 4) {
            try {
                for (int i = 0; i < 4; i++) {
                    ip[3 - i] = (byte) Integer.parseInt(parts[i]);
                }
            } catch (NumberFormatException e) {
                return new byte[16];
            }
        }
        return ip;
    }

    int cookie(SrtPeer peer, long now, int periodShift) {
        long period = now / COOKIE_PERIOD + periodShift;
        byte[] mac;
        synchronized (cookieMac) {
            cookieMac.update((peer.host() + "|" + peer.port() + "|" + period).getBytes(StandardCharsets.US_ASCII));
            mac = cookieMac.doFinal();
        }
        return SrtPacket.word(mac, 0);
    }

    private int newSocketId() {
        while (true) {
            int id = random.nextInt() & SrtSeq.MAX;
            if (id != 0 && !bySocket.containsKey(id)) {
                return id;
            }
        }
    }

    private static String callerKey(SrtPeer peer, int callerSocket) {
        return peer.host() + "|" + peer.port() + "|" + callerSocket;
    }

    private void forget(SrtConnection c) {
        wheel.remove(c);
        c.releaseWindow();
        if (bySocket.remove(c.socketId(), c)) {
            byHost.remove(c.peer().host());
        }
        byCaller.remove(callerKey(c.peer(), c.peerSocketId()), c);
    }

    /** A KEK for a KMREQ during a connection (key rotation): cached, or derived within the ration. */
    byte[] kek(SrtPeer peer, byte[] passphrase, byte[] salt, int keyLength, long now) {
        return keks.source(peer.host(), now).kek(passphrase, salt, keyLength);
    }

    boolean kekCached(byte[] passphrase, byte[] salt, int keyLength) {
        return keks.cached(passphrase, salt, keyLength);
    }

    // ---- from connections ----

    void send(SrtPeer peer, byte[] datagram) {
        out.send(peer, datagram);
    }

    void delivered(SrtConnection c, byte[] buf, int off, int len) {
        out.delivered(c, buf, off, len);
    }

    void closed(SrtConnection c, String reason, boolean notifyPeer, long now) {
        if (c.state == SrtConnection.State.CLOSED) {
            return;
        }
        if (notifyPeer && c.state == SrtConnection.State.CONNECTED) {
            c.send(SrtPacket.control(SrtPacket.SHUTDOWN, 0, 0, c.timestamp(now), c.peerSocketId(), 0), now);
        }
        boolean wasConnected = c.state == SrtConnection.State.CONNECTED;
        c.state = SrtConnection.State.CLOSED;
        forget(c);
        if (wasConnected) {
            out.closed(c, reason);
        }
    }
}
