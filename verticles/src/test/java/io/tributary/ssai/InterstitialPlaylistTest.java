package io.tributary.ssai;

import io.tributary.testing.Playlist;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The interstitials mode's date range, read back with the tests' strict playlist reader. */
class InterstitialPlaylistTest {

    @Test
    void aBreakBecomesAnInterstitialDateRangeNamingTheSessionsAssetList() {
        String shared = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
                + "#EXT-X-MAP:URI=\"init-0.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2027-01-15T08:00:00.000Z\n#EXTINF:2.00000,\nseg-4.m4s\n";
        String out = SessionPlaylists.interstitials(shared, List.of(new SessionPlaylistView.InterstitialBreak("b-1", 1_800_000_000_000L,
                8000, "/ads/s1/b-1/assets.json")));
        Playlist p = new Playlist(out);
        Playlist.Line range = p.tag("EXT-X-DATERANGE");
        assertEquals("com.apple.hls.interstitial", range.attr("CLASS"));
        assertEquals("/ads/s1/b-1/assets.json", range.attr("X-ASSET-LIST"));
        assertEquals("8.000", range.attr("DURATION"));
        assertEquals("2027-01-15T08:00:00.000Z", range.attr("START-DATE"));
        assertEquals(4, p.mediaSequence());
        assertEquals(1, p.segments().size());
    }
}
