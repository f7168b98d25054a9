package io.tributary.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.StatusException;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** What the edge keeps of a /dvr request: the DVR parameters in one order, nothing a viewer adds. */
class EdgeDvrTest {

    private static MultiMap query(String... pairs) {
        MultiMap q = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < pairs.length; i += 2) {
            q.add(pairs[i], pairs[i + 1]);
        }
        return q;
    }

    @Test
    void oneCacheKeyWhateverTheOrderAndTheViewersOwnParameters() {
        EdgeDvr.Target a = EdgeDvr.parse("/dvr/cam/720p/index.m3u8", query("to", "1796605220", "from", "1796605200"));
        EdgeDvr.Target b = EdgeDvr.parse("/dvr/cam/720p/index.m3u8",
                query("sid", "viewer-1", "from", "1796605200", "token", "x", "to", "1796605220"));
        assertEquals("/dvr/cam/720p/index.m3u8?from=1796605200&to=1796605220", a.target());
        assertEquals(a, b);
        assertTrue(a.manifest());
        EdgeDvr.Target seg = EdgeDvr.parse("/dvr/cam/720p/seg-1796605200000.m4s", query("sid", "v"));
        assertEquals("/dvr/cam/720p/seg-1796605200000.m4s", seg.target());
        assertFalse(seg.manifest());
        EdgeDvr.Target iso = EdgeDvr.parse("/dvr/cam/manifest.mpd", query("from", "2026-12-07T01:00:00+01:00", "duration", "20"));
        assertEquals("/dvr/cam/manifest.mpd?from=2026-12-07T01:00:00%2B01:00&duration=20", iso.target(), "a '+' stays a plus upstream");
        assertTrue(EdgeDvr.parse("/dvr/cam/export.mp4", query("from", "1", "to", "2")).export());
        assertFalse(EdgeDvr.parse("/dvr/cam/720p/export.mp4", query()).export());
    }

    @Test
    void badInputIs400NamingItOr404() {
        Object[][] cases = {
                {"/dvr/c.m/index.m3u8", query(), 400, "stream key"},
                {"/dvr/cam/a.b/index.m3u8", query(), 400, "rendition"},
                {"/dvr/cam/720p/..", query(), 404, ""},
                {"/dvr/cam/720p/x/y.m4s", query(), 404, ""},
                {"/dvr/cam", query(), 404, ""},
                {"/dvr/cam/index.m3u8", query("from", "1", "from", "2"), 400, "from given twice"},
                {"/dvr/cam/index.m3u8", query("to", "a b"), 400, "to"},
                {"/dvr/cam/index.m3u8", query("from", "1".repeat(41)), 400, "from"},
        };
        for (Object[] c : cases) {
            StatusException e = assertThrows(StatusException.class, () -> EdgeDvr.parse((String) c[0], (MultiMap) c[1]), (String) c[0]);
            assertEquals(c[2], e.status(), c[0] + ": " + e.getMessage());
            assertTrue(e.getMessage().contains((String) c[3]), c[0] + ": " + e.getMessage());
        }
    }
}
