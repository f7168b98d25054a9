package io.tributary.ingest;

import io.tributary.testing.LiveNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A silent RTMP peer is closed after rtmp.idle-timeout (one sweep per ingest verticle, not a timer
 * per connection); a publisher that keeps sending is not, however long it streams.
 */
@Timeout(60)
class RtmpIdleTimeoutTest {

    @Test
    void silentPeersAreClosedAndPublishersAreNot() throws Exception {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_RTMP_IDLE_TIMEOUT", "2s"))) {
            TestPublication pub = live.publish("steady").sendPacedInBackground(7);
            Socket[] silent = new Socket[20];
            long opened = System.nanoTime();
            for (int i = 0; i < silent.length; i++) {
                silent[i] = new Socket("127.0.0.1", live.node().rtmpPort());
                silent[i].setSoTimeout(6000);
            }
            for (Socket s : silent) {
                try (s; InputStream in = s.getInputStream()) {
                    int read;
                    try {
                        read = in.read();
                    } catch (SocketTimeoutException e) {
                        throw new AssertionError("a peer silent for 6 s is still open", e);
                    } catch (java.net.SocketException reset) {
                        read = -1;
                    }
                    assertEquals(-1, read, "closed, not answered");
                }
            }
            long ms = (System.nanoTime() - opened) / 1_000_000;
            assertTrue(ms >= 1900 && ms < 4500, "closed between one and one and a half timeouts (plus scheduling): " + ms + " ms");
            // the publisher streamed through several timeouts and is still on
            pub.joinSender(10_000);
            assertNull(pub.senderFailure(), "the paced publisher was cut");
            live.awaitSegments("steady", "video", 3, Duration.ofSeconds(10));
        }
    }
}
