package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.TestNode;
import io.tributary.testing.VodAssets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /catalog} on a node with accounts and signed VOD ({@code playback.vod-access: signed}), in headless
 * Chromium: the asset is listed to anyone; playing it without a sign-in asks for one and says why (no
 * playback); after signing in on the page, the page gets a playback token from the node and hls.js plays
 * the asset with it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CatalogSignedTest {

    @TempDir
    static Path dir;
    private Node node;
    private HeadlessChromium chromium;
    private String asset;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> env = VodAssets.env(dir);
        env.put("TRIBUTARY_PLAYBACK_SECRET", "catalog-test-playback-secret-0123456789");
        env.put("TRIBUTARY_PLAYBACK_VOD_ACCESS", "signed");
        node = TestNode.secured(env);
        asset = VodAssets.publish(node, dir, "pier.mp4", 6, "The%20pier", TestNode.adminToken(node));
        chromium = HeadlessChromium.launch();
    }

    @AfterAll
    void stop() {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            TestNode.stop(node);
        }
    }

    @Test
    void aSignedAssetPlaysAfterTheViewerSignsIn() {
        assertEquals(403, TestNode.get(node, "/vod/" + asset + "/index.m3u8").statusCode(), "signed: no playlist without a token");
        HeadlessChromium.Tab page = chromium.open(node.httpUrl("/catalog"));
        try {
            String card = "document.querySelector('.asset[data-id=\"" + asset + "\"]')";
            TestNode.await("the asset listed on /catalog", Duration.ofSeconds(20), () -> Boolean.TRUE.equals(page.eval(card + " !== null")));
            page.eval(card + ".click()");
            TestNode.await("the page to ask for a sign-in", Duration.ofSeconds(15),
                    () -> page.eval("window.catalogState.signIn") != null);
            assertTrue(String.valueOf(page.eval("window.catalogState.signIn")).contains("signed URL"),
                    "the page says why: " + page.eval("window.catalogState.signIn"));
            assertEquals(Boolean.FALSE, page.eval("document.getElementById('signin').hidden"), "the sign-in form shows");
            assertEquals(0.0, page.number("document.getElementById('video').currentTime"), "nothing plays without a token");

            // a wrong password: the form says so and nothing plays
            page.eval("document.getElementById('name').value = '" + TestNode.ADMIN + "'");
            page.eval("document.getElementById('password').value = 'not-the-password'");
            page.eval("document.getElementById('signin').requestSubmit()");
            TestNode.await("the refusal shown", Duration.ofSeconds(10),
                    () -> !String.valueOf(page.eval("document.getElementById('signinError').textContent")).isEmpty());

            page.eval("document.getElementById('password').value = '" + TestNode.ADMIN_PASSWORD + "'");
            page.eval("document.getElementById('signin').requestSubmit()");
            TestNode.await("the asset to play", Duration.ofSeconds(40), () -> page.number("document.getElementById('video').currentTime") > 2);
            assertEquals(null, page.eval("window.catalogState.error"));
            assertEquals(asset, page.eval("window.catalogState.playing"));
            assertTrue(page.number("document.getElementById('video').videoWidth") > 0, "pictures decoded");
            // the token came from the node's playback-token API, and the media requests carried it
            assertTrue(!page.requests(r -> r.getString("url").endsWith("/api/v1/playback-tokens")).isEmpty(), "a token was asked for");
            assertTrue(!page.requests(r -> r.getString("url").contains("/vod/" + asset + "/")
                    && r.getString("url").contains(".m4s?") && r.getString("url").matches(".*[?&]token=.*")).isEmpty(),
                    "segments fetched with the token");
        } finally {
            page.close();
        }
    }
}
