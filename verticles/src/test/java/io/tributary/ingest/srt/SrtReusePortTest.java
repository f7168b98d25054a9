package io.tributary.ingest.srt;

import io.netty.channel.epoll.Epoll;
import io.tributary.Node;
import io.tributary.media.testing.SrtFfmpegPublisher;
import io.tributary.media.testing.SrtTsPush;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * srt.instances on the native transport: two SRT listeners share the node's UDP port (SO_REUSEPORT), the kernel
 * spreads callers over them, and each caller's handshake and media reach the listener that holds its socket id:
 * every stream gets every frame.
 */
class SrtReusePortTest {

    @Test
    @Timeout(120)
    void callersSpreadOverTwoListenersOnOnePortAndEveryStreamGetsEveryFrame() throws Exception {
        assertTrue(Epoll.isAvailable(), () -> "epoll natives do not load here: " + Epoll.unavailabilityCause());
        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_NET_NATIVE_TRANSPORT", "true",
                "TRIBUTARY_SRT_INSTANCES", "2"));
        List<SrtTsPush> pushes = new ArrayList<>();
        try {
            int callers = 16; // each from its own port: all on one listener by chance is 2 in 65,536
            for (int i = 0; i < callers; i++) {
                pushes.add(SrtTsPush.connect(node.srtPort(), "live/rp-" + i, 120, null));
            }
            // the listeners' gauges are what each counted at its last tick
            TestNode.await("both listeners' gauges to count every caller", Duration.ofSeconds(5), () -> {
                Scrape s = Scrape.of(node);
                return s.value("tributary_srt_listener_connections", "listener=\"0\"")
                        + s.value("tributary_srt_listener_connections", "listener=\"1\"") >= callers;
            });
            Scrape scrape = Scrape.of(node);
            double first = scrape.value("tributary_srt_listener_connections", "listener=\"0\"");
            double second = scrape.value("tributary_srt_listener_connections", "listener=\"1\"");
            assertEquals(callers, first + second, "every caller is held by one of the two");
            assertTrue(first > 0 && second > 0, "the kernel spread the callers: " + first + " and " + second);
            assertEquals(callers, scrape.value("tributary_srt_connections"), "the node's figure is the sum");

            int frames = 50;
            byte[] ts = SrtFfmpegPublisher.encodeTs(frames);
            for (int off = 0; off < ts.length; off += SrtTsPush.PAYLOAD) {
                for (SrtTsPush p : pushes) {
                    p.send(ts, off, Math.min(SrtTsPush.PAYLOAD, ts.length - off));
                    p.poll();
                }
                Thread.sleep(1); // about 1,000 datagrams a second per caller: well within the receive buffer
            }
            for (SrtTsPush p : pushes) {
                p.finish(300);
            }
            for (SrtTsPush p : pushes) {
                p.close();
            }
            long deadline = System.currentTimeMillis() + 10_000;
            for (int i = 0; i < callers; i++) {
                while (SrtIngestTest.videoFrames(node, "rp-" + i) < frames && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(frames, SrtIngestTest.videoFrames(node, "rp-" + i), "stream rp-" + i);
            }
        } finally {
            for (SrtTsPush p : pushes) {
                p.close();
            }
            TestNode.stop(node);
        }
    }
}
