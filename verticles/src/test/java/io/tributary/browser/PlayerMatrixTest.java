package io.tributary.browser;

import io.tributary.Node;
import io.tributary.media.MediaSample;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.PlayerHarness;
import io.tributary.testing.PlayerLibraries;
import io.tributary.testing.PlayerLibraries.Player;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The player matrix: the current hls.js, dash.js and Shaka releases (from npm) in headless
 * Chromium, each playing 20 s of a live 720p30 stream with the seed ladder and 0.333 s parts from
 * a page on another origin. Each must start, never fail, never stall or jump a gap once playing,
 * and hold its live latency (its own figure) within the target plus a margin for a shared CI machine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlayerMatrixTest {

    private static final String KEY = "matrix";
    private static final double PLAY_SECONDS = 20;
    /**
     * Room for a CI machine whose two cores run the node, its transcoder, the publisher and Chromium:
     * on a shared machine (load 20+) dash.js held 2.07 s once against its 1.33 s target, Shaka 1.44 s;
     * the MPD-delay behaviour this guards against held 6 s. The benchmark checks the targets themselves.
     */
    private static final double CI_MARGIN = 1.0;
    private static final long LOOP_MS = 8000;

    private Node node;
    private RtmpTestPublisher publisher;
    private Thread live;
    private final AtomicBoolean publishing = new AtomicBoolean(true);
    private HeadlessChromium chromium;
    private PlayerHarness harness;

    @BeforeAll
    void start() throws Exception {
        PlayerLibraries.requireBrowserAndNpm();
        PlayerLibraries libs = PlayerLibraries.dir().install();
        harness = PlayerHarness.start(libs);
        // the seed ladder (a 720p source: 720p passed through, 360p encoded) with 0.333 s parts
        node = TestNode.start(Map.of("TRIBUTARY_HLS_PART_TARGET", "0.333"));
        SyntheticAvSource source = new SyntheticAvSource(1280, 720, 30, 30, 0, true);
        publisher = RtmpTestPublisher.publish(node.rtmpPort(), KEY);
        publisher.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
        // 8 s encoded once (a whole number of video frames and of 1024-sample AAC frames at 48 kHz),
        // then sent again and again in real time with shifted timestamps: the test's own encoder
        // must not compete with the node's transcoder and Chromium for the two cores
        List<MediaSample> loop = source.next(LOOP_MS / 1000.0);
        source.close();
        live = new Thread(() -> {
            long start = System.nanoTime();
            long firstDts = loop.get(0).dts();
            try {
                for (int round = 0; round < 30 && publishing.get(); round++) { // bounded at 4 minutes
                    long offset = round * LOOP_MS;
                    for (MediaSample sample : loop) {
                        long wait = start + (sample.dts() + offset - firstDts) * 1_000_000L - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        publisher.send(sample, offset);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // the socket closed at the end of the class
            }
        }, "matrix-publisher");
        live.setDaemon(true);
        live.start();
        TestNode.await("a playable live stream", Duration.ofSeconds(20), () ->
                TestNode.get(node, "/live/" + KEY + "/index.m3u8").statusCode() == 200);
        String variant = new Playlist(TestNode.get(node, "/live/" + KEY + "/index.m3u8").body()).lines.stream()
                .filter(l -> l.uri() != null).findFirst().orElseThrow().uri();
        TestNode.await("two segments", Duration.ofSeconds(20), () ->
                new Playlist(TestNode.get(node, "/live/" + KEY + "/" + variant).body()).segments().size() >= 2);
        chromium = HeadlessChromium.launch();
    }

    @AfterAll
    void stop() throws InterruptedException {
        publishing.set(false);
        try {
            if (chromium != null) {
                chromium.close();
            }
            if (harness != null) {
                harness.close();
            }
        } finally {
            if (live != null) {
                live.join(5000);
            }
            if (publisher != null) {
                publisher.close();
            }
            TestNode.stop(node);
        }
    }

    @Test
    void hlsJsOnLowLatencyHls() {
        playsAtLowLatency(Player.HLSJS, hls(), 1.0);
    }

    @Test
    void dashJsOnLowLatencyDash() {
        playsAtLowLatency(Player.DASHJS, dash(), 1.5);
    }

    /** With the harness's sequence-mode setting for Shaka 5.2.12's HLS timestampOffset bug (see harness.html). */
    @Test
    void shakaOnLowLatencyHls() {
        playsAtLowLatency(Player.SHAKA, hls(), 1.5);
    }

    /** With the harness's setting for Shaka's double-counted presentation delay (see harness.html). */
    @Test
    void shakaOnLowLatencyDash() {
        playsAtLowLatency(Player.SHAKA, dash(), 1.5);
    }

    @Test
    void thePlayerPageShipsCurrentPlayersAndSaysWhich() {
        JsonObject version = new JsonObject(TestNode.get(node, "/api/v1/version").body());
        JsonObject players = version.getJsonObject("players");
        String hlsJs = players.getString("hls.js");
        String dashJs = players.getString("dash.js");
        assertTrue(hlsJs.matches("1\\.(6|7|[89]|\\d{2,})\\..*"), "hls.js 1.6 or newer: " + version);
        assertTrue(dashJs.matches("[5-9]\\..*"), "dash.js 5 or newer: " + version);
        for (String format : List.of("hls", "dash")) {
            HeadlessChromium.Tab tab = chromium.open(node.httpUrl("/play/" + KEY + (format.equals("dash") ? "?format=dash" : "")));
            try {
                TestNode.await("the " + format + " page to play and show its latency", Duration.ofSeconds(30), () -> {
                    Object errors = tab.eval("window.playerStats ? JSON.stringify(window.playerStats.errors) : '[]'");
                    if (errors instanceof String e && e.contains("fatal: ")) {
                        throw new AssertionError(format + " page: " + e);
                    }
                    // playing, and its latency figure settled near the live edge (the first figure
                    // hls.js gives while it seeks to the edge can be the whole window)
                    double shownLatency = tab.number("parseFloat(document.getElementById('latency').textContent) || 0");
                    return tab.number("window.playerStats && window.playerStats.firstPlayingMs || 0") > 0
                            && shownLatency > 0 && shownLatency < 10;
                });
                String shown = (String) tab.eval("document.getElementById('player').textContent");
                assertEquals(format.equals("dash") ? "dash.js " + dashJs : "hls.js " + hlsJs, shown,
                        "the page names the player release it runs, the one /api/v1/version reports");
                double latency = tab.number("parseFloat(document.getElementById('latency').textContent)");
                assertTrue(latency > 0 && latency < 10, format + " page latency " + latency);
            } finally {
                tab.close();
            }
        }
    }

    private String hls() {
        return node.httpUrl("/live/" + KEY + "/index.m3u8");
    }

    private String dash() {
        return node.httpUrl("/live/" + KEY + "/manifest.mpd");
    }

    /** Opens the harness, waits for the first frame, lets it play PLAY_SECONDS, and reads what it measured. */
    private PlayerHarness.Result play(Player player, String manifest) {
        HeadlessChromium.Tab tab = chromium.open(harness.url(player, manifest));
        try {
            TestNode.await(player + " to start playing " + manifest, Duration.ofSeconds(30), () -> {
                Object fatal = tab.eval("window.matrix && window.matrix.fatal");
                if (fatal instanceof String s) {
                    throw new AssertionError(player + " failed before playing: " + s);
                }
                return tab.number("window.matrix && window.matrix.firstPlayingMs || 0") > 0;
            });
            long until = System.nanoTime() + (long) (PLAY_SECONDS * 1e9);
            while (System.nanoTime() < until) {
                Object fatal = tab.eval("window.matrix.fatal");
                if (fatal instanceof String) {
                    break;
                }
                Thread.sleep(1000);
            }
            PlayerHarness.Result r = PlayerHarness.Result.of(new JsonObject((String) tab.eval("JSON.stringify(window.matrix)")),
                    tab.number("document.getElementById('video').currentTime"));
            System.out.println("[player matrix] " + (manifest.endsWith(".mpd") ? "LL-DASH " : "LL-HLS ") + r.summary());
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            tab.close();
        }
    }

    /**
     * One pair: a second run only when the first misses (a stall or a late start on a shared two-core
     * CI machine is not the player's steady state); both runs are printed, and a pair that misbehaves
     * as it did before this issue (6 s behind, stalls every second) fails both.
     */
    private void playsAtLowLatency(Player player, String manifest, double target) {
        try {
            assertPlaysAtLowLatency(play(player, manifest), target);
        } catch (AssertionError first) {
            System.out.println("[player matrix] " + player + " missed once, running it again: " + first.getMessage());
            try {
                assertPlaysAtLowLatency(play(player, manifest), target);
            } catch (AssertionError second) {
                second.addSuppressed(first);
                throw second;
            }
        }
    }

    private static void assertPlaysAtLowLatency(PlayerHarness.Result r, double target) {
        String what = r.summary();
        assertNull(r.fatal(), "no fatal error: " + what);
        assertTrue(r.latency().size() >= PLAY_SECONDS, "the player reported its live latency while playing: " + what);
        assertEquals(0, r.stalls(), "no stall after the start: " + what);
        assertEquals(0, r.gapsJumped(), "no gap jumped: " + what);
        assertEquals(0, r.seeksAfterStart(), "no seek by the player once playing: " + what);
        // held: over the second half of the window, once the player has steered to its target
        assertTrue(r.heldMedian() <= target + CI_MARGIN, "median live latency held within " + target + " s + " + CI_MARGIN + ": " + what);
    }
}
