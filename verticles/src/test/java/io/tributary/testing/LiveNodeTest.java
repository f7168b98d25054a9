package io.tributary.testing;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixture itself: a wait that runs out says what it expected and what the node answered last. */
class LiveNodeTest {

    @Test
    void aWaitThatRunsOutShowsTheExpectationAndTheLastAnswer() {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"))) {
            AssertionError missing = assertThrows(AssertionError.class,
                    () -> live.awaitSegments("nobody", "video", 2, Duration.ofMillis(300)));
            assertTrue(missing.getMessage().contains("2 complete segments in /live/nobody/video/index.m3u8"), missing.getMessage());
            assertTrue(missing.getMessage().contains("last answered 404"), missing.getMessage());

            live.publish("short").send(2.2);
            Playlist one = live.awaitSegments("short", "video", 1, Duration.ofSeconds(10));
            assertEquals(1, one.segments().size(), one.text);
            AssertionError tooFew = assertThrows(AssertionError.class,
                    () -> live.awaitVideoSegments("short", 5, Duration.ofMillis(500)));
            assertTrue(tooFew.getMessage().contains("5 complete segments in the first variant"), tooFew.getMessage());
            assertTrue(tooFew.getMessage().contains("last answered 200:\n#EXTM3U"), "the playlist is shown: " + tooFew.getMessage());
            assertEquals("video", live.videoRendition("short"));

            AssertionError refused = assertThrows(AssertionError.class, () -> live.publish("short"));
            assertTrue(refused.getMessage().contains("publish of 'short' refused"), refused.getMessage());
        }
    }
}
