package io.tributary.cluster.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContentKeyTest {

    @Test
    void sessionAndTokenParametersAreStripped() {
        ContentKey k = ContentKey.parse("/live/cam1/720p/seg-42.m4s?sid=abc&token=xyz&CMCD=bl%3D2000%2Csid%3D%22x%22&exp=1700000000&sig=ff00");
        assertEquals("cam1", k.stream());
        assertEquals("720p", k.rendition());
        assertEquals("seg-42.m4s", k.object());
        assertEquals("cam1/720p", k.routingKey());
        assertEquals("/live/cam1/720p/seg-42.m4s", k.cacheKey());
        assertFalse(k.manifest());
        assertEquals(k.cacheKey(), ContentKey.parse("/live/cam1/720p/seg-42.m4s").cacheKey());
    }

    @Test
    void llHlsDirectivesAreKeptInCanonicalOrder() {
        ContentKey k = ContentKey.parse("/live/cam1/720p/index.m3u8?token=t&_HLS_part=2&sid=9&_HLS_skip=YES&_HLS_msn=17");
        assertEquals("/live/cam1/720p/index.m3u8?_HLS_msn=17&_HLS_part=2&_HLS_skip=YES", k.cacheKey());
        assertTrue(k.manifest());
        assertTrue(k.blocking());
        assertFalse(ContentKey.parse("/live/cam1/720p/index.m3u8?_HLS_skip=YES").blocking());
    }

    @Test
    void everyObjectOfARenditionRoutesTogetherAndStreamLevelObjectsByStream() {
        String r = ContentKey.parse("/live/cam1/360p/index.m3u8?_HLS_msn=3").routingKey();
        assertEquals(r, ContentKey.parse("/live/cam1/360p/part-3.1.m4s").routingKey());
        assertEquals(r, ContentKey.parse("/live/cam1/360p/init-0.mp4?sid=1").routingKey());
        assertEquals("cam1", ContentKey.parse("/live/cam1/index.m3u8?sid=1").routingKey());
        assertEquals("/live/cam1/manifest.mpd", ContentKey.parse("/live/cam1/manifest.mpd?token=a").cacheKey());
    }

    @Test
    void notLiveIsNullAndMalformedIsNamed() {
        assertNull(ContentKey.parse("/health"));
        assertNull(ContentKey.parse("/live/cam1"));
        assertNull(ContentKey.parse("/live/a/b/c/d"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/c%20m/v/seg-1.m4s"))
                .getMessage().contains("stream key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/../seg-1.m4s"))
                .getMessage().contains("rendition"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/..hidden"))
                .getMessage().contains("object"));
        assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/"));
        assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/a..b"));
        assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/.m4s"));
        assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/" + "k".repeat(129) + "/v/seg-1.m4s"));
        assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/seg 1.m4s"));
        assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/index.m3u8?_HLS_msn=12345678901234567890"));
        assertEquals("/live/" + "k".repeat(128) + "/v_1-a/init-0.mp4", ContentKey.parse("/live/" + "k".repeat(128) + "/v_1-a/init-0.mp4").cacheKey());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/index.m3u8?_HLS_msn=1&_HLS_msn=2"))
                .getMessage().contains("twice"));
        assertThrows(IllegalArgumentException.class, () -> ContentKey.parse("/live/cam/v/index.m3u8?_HLS_msn=%31"));
    }
}
