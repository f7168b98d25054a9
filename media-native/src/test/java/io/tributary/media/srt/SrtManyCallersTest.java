package io.tributary.media.srt;

import io.tributary.media.testing.SrtTsPush;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ten plain-Java callers at 2.5 Mbit/s each into one listener socket: demultiplexed, nothing dropped. */
class SrtManyCallersTest {

    @Test
    void tenCallersAtTwoAndAHalfMegabitsArriveWhole() throws Exception {
        int n = 10;
        int seconds = 4;
        byte[] payload = new byte[SrtTsPush.PAYLOAD];
        for (int k = 0; k < payload.length; k += 188) {
            payload[k] = 0x47;
        }
        try (UdpSrtServer server = new UdpSrtServer(SrtListenerSettings.defaults(), key -> null, c -> -1)) {
            List<SrtTsPush> pubs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pubs.add(SrtTsPush.connect(server.port(), "live/many" + i, 120, null));
            }
            double perSecond = 2_500_000 / 8.0 / SrtTsPush.PAYLOAD;
            long start = System.nanoTime();
            long sent = 0;
            while (System.nanoTime() - start < seconds * 1_000_000_000L) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * perSecond);
                while (sent < due) {
                    for (SrtTsPush p : pubs) {
                        p.send(payload, 0, payload.length);
                    }
                    sent++;
                }
                pubs.forEach(SrtTsPush::poll);
                Thread.sleep(1);
            }
            long end = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < end) {
                pubs.forEach(SrtTsPush::poll);
                Thread.sleep(1);
            }
            pubs.forEach(SrtTsPush::close);
            Thread.sleep(300);
            assertEquals(n, server.connected.size());
            for (SrtConnection c : server.connected) {
                SrtStats s = c.stats();
                assertEquals(0, s.droppedTooLate(), s.toString());
                assertEquals(sent * SrtTsPush.PAYLOAD, server.deliveredBytes(c).length, s.toString());
            }
            assertTrue(sent > 3 * perSecond);
        }
    }
}
