package io.tributary.playback;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.testing.FfmpegPlayer;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AES-128 as a viewer meets it: a stream under an {@code aes-128} rule lists an EXT-X-KEY per key
 * period (rotating every two segments here), its segments arrive as ciphertext that is no fMP4
 * without the key, the key server answers only with the viewer's token (private, no-store, refusals too), at the
 * origin and at the edge alike, and FFmpeg plays it with a token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncryptedPlaybackTest {

    private static final String SECRET = "cms-shared-secret-aes-0123456789";
    private static final Pattern KEY_LINE = Pattern.compile("#EXT-X-KEY:METHOD=AES-128,URI=\"([^\"]+)\"");
    private final PlaybackToken cms = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8));
    private Node node;
    private TestPublication publication;
    private String origin;
    private String edge;

    @BeforeAll
    void start() {
        node = TestNode.start(Map.of("TRIBUTARY_PLAYBACK_SECRET", SECRET,
                "TRIBUTARY_KEYS_ENCRYPT_RULES", "enc-*=aes-128", "TRIBUTARY_KEYS_ROTATE_SEGMENTS", "2",
                "TRIBUTARY_TRANSCODE_LADDER", "none"));
        origin = node.httpUrl("");
        edge = "http://127.0.0.1:" + node.roles().edgePort();
        publication = LiveNode.publish(node, "enc-a", LiveNode.smallSource()).send(6.5).sendPacedInBackground(40);
        String t = token();
        TestNode.await("four segments of enc-a", Duration.ofSeconds(60), () -> {
            HttpResponse<byte[]> r = get(origin + "/live/enc-a/video/index.m3u8?token=" + t);
            return r.statusCode() == 200 && new String(r.body(), StandardCharsets.UTF_8).split("#EXTINF").length > 4;
        });
    }

    @AfterAll
    void stop() {
        if (publication != null) {
            publication.close();
        }
        TestNode.stop(node);
    }

    private String token() {
        return cms.mint(new Claims(Kind.STREAM, "enc-a", System.currentTimeMillis() / 1000 + 300, ""));
    }

    @Test
    void segmentsAreCiphertextAndOnlyTheTokenOpensTheKey() throws Exception {
        String t = token();
        // an encrypted stream needs a token even without an access rule: its keys do
        assertEquals(403, get(origin + "/live/enc-a/index.m3u8").statusCode());
        for (String door : List.of(origin, edge)) {
            String media = text(get(door + "/live/enc-a/video/index.m3u8?token=" + t));
            assertTrue(media.contains("#EXT-X-PART:"), "LL-HLS parts stay listed:\n" + media);
            Matcher keys = KEY_LINE.matcher(media);
            List<String> keyUris = new ArrayList<>();
            while (keys.find()) {
                keyUris.add(keys.group(1));
            }
            assertTrue(keyUris.size() >= 2, "a key per two segments:\n" + media);
            assertTrue(keyUris.stream().allMatch(u -> u.startsWith("/keys/enc-a/video/") && u.contains("token=" + t)), media);
            // the init section stays clear (before any EXT-X-KEY, or after METHOD=NONE)
            assertTrue(media.indexOf("#EXT-X-MAP") < media.indexOf("#EXT-X-KEY"), media);

            String keyUri = keyUris.get(0); // the first period: complete segments under it (the last may be the open one's)
            String bare = keyUri.substring(0, keyUri.indexOf('?'));
            HttpResponse<byte[]> refused = get(door + bare);
            assertEquals(403, refused.statusCode(), door + bare);
            assertEquals("private, no-store", refused.headers().firstValue("cache-control").orElse(""), "no one keeps a key's refusal");
            HttpResponse<byte[]> otherStream = get(door + bare + "?token=" + cms.mint(new Claims(Kind.STREAM, "other", System.currentTimeMillis() / 1000 + 300, "")));
            assertEquals(403, otherStream.statusCode());
            assertEquals("private, no-store", otherStream.headers().firstValue("cache-control").orElse(""));
            HttpResponse<byte[]> noKey = get(door + "/keys/enc-a/video/not-a-key.key?token=" + t);
            assertEquals(404, noKey.statusCode());
            assertEquals("private, no-store", noKey.headers().firstValue("cache-control").orElse(""), "nor a key server's 404");
            HttpResponse<byte[]> key = get(door + keyUri);
            assertEquals(200, key.statusCode());
            assertEquals(16, key.body().length);
            assertEquals("private, no-store", key.headers().firstValue("cache-control").orElse(""));

            // the first segment under that key: ciphertext on the wire, an fMP4 fragment once decrypted
            String seg = firstSegmentAfter(media, keyUri);
            long msn = Long.parseLong(seg.substring(4, seg.indexOf('.')));
            byte[] wire = get(door + "/live/enc-a/video/" + seg).body();
            assertEquals(0, wire.length % 16, "CBC with padding: whole blocks");
            assertFalse(fragment(wire), "segment bytes on the wire parse as fMP4 boxes");
            byte[] clear = SegmentCipher.decrypt(key.body(), msn, wire);
            assertTrue(fragment(clear), "decrypted with the served key (IV = media sequence number): an fMP4 fragment");
            // each part is its own AES-128 resource under its segment's key and IV: ciphertext that decrypts to a fragment
            byte[] part = get(door + "/live/enc-a/video/part-" + msn + ".0.m4s?token=" + t).body();
            assertEquals(0, part.length % 16);
            assertFalse(fragment(part), "part bytes on the wire parse as fMP4 boxes");
            assertTrue(fragment(SegmentCipher.decrypt(key.body(), msn, part)), "a decrypted part is an fMP4 fragment");
        }
        // the same segment from the origin and the edge: encrypted once, the same bytes
        String media = text(get(origin + "/live/enc-a/video/index.m3u8?token=" + t));
        Matcher m = Pattern.compile("(seg-\\d+\\.m4s)").matcher(media);
        assertTrue(m.find());
        assertArrayEquals(get(origin + "/live/enc-a/video/" + m.group(1) + "?token=" + t).body(),
                get(edge + "/live/enc-a/video/" + m.group(1) + "?token=" + t).body());
        assertEquals(404, get(origin + "/live/enc-a/manifest.mpd?token=" + t).statusCode(), "no DASH for HLS AES-128");
    }

    @Test
    void ffmpegPlaysTheEncryptedStreamWithAToken() throws Exception {
        FfmpegPlayer.assertPlaysBack(edge + "/live/enc-a/index.m3u8?token=" + token(), 320, 240, 30);
    }

    /** Whether {@code b} is a run of ISO BMFF boxes of the kinds a CMAF fragment has, sizes chaining to its end. */
    private static boolean fragment(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        int boxes = 0;
        while (buf.remaining() >= 8) {
            long size = buf.getInt(buf.position()) & 0xffffffffL;
            String type = new String(b, buf.position() + 4, 4, StandardCharsets.ISO_8859_1);
            if (size < 8 || size > buf.remaining() || !List.of("styp", "prft", "moof", "mdat", "emsg", "sidx").contains(type)) {
                return false;
            }
            buf.position(buf.position() + (int) size);
            boxes++;
        }
        return boxes >= 2 && buf.remaining() == 0;
    }

    private static String firstSegmentAfter(String media, String keyUri) {
        Matcher m = Pattern.compile("\n(seg-\\d+\\.m4s[^\n]*)").matcher(media.substring(media.indexOf(keyUri)));
        assertTrue(m.find(), media);
        return m.group(1);
    }

    private static String text(HttpResponse<byte[]> r) {
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static HttpResponse<byte[]> get(String url) {
        try {
            return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new AssertionError(url, e);
        }
    }
}
