package io.tributary.live;

import io.tributary.media.MediaSample;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One publisher connection whose clock jumps, as encoders' clocks do: 20 s back (it froze the
 * stream for 20 s), an hour forward (it made a 3,602 s segment), and past 2^31 ms. The stream
 * keeps producing segments of normal length at the pace media arrives, and each jump is counted.
 */
class TimestampJumpTest {

    @Test
    void clockJumpsWithinAConnectionNeitherFreezeTheStreamNorMakeLongSegments() throws Exception {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"))) {
            TestPublication pub = live.publish("jumpy");
            RtmpTestPublisher rtmp = pub.rtmp();
            SyntheticAvSource src = pub.source();
            // the source's samples are 4 s chunks at 0, 4, 8, ... s; what its clock says instead:
            long wrap = 1L << 31;
            long[] clockAtChunkStart = {
                    100_000,               // 100 s
                    104_000,               // on, with audio muted for the chunk's 6 s...
                    110_000,               // ...and back in step with video: no jump either
                    94_000,                // 20 s back
                    98_000 + 3_600_000,    // an hour forward
                    wrap - 2_000,          // just under 2^31 ms (a source up for 24.8 days)...
                    wrap + 2_000};         // ...and on past it: no jump
            for (int chunk = 0; chunk < clockAtChunkStart.length; chunk++) {
                List<MediaSample> next = chunk == 1
                        ? src.next(6.0).stream().filter(m -> m.track() == io.tributary.media.Track.VIDEO).toList()
                        : src.next(4.0);
                long before = segmentsSoFar(live);
                long t0 = System.nanoTime();
                rtmp.sendPaced(next, clockAtChunkStart[chunk] - next.get(0).dts());
                if (chunk > 0) {
                    // media kept becoming segments while it was sent (4 s of it): no freeze
                    TestNode.await("new segments after chunk " + chunk, Duration.ofSeconds(3), () -> segmentsSoFar(live) > before);
                }
                assertTrue(System.nanoTime() - t0 < 9_000_000_000L, "chunk " + chunk + " took its own 4 s, no more");
            }
            Playlist p = live.awaitSegments("jumpy", "video", 6, Duration.ofSeconds(10));
            double target = Double.parseDouble(p.tag("EXT-X-TARGETDURATION").value());
            for (Playlist.Segment s : p.segments()) {
                assertTrue(s.duration() <= target + 1.0, "segment " + s.msn() + " lasts " + s.duration() + " s (target " + target + ")");
            }
            String metrics = TestNode.get(live.node(), "/metrics").body();
            double jumps = metrics.lines().filter(l -> l.startsWith("tributary_ingest_timestamp_jumps_total{stream_id=\"jumpy\"}"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertEquals(3.0, jumps, "the three jumps counted (a muted track resuming and the run past 2^31 ms are none)");
        }
    }

    private static long segmentsSoFar(LiveNode live) {
        Playlist p = new Playlist(TestNode.get(live.node(), "/live/jumpy/video/index.m3u8").body());
        return p.mediaSequence() + p.segments().size();
    }
}
