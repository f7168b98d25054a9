package io.tributary.ingest;

import io.tributary.Node;
import io.tributary.media.MediaSample;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With {@code rtmp.duplicate-publish: takeover}, a second publisher replaces the first without ending the stream. */
class PublishTakeoverTest {

    @Test
    void secondPublisherTakesOverTheKey() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_RTMP_DUPLICATE_PUBLISH", "takeover", "TRIBUTARY_TRANSCODE_LADDER", "none"))) {
            Node node = live.node();
            TestPublication firstPublication = live.publish("studio").send(4.2);
            RtmpTestPublisher first = firstPublication.rtmp();
            SyntheticAvSource src = firstPublication.source();
            live.awaitSegments("studio", "video", 2, Duration.ofSeconds(10));

            RtmpTestPublisher second = RtmpTestPublisher.publish(node.rtmpPort(), "studio");
            assertTrue(second.publishing(), "takeover accepted: " + second.failure());
            assertTrue(first.closedByServer(5000), "the first publisher is cut off");
            second.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
            List<MediaSample> more = src.next(4.2);
            second.send(more, -more.get(0).dts());
            TestNode.await("segments from the second publisher", Duration.ofSeconds(10), () ->
                    new Playlist(TestNode.get(node, "/live/studio/video/index.m3u8").body()).segments().stream()
                            .anyMatch(Playlist.Segment::discontinuity));
            JsonObject info = new JsonObject(TestNode.get(node, "/api/v1/streams/studio").body());
            assertEquals("live", info.getString("state"));
            assertEquals(2, info.getInteger("publisherSessions"));
            second.close();
            first.close();
        }
    }
}
