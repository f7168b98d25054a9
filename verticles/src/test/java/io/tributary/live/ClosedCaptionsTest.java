package io.tributary.live;

import io.tributary.media.MediaSample;
import io.tributary.media.testing.A53Captions;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The multivariant playlist says CLOSED-CAPTIONS=NONE on every variant when the source carries no
 * captions (Shaka then skips probing the segments for CEA-608, which failed its early joins), and
 * says nothing when the source does (OBS's CEA-608 passes through the source rendition).
 */
@Timeout(120)
class ClosedCaptionsTest {

    @Test
    void noneOnlyForASourceWithoutCaptions() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"))) {
            live.publish("plain").send(2.2);
            var captionedPub = live.publish("captioned");
            List<MediaSample> media = captionedPub.source().next(2.2).stream().map(A53Captions::captioned).toList();
            captionedPub.rtmp().send(media, 0);
            live.awaitSegments("plain", "video", 1, Duration.ofSeconds(20));
            live.awaitSegments("captioned", "video", 1, Duration.ofSeconds(20));

            Playlist plain = new Playlist(TestNode.get(live.node(), "/live/plain/index.m3u8").body());
            List<Playlist.Line> infs = plain.lines.stream().filter(l -> "EXT-X-STREAM-INF".equals(l.tag())).toList();
            assertFalse(infs.isEmpty());
            for (Playlist.Line inf : infs) {
                assertEquals("NONE", inf.attr("CLOSED-CAPTIONS"), "a source without captions");
            }
            String captioned = TestNode.get(live.node(), "/live/captioned/index.m3u8").body();
            assertTrue(captioned.contains("#EXT-X-STREAM-INF"), captioned);
            assertFalse(captioned.contains("CLOSED-CAPTIONS"), "the source's captions pass through: " + captioned);
        }
    }
}
