package io.tributary.playback;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.testing.FfmpegPlayer;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed playback URLs as a viewer meets them, on a node with all three roles: a stream under a
 * {@code signed} rule plays only with a token minted from the shared secret (here as a CMS would),
 * at the origin, through the edge (whose cache the tokens do not split) and the router; the URIs
 * each renders carry the viewer's token so every segment, part and report authorizes; FFmpeg plays
 * it; tampered, expired, wrong-scope and wrong-address tokens are 403.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedPlaybackTest {

    private static final String SECRET = "cms-shared-secret-0123456789";
    private static final Pattern TOKEN_IN = Pattern.compile("[?&]token=([A-Za-z0-9_.-]+)");
    private final PlaybackToken cms = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8));
    private Node node;
    private TestPublication signed;
    private TestPublication free;
    private String origin;
    private String edge;
    private String router;

    @BeforeAll
    void start() {
        node = TestNode.start(Map.of("TRIBUTARY_PLAYBACK_SECRET", SECRET,
                "TRIBUTARY_PLAYBACK_ACCESS_RULES", "sig-*=signed",
                "TRIBUTARY_TRANSCODE_LADDER", "none"));
        origin = node.httpUrl("");
        edge = "http://127.0.0.1:" + node.roles().edgePort();
        router = "http://127.0.0.1:" + node.roles().routerPort();
        signed = LiveNode.publish(node, "sig-a", LiveNode.smallSource()).send(4.5).sendPacedInBackground(40);
        free = LiveNode.publish(node, "free-b", LiveNode.smallSource()).send(2.5);
        String t = token("sig-a", 300, "");
        TestNode.await("three segments of sig-a", Duration.ofSeconds(60), () -> {
            HttpResponse<String> r = get(origin + "/live/sig-a/video/index.m3u8?token=" + t);
            return r.statusCode() == 200 && r.body().split("#EXTINF").length > 3;
        });
    }

    @AfterAll
    void stop() {
        if (signed != null) {
            signed.close();
        }
        if (free != null) {
            free.close();
        }
        TestNode.stop(node);
    }

    private String token(String stream, long ttlSeconds, String ip) {
        return cms.mint(new Claims(Kind.STREAM, stream, System.currentTimeMillis() / 1000 + ttlSeconds, ip));
    }

    @Test
    void withoutAValidTokenEveryDoorSays403() {
        String valid = token("sig-a", 300, "");
        String expired = token("sig-a", -10, "");
        String otherStream = token("free-b", 300, "");
        String otherAddress = token("sig-a", 300, "10.9.8.7");
        String forged = new PlaybackToken("some-other-secret-abcdef".getBytes(StandardCharsets.UTF_8))
                .mint(new Claims(Kind.STREAM, "sig-a", System.currentTimeMillis() / 1000 + 300, ""));
        // tampered: the payload says another expiry, the signature is the old one
        String[] parts = valid.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        String tampered = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replaceFirst("\\|(\\d+)\\|$", "|9999999999|").getBytes(StandardCharsets.UTF_8)) + "." + parts[1];
        Map<String, String> bad = Map.of("no token", "", "expired", expired, "wrong scope", otherStream,
                "wrong address", otherAddress, "forged", forged, "tampered", tampered, "garbage", "abc%22%3E");
        double deniedBefore = Scrape.of(node).sum("tributary_playback_denied_total");
        for (String door : List.of(origin, edge, router)) {
            for (var e : bad.entrySet()) {
                for (String path : List.of("/live/sig-a/index.m3u8", "/live/sig-a/video/index.m3u8", "/live/sig-a/manifest.mpd",
                        "/live/sig-a/video/seg-1.m4s", "/live/sig-a/video/init-0.mp4")) {
                    String url = door + path + (e.getValue().isEmpty() ? "" : "?token=" + e.getValue());
                    HttpResponse<String> r = get(url);
                    assertEquals(403, r.statusCode(), e.getKey() + ": " + url + " -> " + r.body());
                    assertFalse(r.body().contains("Exception"), r.body());
                }
            }
            // the public stream plays without one, and its URIs carry no token
            HttpResponse<String> pub = get(door + "/live/free-b/index.m3u8");
            assertTrue(pub.statusCode() == 200 || pub.statusCode() == 302, door + " free-b: " + pub.statusCode());
            assertFalse(pub.body().contains("token="), pub.body());
        }
        assertTrue(get(origin + "/live/sig-a/index.m3u8?token=" + expired).body().contains("expired"));
        assertTrue(get(edge + "/live/sig-a/index.m3u8?token=" + otherStream).body().contains("other content"));
        assertTrue(get(router + "/live/sig-a/index.m3u8?token=" + otherAddress).body().contains("address"));
        // each refusal counted, by reason (no token id or stream in the labels)
        assertTrue(Scrape.of(node).sum("tributary_playback_denied_total") - deniedBefore >= 3 * 7 * 5);
    }

    @Test
    void aValidTokenOpensTheStreamAndTravelsIntoEveryUri() {
        String t = token("sig-a", 300, "");
        String bound = token("sig-a", 300, "127.0.0.1");
        assertEquals(200, get(origin + "/live/sig-a/index.m3u8?token=" + bound).statusCode(), "bound to this client's address");
        for (String door : List.of(origin, edge)) {
            HttpResponse<String> mv = get(door + "/live/sig-a/index.m3u8?token=" + t);
            assertEquals(200, mv.statusCode(), mv.body());
            assertEveryUriCarries(t, mv.body());
            String media = get(door + "/live/sig-a/video/index.m3u8?token=" + t).body();
            assertEveryUriCarries(t, media); // segments, parts, preload hint, map, rendition reports
            assertTrue(media.contains("#EXT-X-PART:"), media);
            assertTrue(media.contains("#EXT-X-RENDITION-REPORT:URI=\"../audio/index.m3u8?") , media);
            // LL-HLS blocking reload: the player adds _HLS_msn to the URI it has, token included
            long msn = lastMsn(media) + 1;
            HttpResponse<String> blocked = get(door + "/live/sig-a/video/index.m3u8?_HLS_msn=" + msn + "&token=" + t);
            assertEquals(200, blocked.statusCode(), blocked.body());
            assertEveryUriCarries(t, blocked.body());
            // every object the playlist names opens with the token it carries
            for (String uri : uris(media).subList(0, 4)) {
                HttpResponse<String> o = get(door + "/live/sig-a/video/" + uri);
                assertEquals(200, o.statusCode(), uri);
                assertEquals(403, get(door + "/live/sig-a/video/" + uri.replaceAll("[?&]token=[^&]*", "")).statusCode(), uri);
            }
            String mpd = get(door + "/live/sig-a/manifest.mpd?token=" + t).body();
            // an MPD's segment template: the token after the issued sid, its '&' escaped for XML
            Matcher m = Pattern.compile("(media|initialization)=\"([^\"]*)\"").matcher(mpd);
            int templates = 0;
            while (m.find()) {
                assertTrue(m.group(2).matches(".*[?;]token=" + Pattern.quote(t)), m.group());
                templates++;
            }
            assertTrue(templates >= 4, mpd);
        }
        // the router sends the viewer on with its token
        HttpResponse<String> r = get(router + "/live/sig-a/index.m3u8?token=" + t);
        assertEquals(302, r.statusCode());
        assertTrue(r.headers().firstValue("location").orElseThrow().endsWith("/live/sig-a/index.m3u8?token=" + t));
    }

    @Test
    void twoViewersTokensShareOneCachedObjectAtTheEdge() {
        String a = token("sig-a", 300, "");
        String b = token("sig-a", 600, "");
        assertNotEquals(a, b);
        String media = get(edge + "/live/sig-a/video/index.m3u8?token=" + a).body();
        long msn = lastMsn(media);
        String path = "/live/sig-a/video/seg-" + msn + ".m4s";
        double fillsBefore = Scrape.of(node).sum("tributary_edge_origin_requests_total");
        HttpResponse<byte[]> first = getBytes(edge + path + "?token=" + a);
        HttpResponse<byte[]> second = getBytes(edge + path + "?token=" + b);
        assertEquals(200, first.statusCode());
        assertEquals(200, second.statusCode());
        assertTrue(java.util.Arrays.equals(first.body(), second.body()));
        assertEquals("HIT", second.headers().firstValue("x-cache").orElseThrow(), "the second viewer's token did not split the cache");
        assertTrue(Scrape.of(node).sum("tributary_edge_origin_requests_total") - fillsBefore <= 1, "one origin request at most");
        // each viewer's playlist names its own token, from one cached playlist
        String mediaB = get(edge + "/live/sig-a/video/index.m3u8?token=" + b).body();
        assertEveryUriCarries(b, mediaB);
        assertFalse(mediaB.contains(a));
    }

    @Test
    void playbackTokensApiIssuesATokenThatPlays() throws Exception {
        HttpResponse<String> r = post(origin + "/api/v1/playback-tokens", "application/json", "{\"stream\":\"sig-a\",\"ttl\":60}");
        assertEquals(201, r.statusCode(), r.body());
        io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject(r.body());
        assertEquals(200, get(edge + o.getString("hls")).statusCode());
        assertEquals(400, post(origin + "/api/v1/playback-tokens", "application/json", "{\"stream\":\"a b\"}").statusCode());
        assertEquals(400, post(origin + "/api/v1/playback-tokens", "application/json", "{\"stream\":\"sig-a\",\"ttl\":999999}").statusCode());
        assertEquals(400, post(origin + "/api/v1/playback-tokens", "application/json", "[1]").statusCode());
        assertEquals(415, post(origin + "/api/v1/playback-tokens", "text/plain", "{\"stream\":\"sig-a\"}").statusCode());
    }

    @Test
    void ffmpegPlaysTheSignedStreamThroughTheEdge() throws Exception {
        FfmpegPlayer.assertPlaysBack(edge + "/live/sig-a/index.m3u8?token=" + token("sig-a", 300, ""), 320, 240, 30);
    }

    @Test
    void aBeaconWithTheSidOfAnotherStreamsSessionChangesNoMetric() throws Exception {
        // a viewer of free-b: its CMCD sid names a session of free-b on this node
        assertEquals(200, get(origin + "/live/free-b/index.m3u8?CMCD=sid%3D%22viewer-of-b%22").statusCode());
        Scrape before = Scrape.of(node);
        String forged = "{\"sid\":\"viewer-of-b\",\"stream\":\"sig-a\",\"events\":[{\"type\":\"rebuffer_start\"},"
                + "{\"type\":\"error\",\"kind\":\"network\",\"fatal\":true}]}";
        HttpResponse<String> r = post(origin + "/api/v1/qoe", "application/json", forged);
        assertEquals(403, r.statusCode(), r.body());
        Scrape after = Scrape.of(node);
        assertEquals(before.sum("stream_rebuffer_events_total"), after.sum("stream_rebuffer_events_total"));
        assertEquals(before.sum("tributary_stream_playback_errors_total"), after.sum("tributary_stream_playback_errors_total"));
        assertEquals(1.0, after.value("tributary_qoe_beacons_rejected_total", "reason=\"wrong_stream\"")
                - (Double.isNaN(before.value("tributary_qoe_beacons_rejected_total", "reason=\"wrong_stream\"")) ? 0
                : before.value("tributary_qoe_beacons_rejected_total", "reason=\"wrong_stream\"")));
        // the same sid for its own stream is accepted
        assertEquals(202, post(origin + "/api/v1/qoe", "application/json",
                "{\"sid\":\"viewer-of-b\",\"stream\":\"free-b\",\"events\":[{\"type\":\"latency\",\"seconds\":1.0}]}").statusCode());
    }

    // ---- helpers ----

    private static void assertEveryUriCarries(String token, String playlist) {
        List<String> uris = uris(playlist);
        assertFalse(uris.isEmpty(), playlist);
        for (String u : uris) {
            Matcher m = TOKEN_IN.matcher(u);
            assertTrue(m.find(), "no token on " + u + " in\n" + playlist);
            assertEquals(token, m.group(1), u);
        }
    }

    /** Every URI a playlist names: its URI lines and its URI="..." attributes. */
    private static List<String> uris(String playlist) {
        List<String> out = new ArrayList<>();
        for (String line : playlist.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!line.startsWith("#")) {
                out.add(line.trim());
            } else {
                Matcher m = Pattern.compile("URI=\"([^\"]+)\"").matcher(line);
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }

    private static long lastMsn(String media) {
        Matcher m = Pattern.compile("seg-(\\d+)\\.m4s").matcher(media);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        assertTrue(last >= 0, media);
        return last;
    }

    private static HttpResponse<String> get(String url) {
        return TestNode.getUrl(url);
    }

    private static HttpResponse<byte[]> getBytes(String url) {
        try {
            return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new AssertionError(url, e);
        }
    }

    private static HttpResponse<String> post(String url, String type, String body) throws Exception {
        return TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
