package io.tributary.ingest;

import io.tributary.Node;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed input on the RTMP port closes that connection only: a parallel publisher
 * keeps streaming and its playlist keeps advancing throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RtmpBadInputTest {

    private static final int LIMIT = 65_536;

    private LiveNode live;
    private Node node;
    private TestPublication good;

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of("TRIBUTARY_RTMP_MAX_MESSAGE_BYTES", Integer.toString(LIMIT), "TRIBUTARY_TRANSCODE_LADDER", "none"));
        node = live.node();
        good = live.publish("good").sendPacedInBackground(25);
        live.awaitOk("/live/good/video/index.m3u8", Duration.ofSeconds(10));
    }

    @AfterAll
    void stop() {
        live.close();
    }

    private long goodEdge() {
        Playlist p = new Playlist(TestNode.get(node, "/live/good/video/index.m3u8").body());
        return p.segments().size() + p.mediaSequence() * 100 + p.trailingParts().size();
    }

    /** Runs one bad client, then checks the good stream advanced and was not touched. */
    private void assertGoodStreamUnaffected(Runnable badClient) {
        long before = goodEdge();
        badClient.run();
        TestNode.await("good stream to advance", Duration.ofSeconds(5), () -> goodEdge() > before);
        assertNull(good.senderFailure(), "good publisher failed");
        assertEquals("live", new io.vertx.core.json.JsonObject(TestNode.get(node, "/api/v1/streams/good").body()).getString("state"));
    }

    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    @Test
    void garbageInsteadOfAHandshake() {
        assertGoodStreamUnaffected(() -> {
            try (Socket s = new Socket("127.0.0.1", node.rtmpPort())) {
                byte[] junk = new byte[4096];
                new Random(7).nextBytes(junk);
                junk[0] = 0x47; // not RTMP version 3
                s.getOutputStream().write(junk);
                assertTrue(closedByServer(s), "server closes a connection that sends garbage");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void truncatedChunkThenNonsenseAfterPublishing() {
        assertGoodStreamUnaffected(() -> {
            RtmpTestPublisher bad = RtmpTestPublisher.publish(node.rtmpPort(), "bad-truncated");
            assertTrue(bad.publishing());
            // a type-0 header for a 200-byte video message, 20 bytes of it, then a chunk
            // on a stream id that never had a header (type 3 first): a protocol error
            byte[] header = {0x06, 0, 0, 0, 0, 0, (byte) 200, 9, 1, 0, 0, 0};
            bad.writeRaw(header);
            bad.writeRaw(new byte[20]);
            byte[] nonsense = new byte[300];
            new Random(3).nextBytes(nonsense);
            for (int i = 0; i < nonsense.length; i += 50) {
                nonsense[i] = (byte) 0xFF; // fmt 3 on csid 63
            }
            bad.writeRaw(nonsense);
            assertTrue(bad.closedByServer(5000), "server closes the connection");
            bad.close();
        });
    }

    @Test
    void oversizedMessageIsRefusedBeforeItsPayload() {
        assertGoodStreamUnaffected(() -> {
            RtmpTestPublisher bad = RtmpTestPublisher.publish(node.rtmpPort(), "bad-oversized");
            assertTrue(bad.publishing());
            int declared = 10 * 1024 * 1024; // 10 MiB against a 64 KiB limit
            byte[] header = {0x06, 0, 0, 0, (byte) (declared >> 16), (byte) (declared >> 8), (byte) declared, 9, 1, 0, 0, 0};
            bad.writeRaw(header); // header only: no payload is ever sent
            assertTrue(bad.closedByServer(5000), "refused on the header alone");
            bad.close();
        });
        String metrics = TestNode.get(node, "/metrics").body();
        assertTrue(metrics.matches("(?s).*tributary_rtmp_rejected_total\\{reason=\"over_limit\"} [1-9].*"), "counted");
    }

    /**
     * The heap attack: right after publishing, unfinished messages on chunk stream after chunk
     * stream (any of 65,599 may be used). The connection is cut at its buffered-bytes or
     * partial-message limit, counted, and the node's ingest budget holds nothing of it after.
     */
    @Test
    void floodOfUnfinishedMessagesIsCutAtItsLimit() {
        assertGoodStreamUnaffected(() -> {
            RtmpTestPublisher bad = RtmpTestPublisher.publish(node.rtmpPort(), "bad-flood");
            assertTrue(bad.publishing());
            // Set Chunk Size 1024 on csid 2, so each chunk below is one whole chunk
            bad.writeRaw(new byte[]{0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x04, 0x00});
            boolean cut = false;
            for (int csid = 10; csid < 60 && !cut; csid++) {
                byte[] header = {(byte) csid, 0, 0, 0, 0, (byte) 0xEA, 0x60, 9, 1, 0, 0, 0}; // 60,000 bytes declared
                try {
                    bad.writeRaw(header);
                    bad.writeRaw(new byte[1024]); // ...and only one chunk of them sent
                } catch (RuntimeException e) {
                    cut = true; // the server closed while we wrote
                }
            }
            assertTrue(bad.closedByServer(5000), "cut at its limit");
            bad.close();
        });
        String metrics = TestNode.get(node, "/metrics").body();
        assertTrue(metrics.matches("(?s).*tributary_rtmp_rejected_total\\{reason=\"over_limit\"} [1-9].*"), "counted");
        // what the cut connection held went back to the node's budget (the good publisher's
        // messages come and go: a few KiB at most)
        TestNode.await("the budget given back", Duration.ofSeconds(5), () ->
                gauge(TestNode.get(node, "/metrics").body(), "tributary_ingest_buffered_bytes") < 200_000);
    }

    private static double gauge(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " not in /metrics"));
    }

    @Test
    void badVersionAndHalfAHandshake() {
        assertGoodStreamUnaffected(() -> {
            try (Socket s = new Socket("127.0.0.1", node.rtmpPort())) {
                OutputStream out = s.getOutputStream();
                out.write(new byte[]{9});
                out.write(new byte[1536]);
                assertTrue(closedByServer(s), "wrong RTMP version closes");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            // a client that stops mid-handshake just goes away; nothing else notices
            try (Socket s = new Socket("127.0.0.1", node.rtmpPort())) {
                s.getOutputStream().write(new byte[]{3, 1, 2, 3});
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertFalse(good.sender().getState() == Thread.State.TERMINATED && good.senderFailure() != null);
    }
}
