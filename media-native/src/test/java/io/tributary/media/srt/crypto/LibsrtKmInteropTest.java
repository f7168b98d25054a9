package io.tributary.media.srt.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.media.srt.crypto.SrtCryptoException.Kind;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The interop proof against libsrt itself: JavaCV's FFmpeg (libsrt 1.5 inside libavformat) calls a
 * UDP socket on 127.0.0.1 with {@code passphrase} and {@code pbkeylen}. The test answers just
 * enough of handshake v5 (an induction response with a cookie, then a conclusion response echoing
 * HSREQ as HSRSP and the KM message as KMRSP) for the caller to start sending, captures its real
 * KMREQ and encrypted data packets, and requires that {@link SrtCrypto} turns them back into
 * MPEG-TS (a 0x47 sync byte every 188 bytes). The responder here is test scaffolding for the
 * crypto, not the SRT listener (that is io.tributary.media.srt).
 */
class LibsrtKmInteropTest {

    private static final String PASS = "tributary-interop-secret";
    private static final int LISTENER_SOCKET_ID = 0x1EE7_0001;
    private static final int COOKIE = 0x5EED_C0DE;
    private static final int HS_INDUCTION = 1;
    private static final int HS_CONCLUSION = 0xFFFF_FFFF;
    private static final int EXT_HSREQ = 1;
    private static final int EXT_HSRSP = 2;
    private static final int EXT_KMREQ = 3;
    private static final int EXT_KMRSP = 4;

    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32})
    @Timeout(60)
    void libsrtCallerKmreqAndPayloadsDecryptToMpegTs(int pbkeylen) throws Exception {
        Capture capture = run(pbkeylen, PASS, 24);
        assertNotNull(capture.kmreq, "the caller sent a KMREQ in its conclusion handshake");
        SrtKeyMaterial km = SrtKeyMaterial.parse(capture.kmreq);
        assertEquals(pbkeylen, km.keyLength());
        assertEquals(SrtKeyMaterial.CIPHER_AES_CTR, km.cipher());
        assertEquals(16, km.salt().length);
        assertEquals(pbkeylen / 8, capture.encryptionField, "handshake encryption field = pbkeylen/8");

        SrtCrypto crypto = SrtCrypto.fromKmRequest(capture.kmreq, PASS);
        assertEquals(pbkeylen, crypto.keyLength());
        assertEquals(Kind.BAD_SECRET, assertThrows(SrtCryptoException.class,
                () -> SrtCrypto.fromKmRequest(capture.kmreq, PASS + "x")).kind());

        assertTrue(capture.data.size() >= 24, "encrypted data packets captured: " + capture.data.size());
        int tsPackets = 0;
        int fullPayloads = 0;
        for (byte[] pkt : capture.data) {
            int seq = ByteBuffer.wrap(pkt).getInt(0);
            int kk = (pkt[4] >> 3) & 0x3;
            assertTrue(kk == 1 || kk == 2, "data packets are encrypted (KK " + kk + ")");
            int len = pkt.length - 16;
            assertEquals(0, len % 188, "whole TS packets per SRT payload: " + len);
            assertFalse(allSyncBytes(pkt), "the payload on the wire is not clear MPEG-TS (seq " + seq + ")");
            fullPayloads += len == 1316 ? 1 : 0;
            byte[] wrongFlags = pkt.clone();
            // the other key slot is unknown: nothing decrypted
            assertFalse(crypto.decrypt(wrongFlags, 16, len, seq, 3 - kk));
            assertTrue(crypto.decrypt(pkt, 16, len, seq, kk), "key " + kk + " known");
            for (int p = 16; p < pkt.length; p += 188) {
                assertEquals(0x47, pkt[p] & 0xFF, "TS sync byte at payload offset " + (p - 16) + " of seq " + seq);
                tsPackets++;
            }
        }
        assertTrue(fullPayloads >= 20, "1316-byte payloads: " + fullPayloads);
        assertTrue(tsPackets >= 20 * 7, "TS packets: " + tsPackets);
    }

    private static boolean allSyncBytes(byte[] pkt) {
        for (int p = 16; p < pkt.length; p += 188) {
            if (pkt[p] != 0x47) {
                return false;
            }
        }
        return true;
    }

    /** A passphrase with spaces and non-ASCII characters: libsrt derives from its UTF-8 bytes, as we do. */
    @Test
    @Timeout(60)
    void nonAsciiPassphraseIsTakenAsUtf8() throws Exception {
        String pass = "Grüße aus Köln, 東京 €";
        Capture capture = run(24, pass, 8);
        SrtCrypto crypto = SrtCrypto.fromKmRequest(capture.kmreq, pass);
        assertTrue(capture.data.size() >= 8, "data packets: " + capture.data.size());
        for (byte[] pkt : capture.data) {
            int kk = (pkt[4] >> 3) & 0x3;
            assertTrue(crypto.decrypt(pkt, 16, pkt.length - 16, ByteBuffer.wrap(pkt).getInt(0), kk));
            assertTrue(allSyncBytes(pkt));
        }
        String latin1 = new String(pass.getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1);
        assertEquals(Kind.BAD_SECRET, assertThrows(SrtCryptoException.class,
                () -> SrtCrypto.fromKmRequest(capture.kmreq, latin1)).kind());
    }

    /** Under another passphrase the real KMREQ does not unwrap, so its payloads are never decrypted. */
    @Test
    @Timeout(60)
    void anotherPassphraseIsBadSecretOnTheRealKmreq() throws Exception {
        Capture capture = run(16, "a different passphrase", 0);
        assertNotNull(capture.kmreq);
        SrtCryptoException e = assertThrows(SrtCryptoException.class, () -> SrtCrypto.fromKmRequest(capture.kmreq, PASS));
        assertEquals(Kind.BAD_SECRET, e.kind());
        assertEquals(Kind.NO_SECRET, assertThrows(SrtCryptoException.class,
                () -> SrtCrypto.fromKmRequest(capture.kmreq, null)).kind());
    }

    /**
     * Key rotation by libsrt itself: with kmrefreshrate=64/kmpreannounce=16 the caller sends new
     * keys in KMREQ control packets (answered with KMRSP) and switches data packets between the
     * even and odd key. Processed in arrival order, as a listener would, every payload decrypts.
     */
    @Test
    @Timeout(60)
    void libsrtKeyRotationInControlPacketsIsFollowed() throws Exception {
        Capture capture = run(16, PASS, 200, "&kmrefreshrate=64&kmpreannounce=16", 100);
        assertNotNull(capture.kmreq);
        SrtCrypto crypto = SrtCrypto.fromKmRequest(capture.kmreq, PASS);
        int updates = 0;
        int[] byKey = new int[3];
        int previousKey = 1;
        int switches = 0;
        for (Received r : capture.arrivals) {
            if (r.kmUpdate) {
                SrtKeyMaterial.parse(r.bytes); // wire order in control packets too
                crypto.update(r.bytes);
                updates++;
                continue;
            }
            byte[] pkt = r.bytes;
            int seq = ByteBuffer.wrap(pkt).getInt(0);
            int kk = (pkt[4] >> 3) & 0x3;
            assertTrue(crypto.decrypt(pkt, 16, pkt.length - 16, seq, kk), "key " + kk + " known at seq " + seq);
            assertTrue(allSyncBytes(pkt), "decrypted MPEG-TS at seq " + seq + " with key " + kk);
            byKey[kk]++;
            switches += kk != previousKey ? 1 : 0;
            previousKey = kk;
        }
        assertTrue(updates >= 2, "KMREQ control packets: " + updates);
        assertTrue(byKey[1] > 0 && byKey[2] > 0, "packets under even/odd keys: " + byKey[1] + "/" + byKey[2]);
        assertTrue(switches >= 2, "key switches seen: " + switches);
    }

    private record Received(boolean kmUpdate, byte[] bytes) {
    }

    private static final class Capture {
        byte[] kmreq;
        int encryptionField;
        int callerSocketId;
        final List<byte[]> data = new ArrayList<>();
        final List<Received> arrivals = new ArrayList<>();
    }

    private static Capture run(int pbkeylen, String passphrase, int wanted) throws Exception {
        return run(pbkeylen, passphrase, wanted, "", 50);
    }

    /** Lets an FFmpeg caller connect and record, capturing its KMREQ and up to {@code wanted} data packets. */
    private static Capture run(int pbkeylen, String passphrase, int wanted, String options, int frames) throws Exception {
        Capture capture = new Capture();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(200);
            String url = "srt://127.0.0.1:" + socket.getLocalPort() + "?mode=caller&passphrase=" + URLEncoder.encode(passphrase, StandardCharsets.UTF_8)
                    + "&pbkeylen=" + pbkeylen + "&pkt_size=1316&connect_timeout=5000" + options;
            CompletableFuture<Void> caller = CompletableFuture.runAsync(() -> publish(url, frames), pool);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            byte[] buf = new byte[2048];
            while (System.nanoTime() < deadline && capture.data.size() < wanted || capture.kmreq == null) {
                if (System.nanoTime() >= deadline) {
                    break;
                }
                if (caller.isDone() && capture.kmreq == null) {
                    caller.join(); // surfaces the caller's failure
                    break;
                }
                DatagramPacket dp = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(dp);
                } catch (SocketTimeoutException idle) {
                    continue;
                }
                byte[] pkt = Arrays.copyOf(dp.getData(), dp.getLength());
                if (pkt.length < 16) {
                    continue;
                }
                if ((pkt[0] & 0x80) == 0) {
                    if (capture.data.size() < wanted) {
                        capture.data.add(pkt);
                        capture.arrivals.add(new Received(false, pkt));
                    }
                    continue;
                }
                int type = ByteBuffer.wrap(pkt).getShort(0) & 0x7FFF;
                int subtype = ByteBuffer.wrap(pkt).getShort(2) & 0xFFFF;
                if (type == 0x7FFF && subtype == EXT_KMREQ) {
                    // key rotation: a KMREQ in a user-defined control packet, answered with KMRSP
                    byte[] km = Arrays.copyOfRange(pkt, 16, pkt.length);
                    capture.arrivals.add(new Received(true, km));
                    byte[] rsp = pkt.clone();
                    ByteBuffer.wrap(rsp).putShort(2, (short) EXT_KMRSP).putInt(12, capture.callerSocketId);
                    socket.send(new DatagramPacket(rsp, rsp.length, dp.getSocketAddress()));
                    continue;
                }
                if (type != 0 || pkt.length < 64) {
                    continue; // keepalive, shutdown, ...
                }
                byte[] reply = answerHandshake(pkt, capture);
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, dp.getSocketAddress()));
                }
            }
            pool.shutdownNow();
            pool.awaitTermination(15, TimeUnit.SECONDS);
        }
        return capture;
    }

    private static byte[] answerHandshake(byte[] pkt, Capture capture) {
        ByteBuffer in = ByteBuffer.wrap(pkt);
        int hsType = in.getInt(16 + 20);
        int callerSocketId = in.getInt(16 + 24);
        capture.callerSocketId = callerSocketId;
        ByteBuffer out = ByteBuffer.allocate(2048);
        out.putInt(0x8000_0000).putInt(0).putInt(0).putInt(callerSocketId);
        if (hsType == HS_INDUCTION) {
            out.putInt(5).putShort((short) 0).putShort((short) 0x4A17);
            out.putInt(in.getInt(16 + 8)).putInt(in.getInt(16 + 12)).putInt(in.getInt(16 + 16));
            out.putInt(HS_INDUCTION).putInt(LISTENER_SOCKET_ID).putInt(COOKIE);
            out.put(pkt, 16 + 32, 16);
            return Arrays.copyOf(out.array(), out.position());
        }
        if (hsType != HS_CONCLUSION) {
            return null;
        }
        capture.encryptionField = in.getShort(16 + 4) & 0xFFFF;
        byte[] hsreq = null;
        for (int p = 16 + 48; p + 4 <= pkt.length; ) {
            int extType = in.getShort(p) & 0xFFFF;
            int words = in.getShort(p + 2) & 0xFFFF;
            byte[] body = Arrays.copyOfRange(pkt, p + 4, Math.min(pkt.length, p + 4 + 4 * words));
            if (extType == EXT_HSREQ) {
                hsreq = body;
            } else if (extType == EXT_KMREQ) {
                capture.kmreq = body;
            }
            p += 4 + 4 * words;
        }
        if (capture.kmreq != null && capture.kmreq[0] != 0x12) {
            throw new AssertionError("KMREQ not in wire order: " + HexFormat.of().formatHex(capture.kmreq));
        }
        out.putInt(5).putShort((short) 0).putShort((short) 0x3); // HSRSP | KMRSP
        out.putInt(in.getInt(16 + 8)).putInt(in.getInt(16 + 12)).putInt(in.getInt(16 + 16));
        out.putInt(HS_CONCLUSION).putInt(LISTENER_SOCKET_ID).putInt(0);
        out.put(pkt, 16 + 32, 16);
        if (hsreq != null) {
            out.putShort((short) EXT_HSRSP).putShort((short) (hsreq.length / 4)).put(hsreq);
        }
        if (capture.kmreq != null) {
            out.putShort((short) EXT_KMRSP).putShort((short) (capture.kmreq.length / 4)).put(capture.kmreq);
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    /** An MPEG-2 video test pattern in MPEG-TS, pushed by FFmpeg over SRT for about two seconds. */
    private static void publish(String url, int frames) {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(url, 160, 120, 0)) {
            recorder.setFormat("mpegts");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG2VIDEO);
            recorder.setFrameRate(25);
            recorder.setVideoBitrate(800_000);
            recorder.start();
            Frame frame = new Frame(160, 120, Frame.DEPTH_UBYTE, 3);
            ByteBuffer pixels = (ByteBuffer) frame.image[0];
            for (int i = 0; i < frames && !Thread.currentThread().isInterrupted(); i++) {
                for (int p = 0; p < pixels.capacity(); p++) {
                    pixels.put(p, (byte) (p * 7 + i * 13));
                }
                recorder.record(frame);
                Thread.sleep(40);
            }
            recorder.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("FFmpeg SRT caller failed: " + e.getMessage(), e);
        }
    }
}
