package io.tributary.vod;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken;
import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.PlayerHarness;
import io.tributary.testing.PlayerLibraries;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An AES-128 VOD asset played over DASH with Common Encryption on a real node, as a DASH viewer meets
 * it: its MPD names the cenc scheme, the default KID and a ClearKey license URL carrying the token;
 * the license server answers a W3C ClearKey request only for a token of that asset (private, no-store)
 * and refuses malformed or oversized requests with a 4xx; FFmpeg (JavaCV's) given the licensed key decodes
 * every picture and audio frame of the encrypted media exactly as the clear files, and without it does not;
 * dash.js in headless Chromium plays it with ClearKey from the MPD alone.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CencVodTest {

    private static final String SECRET = "cms-shared-secret-vodcenc-0123456789";
    private static final PlaybackToken CMS = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8));
    private static final Pattern LAURL = Pattern.compile("<dashif:Laurl>([^<]+)</dashif:Laurl>");
    private static final Pattern KID = Pattern.compile("cenc:default_KID=\"([0-9a-f-]{36})\"");
    private static final Pattern INIT = Pattern.compile("initialization=\"([A-Za-z0-9_-]+)/cenc_init\\.mp4\\?token=");
    @TempDir
    static Path dir;
    static Node node;
    static String assetId;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("TRIBUTARY_DATA_DIR", dir.resolve("data").toString(), "TRIBUTARY_VOD_ENABLED", "true",
                "TRIBUTARY_VOD_SEGMENT_TARGET", "1s", "TRIBUTARY_VOD_POLL_INTERVAL", "200ms", "TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_PLAYBACK_SECRET", SECRET, "TRIBUTARY_ROUTER_MODE", "proxy"));
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    @Test
    void anEncryptedAssetPlaysOverDashWithItsClearKeyLicense() throws Exception {
        String id = asset();
        assertEquals("/vod/" + id + "/manifest.mpd", new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body()).getString("dash"));
        String t = token(id);

        HttpResponse<String> mpdResponse = TestNode.get(node, "/vod/" + id + "/manifest.mpd?token=" + t);
        assertEquals(200, mpdResponse.statusCode(), mpdResponse.body());
        String mpd = mpdResponse.body();
        assertTrue(mpdResponse.headers().firstValue("cache-control").orElse("").startsWith("private"), "one viewer's MPD");
        assertTrue(mpd.contains("schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cenc\""), mpd);
        assertTrue(mpd.contains("urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"), "the ClearKey system:\n" + mpd);
        Matcher kidMatch = KID.matcher(mpd);
        assertTrue(kidMatch.find(), mpd);
        byte[] kid = HexFormat.of().parseHex(kidMatch.group(1).replace("-", ""));
        Matcher laurl = LAURL.matcher(mpd);
        assertTrue(laurl.find(), mpd);
        String license = laurl.group(1).replace("&amp;", "&");
        assertTrue(license.startsWith(node.httpUrl("/keys/vod/" + id + "/")) && license.endsWith("/clearkey?token=" + t), license);
        String bare = license.substring(0, license.indexOf('?'));
        String request = new JsonObject().put("kids", new JsonArray().add(b64(kid))).put("type", "temporary").encode();

        // the license server: the AES-128 key server's rules, and bounded, named refusals
        HttpResponse<String> refused = post(bare, request);
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("?token="), "the refusal says what is missing: " + refused.body());
        // the failure handler keeps the key server's no-store on a refusal: no cache keeps it
        assertEquals("private, no-store", refused.headers().firstValue("cache-control").orElse(""), refused.headers().toString());
        assertEquals(403, post(bare + "?token=" + token("a0000000000000000"), request).statusCode(), "another asset's token");
        assertEquals(400, post(license, "{\"kids\": 7}").statusCode());
        assertEquals(400, post(license, "not json").statusCode());
        assertEquals(413, post(license, "{\"kids\": [\"" + "A".repeat(8000) + "\"]}").statusCode(), "a request is a few hundred bytes");
        assertEquals(404, post(license, new JsonObject().put("kids", new JsonArray().add(b64(new byte[16]))).encode()).statusCode(),
                "a KID that is not the asset's");
        HttpResponse<String> granted = post(license, request);
        assertEquals(200, granted.statusCode(), granted.body());
        assertEquals("private, no-store", granted.headers().firstValue("cache-control").orElse(""));
        JsonObject jwk = new JsonObject(granted.body()).getJsonArray("keys").getJsonObject(0);
        assertEquals("oct", jwk.getString("kty"));
        assertEquals(b64(kid), jwk.getString("kid"));
        String key = HexFormat.of().formatHex(Base64.getUrlDecoder().decode(jwk.getString("k")));

        // through the edge: the license URL names the edge (which derives the key too) and carries the token
        String edge = "http://127.0.0.1:" + node.roles().edgePort();
        Matcher edgeLaurl = LAURL.matcher(new String(ok(edge + "/vod/" + id + "/manifest.mpd?token=" + t), StandardCharsets.UTF_8));
        assertTrue(edgeLaurl.find());
        String edgeLicense = edgeLaurl.group(1).replace("&amp;", "&");
        assertTrue(edgeLicense.startsWith(edge + bare.substring(node.httpUrl("").length()) + "?")
                && edgeLicense.contains("token=" + t), edgeLicense); // and the sid the edge issued
        assertEquals(granted.body(), post(edgeLicense, request).body(), "the edge grants the same key");
        assertEquals(403, post(edgeLicense.substring(0, edgeLicense.indexOf('?')), request).statusCode());

        // every rendition: FFmpeg with the licensed key decodes what the clear files decode, frame for frame
        Matcher inits = INIT.matcher(mpd);
        List<String> renditions = new ArrayList<>();
        while (inits.find()) {
            renditions.add(inits.group(1));
        }
        assertEquals(2, renditions.size(), "one video and one audio rendition:\n" + mpd);
        int pictures = 0;
        for (String r : renditions) {
            Path clearDir = dir.resolve("data/vod/" + id + "/" + r);
            List<Integer> numbers;
            try (var files = Files.list(clearDir)) {
                numbers = files.map(p -> p.getFileName().toString()).filter(n -> n.matches("seg_\\d+\\.m4s"))
                        .map(n -> Integer.parseInt(n.substring(4, n.length() - 4))).sorted().toList();
            }
            ByteArrayOutputStream clear = new ByteArrayOutputStream();
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            clear.write(Files.readAllBytes(clearDir.resolve("init.mp4")));
            wire.write(ok(node.httpUrl("/vod/" + id + "/" + r + "/cenc_init.mp4?token=" + t)));
            for (int n : numbers) {
                clear.write(Files.readAllBytes(clearDir.resolve("seg_" + n + ".m4s")));
                byte[] seg = ok(node.httpUrl("/vod/" + id + "/" + r + "/cenc_seg_" + n + ".m4s?token=" + t));
                assertArrayEquals(seg, ok(edge + "/vod/" + id + "/" + r + "/cenc_seg_" + n + ".m4s?token=" + t),
                        "the edge serves the origin's ciphertext");
                wire.write(seg);
            }
            Path clearFile = Files.write(dir.resolve(id + "-" + r + "-clear.mp4"), clear.toByteArray());
            Path wireFile = Files.write(dir.resolve(id + "-" + r + "-cenc.mp4"), wire.toByteArray());
            List<String> expected = frames(clearFile, null);
            assertTrue(expected.size() >= 20, r + ": " + expected.size() + " frames");
            List<String> decrypted = frames(wireFile, key);
            assertTrue(expected.equals(decrypted), r + ": " + decrypted + " decrypted, not the " + expected.size() + " clear frames");
            List<String> keyless = frames(wireFile, null);
            assertFalse(keyless.stream().anyMatch(expected::contains), r + ": without the key a frame decoded as in the clear: " + keyless);
            if (mpd.indexOf("id=\"" + r + "\"") < mpd.indexOf("contentType=\"audio\"")) {
                pictures = expected.size();
            }
        }
        assertEquals(75, pictures, "every picture of 3 s at 25 fps");
    }

    @Test
    void dashJsPlaysItInChromiumWithClearKey() throws Exception {
        PlayerLibraries.requireBrowserAndNpm();
        PlayerLibraries libs = PlayerLibraries.dir().install();
        String id = asset();
        String t = token(id);
        try (PlayerHarness harness = PlayerHarness.start(libs); HeadlessChromium chromium = HeadlessChromium.launch()) {
            HeadlessChromium.Tab tab = chromium.open(harness.url(PlayerLibraries.Player.DASHJS, node.httpUrl("/vod/" + id + "/manifest.mpd?token=" + t)));
            try {
                TestNode.await("dash.js to play 2 s of the encrypted asset", Duration.ofSeconds(60), () -> {
                    Object fatal = tab.eval("window.matrix && window.matrix.fatal");
                    if (fatal instanceof String f && !f.isEmpty()) {
                        throw new AssertionError("player error: " + f);
                    }
                    return tab.number("document.querySelector('video').currentTime") > 2;
                });
                List<JsonObject> licenses = tab.requests(r -> r.getString("url").contains("/clearkey"));
                assertTrue(!licenses.isEmpty(), "dash.js asked the license server");
                licenses.forEach(r -> assertTrue(r.getString("url").contains("token=" + t), r.getString("url")));
                assertTrue(tab.requests(r -> r.getString("url").contains("/cenc_seg_")).size() >= 2, "encrypted segments were played");
                assertTrue(tab.number("document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames") > 25,
                        "pictures were decoded");
            } finally {
                tab.close();
            }
        }
    }

    /** The encrypted asset both tests play, uploaded once. */
    @Test
    void aProxyingRouterChecksTheTokenThenPassesTheKeysAndTheLicense() throws Exception {
        String id = asset();
        String t = token(id);
        // the node's own router, proxying (router.mode: proxy): it holds the node's pass, which edges honour
        String proxy = "http://127.0.0.1:" + node.roles().routerPort();
        {
            // DASH: the MPD through the router names the router's license URL, which grants the asset's key
            String mpd = new String(ok(proxy + "/vod/" + id + "/manifest.mpd?token=" + t), StandardCharsets.UTF_8);
            Matcher laurl = LAURL.matcher(mpd);
            assertTrue(laurl.find(), mpd);
            String license = laurl.group(1).replace("&amp;", "&");
            assertTrue(license.startsWith(proxy + "/keys/vod/" + id + "/"), license);
            Matcher kid = KID.matcher(mpd);
            assertTrue(kid.find(), mpd);
            String request = new JsonObject().put("kids", new JsonArray()
                    .add(b64(HexFormat.of().parseHex(kid.group(1).replace("-", ""))))).put("type", "temporary").encode();
            HttpResponse<String> granted = post(license, request);
            assertEquals(200, granted.statusCode(), granted.body());
            String bare = license.substring(0, license.indexOf('?'));
            assertEquals(post(node.httpUrl(bare.substring(proxy.length())) + "?token=" + t, request).body(), granted.body(),
                    "the origin's key");
            // no token: refused by the router itself (the edge would take the router's pass for a checked viewer)
            HttpResponse<String> refused = post(bare, request);
            assertEquals(403, refused.statusCode(), refused.body());
            assertEquals("private, no-store", refused.headers().firstValue("cache-control").orElse(""));

            // HLS AES-128: the playlist's key URI (root-relative) resolves to the router, which gets it from the edge
            String mv = new String(ok(proxy + "/vod/" + id + "/index.m3u8?token=" + t), StandardCharsets.UTF_8);
            String variant = java.util.Arrays.stream(mv.split("\n")).filter(l -> !l.startsWith("#") && l.contains("/index.m3u8")).findFirst().orElseThrow();
            String rung = variant.split("/")[0];
            String media = new String(ok(proxy + "/vod/" + id + "/" + variant), StandardCharsets.UTF_8);
            Matcher keyUri = Pattern.compile("#EXT-X-KEY:METHOD=AES-128,URI=\"(/keys/vod/[^\"]+)\"").matcher(media);
            assertTrue(keyUri.find(), rung + ":\n" + media);
            byte[] key = ok(proxy + keyUri.group(1));
            assertEquals(16, key.length);
            assertArrayEquals(ok(node.httpUrl(keyUri.group(1))), key, "the origin's key");
            String keyPath = keyUri.group(1).substring(0, keyUri.group(1).indexOf('?'));
            HttpResponse<String> noToken = TestNode.getUrl(proxy + keyPath);
            assertEquals(403, noToken.statusCode(), noToken.body());
            assertEquals(404, TestNode.getUrl(proxy + "/keys/vod/" + id + "/x/1.key?token=" + t).statusCode(), "no such key");
        }
    }

    private static synchronized String asset() throws Exception {
        if (assetId == null) {
            HttpResponse<String> up = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?encryption=aes-128")))
                    .POST(HttpRequest.BodyPublishers.ofFile(VodTestMedia.write(dir.resolve("clip.mp4"), 320, 240, 3, 25)))
                    .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, up.statusCode(), up.body());
            String id = new JsonObject(up.body()).getString("id");
            ready(id);
            assetId = id;
        }
        return assetId;
    }

    /**
     * A hash per decoded frame (the visible pixels of a picture, the samples of an audio frame), as
     * FFmpeg (JavaCV's) decodes {@code file} with {@code key} (hex) or without one.
     */
    private static List<String> frames(Path file, String key) throws Exception {
        List<String> out = new ArrayList<>();
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toString())) {
            if (key != null) {
                g.setOption("decryption_key", key);
            }
            g.start();
            for (Frame f = g.grab(); f != null; f = g.grab()) {
                MessageDigest md = MessageDigest.getInstance("MD5");
                if (f.image != null) {
                    ByteBuffer b = (ByteBuffer) f.image[0];
                    byte[] row = new byte[f.imageWidth * f.imageChannels];
                    for (int y = 0; y < f.imageHeight; y++) {
                        b.get(y * f.imageStride, row);
                        md.update(row); // each row without the stride's padding
                    }
                } else if (f.samples != null) {
                    ByteBuffer bytes = ByteBuffer.allocate(f.samples[0].limit() * 4);
                    if (f.samples[0] instanceof FloatBuffer fb) {
                        bytes.asFloatBuffer().put(fb.duplicate());
                    } else if (f.samples[0] instanceof ShortBuffer sb) {
                        bytes.asShortBuffer().put(sb.duplicate());
                    }
                    md.update(bytes.array());
                } else {
                    continue;
                }
                out.add(HexFormat.of().formatHex(md.digest()));
            }
        } catch (FFmpegFrameGrabber.Exception e) {
            out.add("failed: " + e.getMessage()); // without the key FFmpeg may give up altogether
        }
        return out;
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String token(String asset) {
        return CMS.mint(new Claims(Kind.ASSET, asset, System.currentTimeMillis() / 1000 + 300, ""));
    }

    private static void ready(String id) {
        TestNode.await("asset " + id + " ready", Duration.ofSeconds(120), () -> {
            String state = new JsonObject(TestNode.get(node, "/api/v1/assets/" + id).body()).getString("state");
            assertNotEquals("failed", state, id);
            return "ready".equals(state);
        });
    }

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The body of a 200 GET of {@code url}. */
    private static byte[] ok(String url) {
        HttpResponse<byte[]> r = TestNode.getUrl(url, HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), () -> url + ": " + new String(r.body(), StandardCharsets.UTF_8));
        return r.body();
    }
}
