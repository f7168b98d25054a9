package io.tributary.dvr;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class DvrThumbnailsTest {

    @Test
    void byteBoundHoldsWhenPicturesGrow() {
        DvrThumbnails t = new DvrThumbnails(1);
        // many small pictures, then large ones: each put must evict as many as it takes, not one
        for (int i = 0; i < 1000; i++) {
            t.put("small-" + i, new byte[16 << 10]);
        }
        for (int i = 0; i < 40; i++) {
            t.put("large-" + i, new byte[4 << 20]);
            assertTrue(t.cachedBytes() <= DvrThumbnails.MAX_CACHED_BYTES, "after large " + i + ": " + t.cachedBytes());
        }
        assertTrue(t.cachedBytes() > 0);
    }
}
