package io.tributary.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.StatusException;
import org.junit.jupiter.api.Test;

import java.util.List;

/** What the edge makes of a /vod request, and which hotness keys its live pre-warming takes. */
class EdgeVodTest {

    @Test
    void theShapesOfAnAssetsObjects() {
        EdgeVod.Target mv = EdgeVod.parse("/vod/a0123456789abcdef/index.m3u8");
        assertEquals("a0123456789abcdef", mv.asset());
        assertNull(mv.rendition());
        assertEquals("/vod/a0123456789abcdef/index.m3u8", mv.path());
        assertTrue(mv.entry() && mv.manifest());
        EdgeVod.Target seg = EdgeVod.parse("/vod/a0123456789abcdef/720p/seg_3.m4s");
        assertEquals("720p", seg.rendition());
        assertFalse(seg.entry() || seg.manifest());
        EdgeVod.Target map = EdgeVod.parse("/vod/a0123456789abcdef/thumbnails.vtt");
        assertTrue(map.entry(), "the thumbnail map names the sprite: a signed viewer's token goes in");
        assertFalse(map.manifest());
        assertFalse(EdgeVod.parse("/vod/a0123456789abcdef/poster.jpg").entry());
    }

    @Test
    void anythingElseIs404() {
        for (String path : new String[] {"/vod/a1", "/vod/a1/", "/vod/a1/x/y/z.m4s", "/vod/a.1/index.m3u8", "/vod/a1/7.2p/seg_1.m4s",
                "/vod/a1/720p/seg_1.exe", "/vod/a1/720p/" + "s".repeat(40) + ".m4s", "/vod//index.m3u8"}) {
            StatusException e = assertThrows(StatusException.class, () -> EdgeVod.parse(path), path);
            assertEquals(404, e.status(), path);
        }
    }

    @Test
    void liveWarmingSkipsAssets() {
        assertEquals(List.of("cam/720p", "news/480p"), EdgeVod.liveOnly(List.of("cam/720p", "vod:a0123456789abcdef/720p", "news/480p")));
    }
}
