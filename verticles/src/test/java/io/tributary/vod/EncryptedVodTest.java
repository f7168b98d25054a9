package io.tributary.vod;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.playback.SegmentCipher;
import io.tributary.playback.VodCipher;
import io.tributary.testing.TestNode;
import io.tributary.testing.VodTestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.testing.VodTestNode.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VOD asset uploaded with {@code ?encryption=aes-128} on a real node, as a viewer meets it: its media
 * playlists carry EXT-X-KEY lines (the first, with an IV, before the map), its init section and segments
 * arrive as ciphertext that no fMP4 reader takes, the key server answers only a token of that asset
 * (private, no-store) at the origin and the edge alike, FFmpeg decrypts and decodes every picture with a
 * token, and the asset offers no clear DASH.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class EncryptedVodTest {

    private static final String SECRET = "cms-shared-secret-vodaes-0123456789";
    private static final Pattern KEY_LINE = Pattern.compile("#EXT-X-KEY:METHOD=AES-128,URI=\"([^\"]+)\"(,IV=0x([0-9a-f]{32}))?");
    @TempDir
    static Path dir;
    static VodTestNode vod;
    static Node node;

    @BeforeAll
    static void start() {
        vod = VodTestNode.start(dir, SECRET, Map.of("TRIBUTARY_KEYS_ROTATE_SEGMENTS", "2"));
        node = vod.node();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vod != null) {
            vod.close();
        }
    }

    @Test
    void anEncryptedAssetPlaysWithItsKeyAndOnlyATokenOpensTheKey() throws Exception {
        Path src = VodTestMedia.write(dir.resolve("clip.mp4"), 320, 240, 3, 25);
        HttpResponse<String> bad = vod.upload(new byte[16], "?encryption=aes-256");
        assertEquals(400, bad.statusCode(), "an unknown encryption is named, not ignored");
        assertTrue(bad.body().contains("encryption"), bad.body());
        HttpResponse<String> up = vod.upload(src, "?title=secret&encryption=aes-128");
        assertEquals(201, up.statusCode(), up.body());
        String id = new JsonObject(up.body()).getString("id");
        assertEquals("aes-128", new JsonObject(up.body()).getString("encryption"));
        JsonObject asset = vod.ready(id);
        assertEquals("aes-128", asset.getString("encryption"));
        assertTrue(asset.containsKey("dash"), "DASH ClearKey for an encrypted asset (CencVodTest): " + asset);
        String origin = vod.origin();
        String edge = vod.edge();
        String t = vod.token(Kind.ASSET, id);

        // nor a FAST channel, which would air the clear files as a live stream
        HttpResponse<String> channel = TestNode.send(node, "POST", "/api/v1/channels", new JsonObject().put("id", "enc-ch")
                .put("loop", new io.vertx.core.json.JsonArray().add(new JsonObject().put("asset", id))).encode(), null);
        assertEquals(400, channel.statusCode(), channel.body());
        assertTrue(channel.body().contains("encrypted"), channel.body());

        // no clear DASH (its MPD is ClearKey: CencVodTest), no byte-range trick play: a 409 naming why
        String mpd = text(get(origin + "/vod/" + id + "/manifest.mpd?token=" + t));
        assertTrue(mpd.contains("ContentProtection") && !mpd.contains("/init.mp4\""), mpd);
        String mv = text(get(origin + "/vod/" + id + "/index.m3u8?token=" + t));
        assertFalse(mv.contains("I-FRAME"), "trick-play playlists are left out:\n" + mv);
        String rung = mv.lines().filter(l -> !l.startsWith("#") && l.contains("/index.m3u8?token=" + t)).findFirst().orElseThrow().split("/")[0];
        assertEquals(409, get(origin + "/vod/" + id + "/" + rung + "/iframes.m3u8").statusCode());

        byte[] firstKey = null;
        byte[] firstSegment = null;
        for (String door : List.of(origin, edge)) {
            String media = text(get(door + "/vod/" + id + "/" + rung + "/index.m3u8?token=" + t));
            Matcher keys = KEY_LINE.matcher(media);
            List<String> keyUris = new ArrayList<>();
            List<String> ivs = new ArrayList<>();
            while (keys.find()) {
                keyUris.add(keys.group(1));
                ivs.add(keys.group(3));
            }
            assertTrue(keyUris.size() >= 3, "the init's key line and one per two segments:\n" + media);
            assertTrue(media.indexOf("#EXT-X-KEY") < media.indexOf("#EXT-X-MAP"), "the key comes before the map:\n" + media);
            assertEquals(java.util.HexFormat.of().formatHex(VodCipher.initIv()), ivs.get(0), "the init section's key line names its IV");
            assertTrue(keyUris.stream().allMatch(u -> u.startsWith("/keys/vod/" + id + "/") && u.endsWith("?token=" + t)), media);

            String bare = keyUris.get(0).substring(0, keyUris.get(0).indexOf('?'));
            HttpResponse<byte[]> refused = get(door + bare);
            assertEquals(403, refused.statusCode(), door + bare);
            assertTrue(new String(refused.body(), StandardCharsets.UTF_8).contains("?token="), "the refusal says what is missing");
            assertEquals("private, no-store", refused.headers().firstValue("cache-control").orElse(""), "no one keeps a key's refusal");
            assertEquals(403, get(door + bare + "?token=" + vod.token(Kind.STREAM, id)).statusCode(), "a stream token of the same name");
            assertEquals(403, get(door + bare + "?token=" + vod.token(Kind.ASSET, "a0000000000000000")).statusCode(), "another asset's token");
            HttpResponse<byte[]> key = get(door + keyUris.get(0));
            assertEquals(200, key.statusCode());
            assertEquals(16, key.body().length);
            assertEquals("private, no-store", key.headers().firstValue("cache-control").orElse(""));

            // the init section and the first segment: ciphertext on the wire, fMP4 once decrypted with that key
            byte[] init = get(door + "/vod/" + id + "/" + rung + "/init.mp4").body();
            assertEquals(0, init.length % 16);
            assertFalse(boxes(init, "ftyp", "moov"), "the init section on the wire parses as fMP4");
            assertTrue(boxes(SegmentCipher.decrypt(key.body(), VodCipher.initIv(), init), "ftyp", "moov"), "decrypted: ftyp, moov");
            String seg = media.lines().filter(l -> l.startsWith("seg_")).findFirst().orElseThrow().split("\\?")[0];
            long n = VodCipher.segmentNumber(seg);
            byte[] wire = get(door + "/vod/" + id + "/" + rung + "/" + seg).body();
            assertEquals(0, wire.length % 16, "CBC with padding: whole blocks");
            assertFalse(boxes(wire, "moof", "mdat"), "segment bytes on the wire parse as fMP4 fragments");
            assertTrue(boxes(SegmentCipher.decrypt(key.body(), n, wire), "moof", "mdat"), "decrypted (IV = segment number): a fragment");
            if (firstKey == null) {
                firstKey = key.body();
                firstSegment = wire;
            } else {
                assertArrayEquals(firstKey, key.body(), "the edge derives the origin's key");
                assertArrayEquals(firstSegment, wire, "the edge serves the origin's ciphertext");
            }
        }

        // a later key period has another key
        String media = text(get(origin + "/vod/" + id + "/" + rung + "/index.m3u8?token=" + t));
        Matcher keys = KEY_LINE.matcher(media);
        List<byte[]> distinct = new ArrayList<>();
        while (keys.find()) {
            byte[] k = get(origin + keys.group(1)).body();
            if (distinct.stream().noneMatch(d -> java.util.Arrays.equals(d, k))) {
                distinct.add(k);
            }
        }
        assertTrue(distinct.size() >= 2, "keys rotate every two segments");

        for (String door : List.of(origin, edge)) {
            assertEquals(75, VodTestNode.pictures(door + "/vod/" + id + "/index.m3u8?token=" + t, 75), "FFmpeg decrypts and decodes every picture at " + door);
        }
    }

    /** SSAI splices an ad's files as they are on disk: an encrypted asset must never be one. */
    @Test
    void anEncryptedAssetIsNeverAnAd() throws Exception {
        HttpResponse<String> tagged = vod.upload(new byte[16], "?encryption=aes-128&tags=promo,ad");
        assertEquals(409, tagged.statusCode(), tagged.body());
        assertTrue(tagged.body().contains("'ad'") && tagged.body().contains("encryption=none"), "the refusal names why: " + tagged.body());

        HttpResponse<String> up = vod.upload(VodTestMedia.write(dir.resolve("enc-ad.mp4"), 320, 240, 2, 25), "?encryption=aes-128&tags=promo");
        assertEquals(201, up.statusCode(), up.body());
        String encrypted = new JsonObject(up.body()).getString("id");
        HttpResponse<String> patch = TestNode.send(node, "PATCH", "/api/v1/assets/" + encrypted,
                new JsonObject().put("tags", new io.vertx.core.json.JsonArray().add("promo").add("ad")).encode(), null);
        assertEquals(409, patch.statusCode(), patch.body());
        assertTrue(patch.body().contains(encrypted) && patch.body().contains("'ad'"), patch.body());
        HttpResponse<String> other = TestNode.send(node, "PATCH", "/api/v1/assets/" + encrypted,
                new JsonObject().put("tags", new io.vertx.core.json.JsonArray().add("summer")).encode(), null);
        assertEquals(200, other.statusCode(), "other tags stay editable: " + other.body());

        HttpResponse<String> clear = vod.upload(VodTestMedia.write(dir.resolve("clear-ad.mp4"), 320, 240, 2, 25), "?encryption=none&tags=ad");
        assertEquals(201, clear.statusCode(), "a clear asset may be an ad: " + clear.body());
        String ad = new JsonObject(clear.body()).getString("id");
        vod.ready(encrypted);
        vod.ready(ad);
        // the built-in ad server's pool: the clear ad, never the encrypted asset
        TestNode.await("the clear ad in the pool", Duration.ofSeconds(20),
                () -> TestNode.get(node, "/ads/vast?duration=60&session=s1&stream=x").body().contains("/vod/" + ad + "/"));
        assertFalse(TestNode.get(node, "/ads/vast?duration=60&session=s2&stream=x").body().contains(encrypted));
        assertEquals("[\"summer\"]", new JsonObject(text(get(node.httpUrl("/api/v1/assets/" + encrypted)))).getJsonArray("tags").encode());
    }

    @Test
    void aClearAssetStaysClear() throws Exception {
        HttpResponse<String> up = vod.upload(VodTestMedia.write(dir.resolve("clear.mp4"), 320, 240, 2, 25), "?encryption=none");
        assertEquals(201, up.statusCode(), up.body());
        String id = new JsonObject(up.body()).getString("id");
        JsonObject asset = vod.ready(id);
        assertEquals("none", asset.getString("encryption"));
        assertTrue(asset.containsKey("dash"));
        String mv = text(get(node.httpUrl("/vod/" + id + "/index.m3u8")));
        // the multivariant carries the viewer's issued sid on its URIs
        String rung = mv.lines().filter(l -> !l.startsWith("#") && l.contains("/index.m3u8")).findFirst().orElseThrow().split("/")[0];
        assertFalse(text(get(node.httpUrl("/vod/" + id + "/" + rung + "/index.m3u8"))).contains("#EXT-X-KEY"));
        assertTrue(boxes(get(node.httpUrl("/vod/" + id + "/" + rung + "/init.mp4")).body(), "ftyp", "moov"));
    }

    /** Whether {@code b} is a run of ISO BMFF boxes, sizes chaining to its end, opening with {@code first} and holding {@code also}. */
    private static boolean boxes(byte[] b, String first, String also) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        List<String> types = new ArrayList<>();
        while (buf.remaining() >= 8) {
            long size = buf.getInt(buf.position()) & 0xffffffffL;
            String type = new String(b, buf.position() + 4, 4, StandardCharsets.ISO_8859_1);
            if (size < 8 || size > buf.remaining() || !type.matches("[a-z0-9]{4}")) {
                return false;
            }
            types.add(type);
            buf.position(buf.position() + (int) size);
        }
        return buf.remaining() == 0 && !types.isEmpty() && (types.get(0).equals(first) || types.get(0).equals("styp"))
                && types.contains(first) && types.contains(also);
    }

    private static String text(HttpResponse<byte[]> r) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(200, r.statusCode(), body);
        return body;
    }
}
