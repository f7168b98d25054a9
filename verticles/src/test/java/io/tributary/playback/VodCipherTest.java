package io.tributary.playback;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The key lines an encrypted VOD playlist gets, and the keys: per asset, per epoch, per period, never a live key. */
class VodCipherTest {

    private static final PlaybackToken SIGNER = new PlaybackToken("a-secret-of-sixteen+".getBytes(StandardCharsets.UTF_8));

    private static String stored(int first, int count) {
        StringBuilder b = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
                + "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n");
        for (int i = first; i < first + count; i++) {
            b.append("#EXTINF:1.00000,\nseg_").append(i).append(".m4s\n");
        }
        return b.append("#EXT-X-ENDLIST\n").toString();
    }

    @Test
    void aKeyLineBeforeTheMapWithItsIvThenOnePerPeriod() {
        String out = VodCipher.mediaPlaylist(stored(0, 5), "a1", 7, 2);
        String k = "#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/vod/a1/7/";
        assertEquals("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n"
                + "#EXT-X-INDEPENDENT-SEGMENTS\n" + k + "0.key\",IV=0x00000000000000010000000000000000\n#EXT-X-MAP:URI=\"init.mp4\"\n"
                + k + "0.key\"\n#EXTINF:1.00000,\nseg_0.m4s\n#EXTINF:1.00000,\nseg_1.m4s\n"
                + k + "1.key\"\n#EXTINF:1.00000,\nseg_2.m4s\n#EXTINF:1.00000,\nseg_3.m4s\n"
                + k + "2.key\"\n#EXTINF:1.00000,\nseg_4.m4s\n#EXT-X-ENDLIST\n", out);
    }

    @Test
    void segmentsNumberedOtherThanTheirSequenceNameTheirIv() {
        String out = VodCipher.mediaPlaylist(stored(1, 2), "a1", 7, 10);
        assertEquals(List.of("#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/vod/a1/7/0.key\",IV=0x00000000000000010000000000000000",
                        "#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/vod/a1/7/0.key\",IV=0x00000000000000000000000000000001",
                        "#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/vod/a1/7/0.key\",IV=0x00000000000000000000000000000002"),
                out.lines().filter(l -> l.startsWith("#EXT-X-KEY")).toList());
    }

    @Test
    void keysDifferByAssetEpochAndPeriodAndFromLiveKeys() {
        byte[] k = VodCipher.key(SIGNER, "a1", 7, 0);
        assertEquals(16, k.length);
        assertFalse(java.util.Arrays.equals(k, VodCipher.key(SIGNER, "a2", 7, 0)));
        assertFalse(java.util.Arrays.equals(k, VodCipher.key(SIGNER, "a1", 8, 0)));
        assertFalse(java.util.Arrays.equals(k, VodCipher.key(SIGNER, "a1", 7, 1)));
        // a live stream named "vod" with a rendition named like the asset: the path differs and so does the key
        assertFalse(java.util.Arrays.equals(k, SegmentCipher.key(SIGNER, "vod", "a1", 7, 0)));
    }

    @Test
    void initAndSegmentsDecryptWithTheirIvs() throws Exception {
        byte[] clear = "an init section, or a fragment of media".getBytes(StandardCharsets.US_ASCII);
        byte[] init = VodCipher.encrypt(SIGNER, "a1", 7, 2, "init.mp4", clear);
        assertArrayEquals(clear, SegmentCipher.decrypt(VodCipher.key(SIGNER, "a1", 7, 0), VodCipher.initIv(), init));
        byte[] seg = VodCipher.encrypt(SIGNER, "a1", 7, 2, "seg_5.m4s", clear);
        assertArrayEquals(clear, SegmentCipher.decrypt(VodCipher.key(SIGNER, "a1", 7, 2), 5, seg));
        assertFalse(java.util.Arrays.equals(init, VodCipher.encrypt(SIGNER, "a1", 7, 2, "seg_0.m4s", clear)),
                "the init's IV is no segment's");
    }

    @Test
    void theMultivariantLosesOnlyItsIFramePlaylists() {
        assertEquals("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2\nv/index.m3u8\n", VodCipher.multivariant(
                "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2\nv/index.m3u8\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"v/iframes.m3u8\"\n"));
    }
}
