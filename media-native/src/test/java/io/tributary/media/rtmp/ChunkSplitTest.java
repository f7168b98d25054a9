package io.tributary.media.rtmp;

import io.tributary.media.MediaEvent;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** However TCP splits the stream, the session must produce the same events. */
class ChunkSplitTest {

    private static final int EVERY_BOUNDARY_PREFIX = 64 * 1024;
    private static final int RANDOM_SPLITS = 300;

    @Test
    void syntheticCaptureGivesSameEventsWhereverItIsSplit() {
        // starts just below 0xFFFFFF ms, so the capture crosses into extended timestamps
        SyntheticPublish.Capture capture = SyntheticPublish.run("synthetic", SyntheticPublish.tags(16_776_000, 60, 7));
        assertTrue(capture.clientBytes().length > EVERY_BOUNDARY_PREFIX, "capture long enough to cover the prefix");
        assertSplitInvariant(capture.clientBytes());
    }

    @Test
    @Tag("e2e")
    void ffmpegCaptureGivesSameEventsWhereverItIsSplit() throws Exception {
        FfmpegPublishCapture.Result result = FfmpegPublishCapture.get();
        assertNull(result.serverError());
        byte[] capture = result.inbound();
        List<RtmpEvent> whole = SyntheticPublish.replay(List.of(capture));
        // replaying offline must reproduce what the live socket session saw
        EventAssert.assertSameEvents(result.events(), whole, "offline replay of the FFmpeg capture");
        assertSplitInvariant(capture);
    }

    private static void assertSplitInvariant(byte[] capture) {
        List<RtmpEvent> expected = SyntheticPublish.replay(List.of(capture));
        assertTrue(expected.stream().filter(e -> e instanceof RtmpEvent.Media m && m.event() instanceof MediaEvent.Sample).count() > 50, "capture has media");

        List<RtmpEvent> byteByByte = SyntheticPublish.replay(bytewise(capture));
        EventAssert.assertSameEvents(expected, byteByByte, "byte-by-byte");

        // every boundary of the prefix (which covers handshake, commands and the first media),
        // comparing against the unsplit prefix
        byte[] prefix = Arrays.copyOf(capture, Math.min(capture.length, EVERY_BOUNDARY_PREFIX));
        List<RtmpEvent> expectedPrefix = SyntheticPublish.replay(List.of(prefix));
        for (int i = 1; i < prefix.length; i++) {
            List<RtmpEvent> split = SyntheticPublish.replay(List.of(Arrays.copyOf(prefix, i), Arrays.copyOfRange(prefix, i, prefix.length)));
            String mismatch = EventAssert.firstMismatch(expectedPrefix, split);
            if (mismatch != null) {
                throw new AssertionError("split at " + i + ": " + mismatch);
            }
        }

        Random random = new Random(42);
        for (int k = 0; k < RANDOM_SPLITS; k++) {
            int at = 1 + random.nextInt(capture.length - 1);
            List<RtmpEvent> split = SyntheticPublish.replay(List.of(Arrays.copyOf(capture, at), Arrays.copyOfRange(capture, at, capture.length)));
            EventAssert.assertSameEvents(expected, split, "split at " + at);
        }
        // and a few many-piece splits with random piece sizes
        for (int k = 0; k < 20; k++) {
            List<byte[]> pieces = new ArrayList<>();
            for (int pos = 0; pos < capture.length; ) {
                int n = Math.min(capture.length - pos, 1 + random.nextInt(5000));
                pieces.add(Arrays.copyOfRange(capture, pos, pos + n));
                pos += n;
            }
            EventAssert.assertSameEvents(expected, SyntheticPublish.replay(pieces), "random pieces, round " + k);
        }
    }

    private static List<byte[]> bytewise(byte[] capture) {
        List<byte[]> pieces = new ArrayList<>(capture.length);
        for (byte b : capture) {
            pieces.add(new byte[] {b});
        }
        return pieces;
    }
}
