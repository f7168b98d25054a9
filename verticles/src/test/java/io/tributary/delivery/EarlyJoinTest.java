package io.tributary.delivery;

import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A player that joins in a stream's first second gets playlists it can start from: the
 * multivariant playlist waits until every rendition has a complete segment, and so does a
 * first (non-blocking) media playlist request. (Shaka fails to load a playlist of parts alone.)
 */
class EarlyJoinTest {

    @Test
    void theFirstPlaylistsAPlayerSeesHoldACompleteSegment() {
        joinEarly(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_HLS_PART_TARGET", "0.333"), LiveNode.smallSource(), 6);
    }

    /** With a ladder: an encoded rung starts later than the source, and is listed once it can be started from. */
    @Test
    void everyRungListedAtTheStartHoldsACompleteSegment() {
        joinEarly(Map.of("TRIBUTARY_TRANSCODE_LADDER", "seed", "TRIBUTARY_HLS_PART_TARGET", "0.333"),
                new SyntheticAvSource(1280, 720, 30, 30, 0, true), 11);
    }

    /** @param withinSeconds how long the first answers may take: about a segment target, plus the rung encoders' start */
    private static void joinEarly(Map<String, String> config, SyntheticAvSource source, int withinSeconds) {
        try (LiveNode live = LiveNode.start(config)) {
            TestPublication pub = live.publish("early", source).sendPacedInBackground(8.0);
            // the stream exists from the publish on; ask as early as a player could
            TestNode.await("the stream to be registered", Duration.ofSeconds(10),
                    () -> TestNode.get(live.node(), "/api/v1/streams/early").statusCode() == 200);
            long asked = System.nanoTime();
            HttpResponse<String> mv = TestNode.get(live.node(), "/live/early/index.m3u8");
            assertEquals(200, mv.statusCode(), mv.body());
            List<String> uris = new Playlist(mv.body()).lines.stream().map(Playlist.Line::uri)
                    .filter(u -> u != null).toList();
            assertFalse(uris.isEmpty(), mv.body());
            // the audio rendition's URI is in an EXT-X-MEDIA attribute
            List<String> media = new java.util.ArrayList<>(uris);
            new Playlist(mv.body()).tags("EXT-X-MEDIA").forEach(l -> media.add(l.attr("URI")));
            for (String uri : media) {
                String path = "/live/early/" + uri.replaceAll("\\?.*", "");
                Playlist p = new Playlist(TestNode.get(live.node(), path).body());
                assertTrue(p.segments().size() >= 1, "a complete segment in the first " + path + " a player gets:\n" + p.text);
                assertTrue(p.has("EXT-X-PRELOAD-HINT"), "still low latency: " + p.text);
            }
            // and it did not wait long for it: about one segment target from the first media
            assertTrue(System.nanoTime() - asked < withinSeconds * 1_000_000_000L, "answered within " + withinSeconds + " s");
            assertEquals(null, pub.senderFailure());
        }
    }
}
