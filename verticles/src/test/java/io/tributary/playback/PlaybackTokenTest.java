package io.tributary.playback;

import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.playback.PlaybackToken.Verdict;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PlaybackTokenTest {

    private static final String SECRET = "a-secret-of-sixteen-or-more";
    private final PlaybackToken tokens = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8));
    private final long now = 1_800_000_000L;

    /** What README tells a CMS to do, written out with nothing of ours: the node must accept it. */
    private static String cmsMint(String payload) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return b64.encodeToString(p) + "." + b64.encodeToString(mac.doFinal(p));
    }

    @Test
    void aTokenMintedAsReadmeSaysIsAccepted() throws Exception {
        String t = cmsMint("v1|stream|cam1|" + (now + 60) + "|");
        assertEquals(Verdict.OK, tokens.verify(t, now, Kind.STREAM, "cam1", "192.0.2.1"));
        assertEquals(t, tokens.mint(new Claims(Kind.STREAM, "cam1", now + 60, "")));
        String bound = cmsMint("v1|asset|a1f3c0d9e2b4a6c8d|" + (now + 60) + "|192.0.2.1");
        assertEquals(Verdict.OK, tokens.verify(bound, now, Kind.ASSET, "a1f3c0d9e2b4a6c8d", "192.0.2.1"));
        assertEquals(Verdict.WRONG_ADDRESS, tokens.verify(bound, now, Kind.ASSET, "a1f3c0d9e2b4a6c8d", "192.0.2.2"));
        // a channel token opens the channel's live stream, as a stream token does
        assertEquals(Verdict.OK, tokens.verify(cmsMint("v1|channel|news|" + (now + 60) + "|"), now, Kind.STREAM, "news", ""));
    }

    @Test
    void theReadmeShellRecipeMintsAnAcceptedToken() {
        // printed by README's basenc/openssl lines for SECRET=test-secret-0123456789, stream cam1, expires 1900000000
        PlaybackToken t = new PlaybackToken("test-secret-0123456789".getBytes(StandardCharsets.UTF_8));
        assertEquals(Verdict.OK, t.verify("djF8c3RyZWFtfGNhbTF8MTkwMDAwMDAwMHw.RnndtJ8PynV9T4OGFkVLdPFbQ-cJGUAGdQxDzj8Pnyc",
                now, Kind.STREAM, "cam1", "198.51.100.7"));
    }

    @Test
    void everyRefusalHasItsReason() throws Exception {
        String valid = tokens.mint(new Claims(Kind.STREAM, "cam1", now + 60, ""));
        assertEquals(Verdict.EXPIRED, tokens.verify(valid, now + 61, Kind.STREAM, "cam1", ""));
        assertEquals(Verdict.WRONG_SCOPE, tokens.verify(valid, now, Kind.STREAM, "cam2", ""));
        assertEquals(Verdict.WRONG_SCOPE, tokens.verify(valid, now, Kind.ASSET, "cam1", ""));
        assertEquals(Verdict.FORGED, new PlaybackToken("another-secret-0123456".getBytes(StandardCharsets.UTF_8))
                .verify(valid, now, Kind.STREAM, "cam1", ""));
        // one flipped character of the payload: the signature no longer matches
        char c = valid.charAt(3);
        String tampered = valid.substring(0, 3) + (c == 'A' ? 'B' : 'A') + valid.substring(4);
        assertEquals(Verdict.FORGED, tokens.verify(tampered, now, Kind.STREAM, "cam1", ""));
        for (String bad : new String[] {"", "abc", "a.b.c", ".x", "x.", "%%%.%%%", "x".repeat(600) + ".y"}) {
            assertEquals(Verdict.MALFORMED, tokens.verify(bad, now, Kind.STREAM, "cam1", ""), bad);
        }
        assertEquals(Verdict.MALFORMED, tokens.verify(cmsMint("v2|stream|cam1|" + now + "|"), now, Kind.STREAM, "cam1", ""));
        assertEquals(Verdict.MALFORMED, tokens.verify(cmsMint("v1|room|cam1|" + now + "|"), now, Kind.STREAM, "cam1", ""));
        assertEquals(Verdict.MALFORMED, tokens.verify(cmsMint("v1|stream|cam1|soon|"), now, Kind.STREAM, "cam1", ""));
        assertNull(tokens.claims(tampered));
        assertThrows(IllegalArgumentException.class, () -> new PlaybackToken(new byte[8]));
    }

    @Test
    void aesKeysRotateAndDifferPerStreamRenditionAndPublish() throws Exception {
        byte[] k0 = SegmentCipher.key(tokens, "s", "video", 1, 0);
        assertEquals(16, k0.length);
        assertEquals(false, java.util.Arrays.equals(k0, SegmentCipher.key(tokens, "s", "video", 1, 1)));
        assertEquals(false, java.util.Arrays.equals(k0, SegmentCipher.key(tokens, "s", "audio", 1, 0)));
        assertEquals(false, java.util.Arrays.equals(k0, SegmentCipher.key(tokens, "s", "video", 2, 0)));
        byte[] clear = "0123456789abcdef-and-some-more".getBytes(StandardCharsets.UTF_8);
        byte[] enc = SegmentCipher.encrypt(k0, 7, new java.nio.ByteBuffer[] {java.nio.ByteBuffer.wrap(clear, 0, 10),
                java.nio.ByteBuffer.wrap(clear, 10, clear.length - 10)});
        assertEquals(32, enc.length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(clear, SegmentCipher.decrypt(k0, 7, enc));
    }

    @Test
    void encryptedPlaylistsNameAKeyPerPeriodBeforeItsFirstPartAndKeepInitsClear() {
        String ll = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n"
                + "#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-MAP:URI=\"init-0.mp4?t=1\"\n"
                + "#EXTINF:2.0,\nseg-3.m4s?t=1\n#EXTINF:2.0,\nseg-4.m4s?t=1\n"
                + "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4?t=1\"\n#EXT-X-PART:DURATION=0.5,URI=\"part-5.0.m4s?t=1\"\n#EXTINF:2.0,\nseg-5.m4s?t=1\n"
                + "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-6.0.m4s?t=1\"\n#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8?t=1\"\n";
        String out = SegmentCipher.playlist(ll, 2, n -> "/keys/s/video/9-" + n + ".key?t=1");
        String key = "#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/s/video/9-";
        assertEquals("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n"
                + "#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-MAP:URI=\"init-0.mp4?t=1\"\n"
                + key + "1.key?t=1\"\n#EXTINF:2.0,\nseg-3.m4s?t=1\n"
                + key + "2.key?t=1\"\n#EXTINF:2.0,\nseg-4.m4s?t=1\n"
                + "#EXT-X-DISCONTINUITY\n#EXT-X-KEY:METHOD=NONE\n#EXT-X-MAP:URI=\"init-1.mp4?t=1\"\n"
                + key + "2.key?t=1\"\n#EXT-X-PART:DURATION=0.5,URI=\"part-5.0.m4s?t=1\"\n#EXTINF:2.0,\nseg-5.m4s?t=1\n"
                + key + "3.key?t=1\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-6.0.m4s?t=1\"\n"
                + "#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8?t=1\"\n", out);
    }
}
