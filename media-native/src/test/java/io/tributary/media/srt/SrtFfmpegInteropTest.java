package io.tributary.media.srt;

import io.tributary.media.testing.SrtFfmpegPublisher;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** libsrt (inside JavaCV's FFmpeg) as the caller against the sans-IO listener on a loopback socket. */
class SrtFfmpegInteropTest {

    @Test
    void ffmpegPublishesOverSrtAndEveryFrameArrivesAsMpegTs() throws Exception {
        int frames = 50;
        try (UdpSrtServer server = new UdpSrtServer(SrtListenerSettings.defaults(), key -> null, c -> -1)) {
            SrtFfmpegPublisher.publish(SrtFfmpegPublisher.url(server.port(), "%23!::r=live/interop,m=publish", 200), frames);
            long deadline = System.currentTimeMillis() + 3000;
            while (server.closed.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertNull(server.failure);
            assertEquals(1, server.connected.size());
            SrtConnection c = server.connected.get(0);
            assertEquals("interop", c.streamId().key());
            assertEquals(200, c.latencyMs(), "negotiated latency: the larger of ours (120) and the caller's (200)");
            assertEquals(1, server.closed.size(), "FFmpeg's close arrives as a shutdown");
            byte[] ts = server.deliveredBytes(c);
            assertTrue(ts.length > 10 * 1316, "delivered " + ts.length + " bytes");
            assertEquals(0, ts.length % 188);
            for (int i = 0; i < ts.length; i += 188) {
                assertEquals(0x47, ts[i] & 0xFF, "sync byte of TS packet " + i / 188);
            }
            SrtStats stats = c.stats();
            assertEquals(0, stats.droppedTooLate());
            assertEquals(stats.packetsReceived(), stats.delivered() + stats.duplicates() + stats.belated());
            assertEquals(frames, countVideoFrames(ts), "every frame FFmpeg encoded is in the delivered TS");
        }
    }

    @Test
    void aCallerAskingToPlayIsRefusedAndFfmpegFailsToConnect() throws Exception {
        try (UdpSrtServer server = new UdpSrtServer(SrtListenerSettings.defaults(), key -> null, c -> -1)) {
            assertThrows(Exception.class, () -> SrtFfmpegPublisher.publish(
                    SrtFfmpegPublisher.url(server.port(), "%23!::r=live/x,m=request", 120), 5));
            assertEquals(1, server.listener.rejected());
            assertTrue(server.connected.isEmpty());
        }
    }

    @Test
    void encryptedPublishWithTheRightPassphraseDecryptsAndTheWrongOneIsRefused() throws Exception {
        String secret = "correct horse battery";
        try (UdpSrtServer server = new UdpSrtServer(SrtListenerSettings.defaults(), key -> secret, c -> -1)) {
            SrtFfmpegPublisher.publish(SrtFfmpegPublisher.url(server.port(), "live/enc", 120) + "&passphrase=correct%20horse%20battery&pbkeylen=32", 25);
            long deadline = System.currentTimeMillis() + 3000;
            while (server.closed.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            SrtConnection c = server.connected.get(0);
            assertTrue(c.encrypted());
            assertEquals(0, c.stats().undecryptable());
            assertEquals(25, countVideoFrames(server.deliveredBytes(c)), c.stats() + " " + server.closed);

            assertThrows(Exception.class, () -> SrtFfmpegPublisher.publish(
                    SrtFfmpegPublisher.url(server.port(), "live/enc", 120) + "&passphrase=wrong%20passphrase", 5));
            assertThrows(Exception.class, () -> SrtFfmpegPublisher.publish(SrtFfmpegPublisher.url(server.port(), "live/enc", 120), 5));
            assertEquals(2, server.listener.rejected(), "bad secret, then no secret");
            assertEquals(1, server.connected.size());
        }
    }

    @Test
    void fivePercentLossBothWaysIsRepairedWithinTheLatency() throws Exception {
        int frames = 100;
        try (UdpSrtServer server = new UdpSrtServer(SrtListenerSettings.defaults(), key -> null, c -> -1)) {
            server.loss = 0.05;
            SrtFfmpegPublisher.publish(SrtFfmpegPublisher.url(server.port(), "live/lossy", 120), frames);
            long deadline = System.currentTimeMillis() + 8000;
            while (server.closed.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            SrtConnection c = server.connected.get(0);
            SrtStats s = c.stats();
            assertTrue(s.lost() > 5, s.toString());
            assertEquals(0, s.droppedTooLate(), s.toString());
            // every frame but possibly the last: a datagram lost after the caller's final one shows
            // no gap to any receiver (nothing follows it), and FFmpeg does not wait to have it acknowledged
            int received = countVideoFrames(server.deliveredBytes(c));
            assertTrue(received == frames || received == frames - 1, received + " of " + frames + " frames, " + s);
        }
    }

    static int countVideoFrames(byte[] ts) throws Exception {
        int n = 0;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(new ByteArrayInputStream(ts), 0)) {
            grabber.setFormat("mpegts");
            grabber.start();
            Frame f;
            while ((f = grabber.grabImage()) != null) {
                n++;
            }
            grabber.stop();
        }
        return n;
    }
}
