package io.tributary.live;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a ladder does when it cannot keep up, and what a source it cannot decode does to others. */
class TranscodePressureTest {

    private static final Pattern DROPPED =
            Pattern.compile("tributary_transcode_dropped_frames_total\\{rendition=\"(\\w+)\",stream_id=\"flood\"} ([0-9.]+)");

    @Test
    void aLadderThatFallsBehindDropsRungFramesWhileTheSourceKeepsItsCadence() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed"))) {
            Node node = live.node();
            // 20 s of 1080p in one burst: far faster than two cores encode 720p + 360p
            TestPublication pub = live.publish("flood", new SyntheticAvSource(1920, 1080, 30, 30, 0, false)).send(20.2);
            live.awaitSegments("flood", "1080p", 10, Duration.ofSeconds(20));
            Playlist source = new Playlist(TestNode.get(node, "/live/flood/1080p/index.m3u8").body());
            for (Playlist.Segment s : source.segments()) {
                assertEquals(2.0, s.duration(), 0.05, "the bypassed source keeps every frame: segment " + s.msn());
            }
            TestNode.await("drops counted", Duration.ofSeconds(20), () -> {
                Matcher m = DROPPED.matcher(TestNode.get(node, "/metrics").body());
                double dropped = 0;
                while (m.find()) {
                    dropped += Double.parseDouble(m.group(2));
                }
                return dropped > 0;
            });
            pub.close();
        }
    }

    @Test
    void anUnsupportedSourceCodecFailsThatStreamOnly() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"))) {
            Node node = live.node();
            TestPublication good = live.publish("good").send(2.2);

            RtmpTestPublisher vp9 = RtmpTestPublisher.publish(node.rtmpPort(), "vp9");
            assertTrue(vp9.publishing());
            // Enhanced RTMP: ex-header, keyframe, SequenceStart, FourCC vp09 (HEVC and AV1 are ingested)
            vp9.sendVideoTag(0, new byte[]{(byte) 0x90, 'v', 'p', '0', '9', 1, 2, 3, 4});
            assertTrue(vp9.closedByServer(5000), "the VP9 publisher is closed");
            vp9.close();

            good.send(2.2);
            live.awaitSegments("good", "video", 2, Duration.ofSeconds(10));
            String metrics = TestNode.get(node, "/metrics").body();
            assertTrue(metrics.contains("tributary_rtmp_rejected_total{reason=\"unsupported_codec\"} 1.0"), "counted");
            assertEquals(List.of("good"), new io.vertx.core.json.JsonArray(TestNode.get(node, "/api/v1/streams").body())
                    .stream().map(o -> ((io.vertx.core.json.JsonObject) o).getString("key")).filter(k -> k.equals("good")).toList());
            good.close();
        }
    }
}
