package io.tributary.browser;

import io.tributary.Node;
import io.tributary.playback.PlaybackToken;
import io.tributary.playback.PlaybackToken.Claims;
import io.tributary.playback.PlaybackToken.Kind;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The player page (hls.js in Chromium) on a signed, AES-128 encrypted stream: the page's
 * {@code ?token=} opens the stream, the node carries it to every playlist, segment and key request,
 * hls.js fetches the keys and decrypts segments and LL-HLS parts (each part its own AES-128 resource
 * under its segment's key and IV), and the video plays.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncryptedChromiumTest {

    private static final String SECRET = "cms-shared-secret-browser-0123456789";
    private Node node;
    private TestPublication publication;
    private HeadlessChromium chromium;

    @BeforeAll
    void start() {
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_PLAYBACK_SECRET", SECRET,
                "TRIBUTARY_KEYS_ENCRYPT_RULES", "secure-*=aes-128", "TRIBUTARY_KEYS_ROTATE_SEGMENTS", "2"));
        publication = LiveNode.publish(node, "secure-1", LiveNode.smallSource()).send(6.5).sendPacedInBackground(60);
        chromium = HeadlessChromium.launch();
    }

    @AfterAll
    void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (publication != null) {
            publication.close();
        }
        TestNode.stop(node);
    }

    @Test
    void thePlayerPagePlaysAnEncryptedSignedStream() {
        String token = new PlaybackToken(SECRET.getBytes(StandardCharsets.UTF_8)).mint(new Claims(Kind.STREAM, "secure-1",
                System.currentTimeMillis() / 1000 + 600, ""));
        HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/play/secure-1?token=" + token));
        try {
            TestNode.await("the encrypted video to play 3 s", Duration.ofSeconds(45), () -> {
                Object errors = tab.eval("window.playerStats ? JSON.stringify(window.playerStats.errors) : '[]'");
                if (errors instanceof String s && s.contains("fatal: ")) {
                    throw new AssertionError("player error: " + s);
                }
                return tab.number("document.getElementById('video').currentTime") > 3;
            });
            List<JsonObject> keys = tab.requests(r -> r.getString("url").contains("/keys/secure-1/"));
            assertFalse(keys.isEmpty(), "hls.js fetched a key");
            List<JsonObject> media = tab.requests(r -> r.getString("url").contains("/live/secure-1/"));
            assertFalse(media.isEmpty());
            for (JsonObject r : media) {
                assertTrue(r.getString("url").contains("token=" + token), "the token on " + r.getString("url"));
            }
            keys.forEach(r -> assertTrue(r.getString("url").contains("token=" + token), r.getString("url")));
            // low-latency mode: hls.js loads parts, each decrypted as its own AES-128 resource, and keeps playing
            double at = tab.number("document.getElementById('video').currentTime");
            TestNode.await("3 s more of playback", Duration.ofSeconds(30), () -> {
                Object errors = tab.eval("window.playerStats ? JSON.stringify(window.playerStats.errors) : '[]'");
                if (errors instanceof String s && s.contains("fatal: ")) {
                    throw new AssertionError("player error: " + s);
                }
                return tab.number("document.getElementById('video').currentTime") > at + 3;
            });
            assertFalse(tab.requests(r -> r.getString("url").contains("/live/secure-1/") && r.getString("url").contains("/part-")).isEmpty(),
                    "hls.js loaded parts");
            Object errors = tab.eval("window.playerStats ? JSON.stringify(window.playerStats.errors) : '[]'");
            assertFalse(String.valueOf(errors).toLowerCase().contains("decrypt"), "decryption errors: " + errors);
        } finally {
            tab.close();
        }
    }
}
