package io.tributary.ingest.srt;

import io.tributary.Node;
import io.tributary.media.testing.SrtFfmpegPublisher;
import io.tributary.testing.FfmpegPlayer;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a broadcaster with an HEVC encoder and a passphrase does: FFmpeg (libsrt, libx265) publishes HEVC+AAC in
 * MPEG-TS, AES-256 encrypted, to a node that requires the passphrase; viewers get the HEVC rendition with its
 * hvc1 CODECS and FFmpeg plays it; a caller with the wrong passphrase never gets in.
 */
class SrtEncryptedHevcTest {

    private static final String PASSPHRASE = "correct horse battery";

    @Test
    @Timeout(150)
    void encryptedHevcOverSrtPlaysAndAWrongPassphraseIsRefused() throws Exception {
        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_SRT_PASSPHRASE", PASSPHRASE));
        try {
            String url = SrtFfmpegPublisher.url(node.srtPort(), "live/hevc-enc", 150)
                    + "&passphrase=correct%20horse%20battery&pbkeylen=32";
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread publisher = new Thread(() -> {
                try {
                    SrtFfmpegPublisher.publish(url, 150, "libx265");
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "srt-hevc-publisher");
            publisher.setDaemon(true);
            publisher.start();

            LiveNode.awaitSegments(node, "hevc-enc", "video", 1, Duration.ofSeconds(40));
            String multivariant = TestNode.get(node, "/live/hevc-enc/index.m3u8").body();
            assertTrue(multivariant.contains("CODECS=\"hvc1."), "the HEVC rendition's CODECS:\n" + multivariant);
            FfmpegPlayer.assertPlaysBack(node.httpUrl("/live/hevc-enc/index.m3u8"), SrtFfmpegPublisher.WIDTH,
                    SrtFfmpegPublisher.HEIGHT, 25);

            publisher.join(30_000);
            assertNull(failure.get());
            long deadline = System.currentTimeMillis() + 5000;
            while (SrtIngestTest.videoFrames(node, "hevc-enc") < 150 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(150.0, SrtIngestTest.videoFrames(node, "hevc-enc"), 1.0,
                    "every HEVC frame (the last may be lost with its unacknowledged datagram) reached the stream");

            // the wrong passphrase: refused at the handshake, nothing published. After the publisher is done: in one
            // process, FFmpeg's failing libsrt open tears down libsrt's state under the other caller too
            String wrong = SrtFfmpegPublisher.url(node.srtPort(), "live/intruder", 150) + "&passphrase=not%20the%20passphrase";
            assertThrows(Exception.class, () -> SrtFfmpegPublisher.publish(wrong, 5, "libx265"));
            assertEquals(404, TestNode.get(node, "/api/v1/streams/intruder").statusCode(), "no stream from a refused caller");
            assertTrue(Scrape.of(node).value("tributary_srt_rejected_total", "reason=\"bad_secret\"") >= 1,
                    "the refusal is counted with its reason");
            // a counter beside the gauge tributary_srt_connections: its own name, or Prometheus refuses one of them
            assertEquals(1.0, Scrape.of(node).value("tributary_srt_callers_accepted_total"), "the caller let in, counted");
        } finally {
            TestNode.stop(node);
        }
    }
}
