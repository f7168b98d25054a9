package io.tributary.testing;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FFmpeg's HLS demuxer (through JavaCV) as a player: what a viewer's player decodes. */
public final class FfmpegPlayer {

    private FfmpegPlayer() {
    }

    /** Plays {@code url} until {@code frames} pictures decoded, each {@code width}x{@code height}, with audio. */
    public static void assertPlaysBack(String url, int width, int height, int frames) throws Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(url)) {
            grabber.setOption("rw_timeout", "10000000");
            grabber.start();
            int images = 0;
            int audio = 0;
            for (int i = 0; i < 10 * frames && images < frames; i++) {
                Frame f = grabber.grab();
                assertNotNull(f, url + " ended early");
                if (f.image != null) {
                    assertEquals(width, f.imageWidth, url + " width");
                    assertEquals(height, f.imageHeight, url + " height");
                    images++;
                }
                if (f.samples != null) {
                    audio++;
                }
            }
            assertEquals(frames, images, url + ": decoded video frames");
            assertTrue(audio > 0, url + ": decoded audio frames");
            grabber.stop();
        }
    }
}
