package io.tributary.live;

import io.tributary.Node;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node with room for one ladder: the next publisher is refused, or gets its source alone. */
class TranscodeAdmissionTest {

    private static List<Object> renditions(Node node, String key) {
        return new JsonObject(TestNode.get(node, "/api/v1/streams/" + key).body()).getJsonArray("renditions", new JsonArray()).getList();
    }

    private static RtmpTestPublisher publish(Node node, String key, SyntheticAvSource src) {
        RtmpTestPublisher p = RtmpTestPublisher.publish(node.rtmpPort(), key);
        if (p.publishing()) {
            p.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
        }
        return p;
    }

    @Test
    void fullNodeRefusesWithAClearStatus() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed", "TRIBUTARY_TRANSCODE_MAX_LADDERS", "1",
                "TRIBUTARY_TRANSCODE_WHEN_FULL", "reject"));
             SyntheticAvSource src = new SyntheticAvSource(1280, 720, 30, 60, 0, true)) {
            Node node = live.node();
            RtmpTestPublisher first = publish(node, "first", src);
            assertTrue(first.publishing());
            TestNode.await("first stream's ladder", Duration.ofSeconds(10), () -> renditions(node, "first").contains("360p"));

            RtmpTestPublisher second = publish(node, "second", src);
            assertFalse(second.publishing(), "refused while the only ladder slot is taken");
            assertEquals("NetStream.Publish.Rejected", second.failure().code());
            assertTrue(second.failure().description().contains("transcoding capacity"), second.failure().description());
            second.close();
            String metrics = TestNode.get(node, "/metrics").body();
            assertTrue(metrics.contains("tributary_transcode_admissions_total{result=\"rejected\"} 1.0"), "counted");
            assertTrue(metrics.contains("tributary_rtmp_rejected_total{reason=\"capacity\"} 1.0"), "counted");
            first.close();
        }
    }

    @Test
    void aRuleOnTheKeyChoosesTheLadder() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER_RULES", "hd-*=seed", "TRIBUTARY_TRANSCODE_LADDER", "none"));
             SyntheticAvSource src = new SyntheticAvSource(1280, 720, 30, 60, 0, true)) {
            Node node = live.node();
            RtmpTestPublisher hd = publish(node, "hd-stage", src);
            RtmpTestPublisher plain = publish(node, "stage", src);
            TestNode.await("both streams configured", Duration.ofSeconds(10),
                    () -> !renditions(node, "hd-stage").isEmpty() && !renditions(node, "stage").isEmpty());
            assertEquals(List.of("720p", "360p", "audio"), renditions(node, "hd-stage"));
            assertEquals(List.of("video", "audio"), renditions(node, "stage"));
            hd.close();
            plain.close();
        }
    }

    @Test
    void fullNodeFallsBackToPassthrough() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed", "TRIBUTARY_TRANSCODE_MAX_LADDERS", "1"));
             SyntheticAvSource src = new SyntheticAvSource(1280, 720, 30, 60, 0, true)) {
            Node node = live.node();
            RtmpTestPublisher first = publish(node, "first", src);
            RtmpTestPublisher second = publish(node, "second", src);
            assertTrue(second.publishing(), "passthrough is accepted");
            TestNode.await("both streams configured", Duration.ofSeconds(10),
                    () -> renditions(node, "first").contains("360p") && !renditions(node, "second").isEmpty());
            assertEquals(List.of("video", "audio"), renditions(node, "second"), "the source alone");
            assertTrue(TestNode.get(node, "/metrics").body().contains("tributary_transcode_admissions_total{result=\"passthrough\"} 1.0"));
            first.close();
            second.close();
        }
    }

    /** 360p30 from a 720p source: the only rung the seed ladder encodes for it. */
    private static final long RUNG_360P30 = 640L * 360 * 30;

    private static String metric(Node node, String line) {
        return TestNode.get(node, "/metrics").body().lines().filter(l -> l.startsWith(line + " ")).findFirst()
                .map(l -> l.substring(line.length() + 1)).orElse("absent");
    }

    @Test
    void pixelRateLimitRefusesAnAcceptedPublishOnceItsSourceShowsTheCost() {
        // room for one 720p source's 360p rung (6.9 Mpixel/s), not two
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_MAX_PIXEL_RATE", "10000000",
                "TRIBUTARY_TRANSCODE_WHEN_FULL", "reject"));
             SyntheticAvSource hd = new SyntheticAvSource(1280, 720, 30, 60, 0, true);
             SyntheticAvSource small = new SyntheticAvSource(640, 360, 30, 30, 0, true)) {
            Node node = live.node();
            RtmpTestPublisher first = publish(node, "first", hd);
            TestNode.await("first stream's ladder", Duration.ofSeconds(10), () -> renditions(node, "first").contains("360p"));
            assertEquals(RUNG_360P30 + ".0", metric(node, "tributary_transcode_pixel_rate_pixels_per_second"));

            // the publish itself is accepted (the cost is unknown until the video config), then refused
            RtmpTestPublisher second = publish(node, "second", hd);
            TestNode.await("second publisher refused", Duration.ofSeconds(10), () -> second.failure() != null);
            assertEquals("NetStream.Publish.Rejected", second.failure().code());
            String why = second.failure().description();
            assertTrue(why.contains("6.9 of 10.0 Mpixel/s") && why.contains("needs 6.9"), why);
            assertEquals("1.0", metric(node, "tributary_rtmp_rejected_total{reason=\"capacity\"}"), "disconnected, counted");
            assertEquals("1.0", metric(node, "tributary_transcode_admissions_total{result=\"rejected\"}"));
            assertEquals(RUNG_360P30 + ".0", metric(node, "tributary_transcode_pixel_rate_pixels_per_second"), "the refusal took nothing");

            // a source the ladder only passes through costs nothing and is not refused
            RtmpTestPublisher third = publish(node, "third", small);
            TestNode.await("third stream configured", Duration.ofSeconds(10), () -> !renditions(node, "third").isEmpty());
            assertEquals(List.of("360p", "audio"), renditions(node, "third"));
            assertTrue(third.publishing());
            assertEquals("1.0", metric(node, "tributary_transcode_ladders"));
            assertEquals("2.0", metric(node, "tributary_publishers"), "first and third publish; second was cut off");

            // the first stream ends: its capacity comes back (after the reconnect grace)
            first.unpublish();
            TestNode.await("capacity released", Duration.ofSeconds(15),
                    () -> metric(node, "tributary_transcode_ladders").equals("0.0"));
            assertEquals("0.0", metric(node, "tributary_transcode_pixel_rate_pixels_per_second"));
            second.close();
            third.close();
        }
    }

    @Test
    void pixelRateLimitFallsBackToTheSourceAlone() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_MAX_PIXEL_RATE", "10000000"));
             SyntheticAvSource hd = new SyntheticAvSource(1280, 720, 30, 60, 0, true)) {
            Node node = live.node();
            RtmpTestPublisher first = publish(node, "first", hd);
            TestNode.await("first stream's ladder", Duration.ofSeconds(10), () -> renditions(node, "first").contains("360p"));
            RtmpTestPublisher second = publish(node, "second", hd);
            TestNode.await("second stream configured", Duration.ofSeconds(10), () -> !renditions(node, "second").isEmpty());
            assertEquals(List.of("video", "audio"), renditions(node, "second"), "the source alone");
            assertTrue(second.publishing());
            assertEquals("1.0", metric(node, "tributary_transcode_admissions_total{result=\"admitted\"}"));
            assertEquals("1.0", metric(node, "tributary_transcode_admissions_total{result=\"passthrough\"}"));
            assertEquals(RUNG_360P30 + ".0", metric(node, "tributary_transcode_pixel_rate_pixels_per_second"));
            first.close();
            second.close();
        }
    }
}
