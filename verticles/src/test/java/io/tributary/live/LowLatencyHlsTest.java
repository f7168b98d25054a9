package io.tributary.live;

import io.tributary.Node;
import io.tributary.media.MediaSample;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LL-HLS behaviour a player relies on, with a publisher whose timing the test
 * controls exactly: blocking reloads, preload hints, delta updates, publisher
 * reconnects, stream keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LowLatencyHlsTest {

    private static final Pattern HINT = Pattern.compile("part-(\\d+)\\.(\\d+)\\.m4s");

    private LiveNode live;
    private Node node;

    @BeforeAll
    void start() {
        live = LiveNode.start(Map.of(
                "TRIBUTARY_RTMP_STREAM_KEYS", "block,recon,taken,ended",
                "TRIBUTARY_RTMP_RECONNECT_GRACE", "3s",
                "TRIBUTARY_TRANSCODE_LADDER", "none")); // tests the passthrough packager
        node = live.node();
    }

    @AfterAll
    void stop() {
        live.close();
    }

    private static SyntheticAvSource source() {
        return LiveNode.smallSource();
    }

    private RtmpTestPublisher publisher(String key, SyntheticAvSource src) {
        RtmpTestPublisher p = RtmpTestPublisher.publish(node.rtmpPort(), key);
        assertTrue(p.publishing(), "publish refused: " + p.failure());
        p.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
        return p;
    }

    private Playlist playlist(String path) {
        HttpResponse<String> r = TestNode.get(node, path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return new Playlist(r.body());
    }

    private CompletableFuture<HttpResponse<byte[]>> getAsync(String path) {
        return TestNode.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void blockingReloadAndPreloadHintWaitForThePart() throws Exception {
        try (SyntheticAvSource src = source(); RtmpTestPublisher pub = publisher("block", src)) {
            pub.send(src.next(14.2), 0);
            live.awaitSegments("block", "video", 7, Duration.ofSeconds(10));
            Playlist now = playlist("/live/block/video/index.m3u8");
            Matcher hint = HINT.matcher(now.tag("EXT-X-PRELOAD-HINT").attr("URI"));
            assertTrue(hint.matches());
            long msn = Long.parseLong(hint.group(1));
            int part = Integer.parseInt(hint.group(2));

            CompletableFuture<HttpResponse<byte[]>> reload =
                    getAsync("/live/block/video/index.m3u8?_HLS_msn=" + msn + "&_HLS_part=" + part);
            CompletableFuture<HttpResponse<byte[]>> hinted = getAsync("/live/block/video/" + hint.group());
            Thread.sleep(800);
            assertFalse(reload.isDone(), "blocking reload answered before the part existed");
            assertFalse(hinted.isDone(), "preload-hinted part answered before it existed");

            long sentAt = System.nanoTime();
            pub.send(src.next(0.6), 0); // completes the hinted part
            HttpResponse<byte[]> playlistResponse = reload.get(5, TimeUnit.SECONDS);
            HttpResponse<byte[]> partResponse = hinted.get(5, TimeUnit.SECONDS);
            long waitedMs = (System.nanoTime() - sentAt) / 1_000_000;
            assertTrue(waitedMs < 2000, "answered " + waitedMs + " ms after the part's media was sent");

            assertEquals(200, playlistResponse.statusCode());
            Playlist after = new Playlist(new String(playlistResponse.body()));
            assertTrue(after.text.contains("URI=\"" + hint.group() + "\""), "the blocking response lists the awaited part");
            assertEquals(200, partResponse.statusCode());
            assertTrue(partResponse.body().length > 100);
            assertArrayEquals(partResponse.body(), TestNode.getBytes(node, "/live/block/video/" + hint.group()).body(),
                    "held part is the part");

            // a request more than two segments ahead is refused at once
            HttpResponse<String> ahead = TestNode.get(node, "/live/block/video/index.m3u8?_HLS_msn=" + (msn + 3));
            assertEquals(400, ahead.statusCode());
            assertTrue(ahead.body().contains("two segments ahead"), ahead.body());
            assertEquals(400, TestNode.get(node, "/live/block/video/index.m3u8?_HLS_part=1").statusCode());
            assertEquals(400, TestNode.get(node, "/live/block/video/index.m3u8?_HLS_msn=x1").statusCode());

            // the segment being built is held until it is complete, then is its parts back to back
            CompletableFuture<HttpResponse<byte[]>> open = getAsync("/live/block/video/seg-" + msn + ".m4s");
            Thread.sleep(500);
            assertFalse(open.isDone(), "the open segment is answered only when complete");
            pub.send(src.next(2.0), 0);
            HttpResponse<byte[]> whole = open.get(5, TimeUnit.SECONDS);
            assertEquals(200, whole.statusCode());
            Playlist withIt = playlist("/live/block/video/index.m3u8");
            java.io.ByteArrayOutputStream parts = new java.io.ByteArrayOutputStream();
            for (Playlist.Segment s : withIt.segments()) {
                if (s.msn() == msn) {
                    for (Playlist.Line p : s.parts()) {
                        parts.writeBytes(TestNode.getBytes(node, "/live/block/video/" + p.attr("URI")).body());
                    }
                }
            }
            assertArrayEquals(parts.toByteArray(), whole.body());
            assertEquals(404, TestNode.get(node, "/live/block/video/seg-" + (msn + 5) + ".m4s").statusCode());

            // the audio rendition blocks the same way and reports video
            Playlist audio = playlist("/live/block/audio/index.m3u8?_HLS_msn=" + msn + "&_HLS_part=0");
            assertEquals("../video/index.m3u8", audio.tag("EXT-X-RENDITION-REPORT").attr("URI"));
        }
    }

    @Test
    void deltaUpdateSkipsOldSegments() {
        try (SyntheticAvSource src = source(); RtmpTestPublisher pub = publisher("taken", src)) {
            pub.send(src.next(18.3), 0);
            live.awaitSegments("taken", "video", 9, Duration.ofSeconds(10));
            Playlist full = playlist("/live/taken/video/index.m3u8");
            Playlist delta = playlist("/live/taken/video/index.m3u8?_HLS_skip=YES");
            double skipUntil = Double.parseDouble(full.tag("EXT-X-SERVER-CONTROL").attr("CAN-SKIP-UNTIL"));
            assertTrue(delta.skipped() > 0, "EXT-X-SKIP present:\n" + delta.text);
            List<Playlist.Segment> fullSegments = full.segments();
            List<Playlist.Segment> deltaSegments = delta.segments();
            assertEquals(fullSegments.size(), delta.skipped() + deltaSegments.size(), "skipped + listed = full");
            assertEquals(fullSegments.get(fullSegments.size() - 1).msn(), deltaSegments.get(deltaSegments.size() - 1).msn());
            assertEquals(fullSegments.get(delta.skipped()).uri(), deltaSegments.get(0).uri());
            double listed = deltaSegments.stream().mapToDouble(Playlist.Segment::duration).sum();
            assertTrue(listed >= skipUntil - 2.5, "only segments older than CAN-SKIP-UNTIL are skipped");
            assertTrue(delta.text.length() < full.text.length());
            assertEquals(400, TestNode.get(node, "/live/taken/video/index.m3u8?_HLS_skip=maybe").statusCode());

            // a second publisher on a live key is refused, the first keeps publishing
            RtmpTestPublisher second = RtmpTestPublisher.publish(node.rtmpPort(), "taken");
            assertFalse(second.publishing());
            assertEquals("NetStream.Publish.BadName", second.failure().code());
            assertTrue(second.failure().description().contains("already being published"), second.failure().description());
            second.close();
            pub.send(src.next(1.0), 0);
            assertEquals("live", new JsonObject(TestNode.get(node, "/api/v1/streams/taken").body()).getString("state"));
        }
    }

    @Test
    void unknownStreamKeyIsRefused() {
        RtmpTestPublisher p = RtmpTestPublisher.publish(node.rtmpPort(), "not-allowed");
        assertFalse(p.publishing());
        assertEquals("NetStream.Publish.BadName", p.failure().code());
        assertTrue(p.closedByServer(3000));
        p.close();
        assertEquals(404, TestNode.get(node, "/live/not-allowed/index.m3u8").statusCode());
    }

    @Test
    void reconnectWithinGraceContinuesThePlaylistAfterADiscontinuity() throws Exception {
        long lastMsnBefore;
        try (SyntheticAvSource src = source()) {
            RtmpTestPublisher first = publisher("recon", src);
            first.send(src.next(6.1), 0);
            live.awaitSegments("recon", "video", 3, Duration.ofSeconds(10));
            first.drop(); // network failure: no unpublish

            // during the gap, viewers keep getting the playlist and everything it lists
            long gapEnd = System.currentTimeMillis() + 1500;
            Playlist during = null;
            while (System.currentTimeMillis() < gapEnd) {
                during = playlist("/live/recon/video/index.m3u8");
                assertFalse(during.has("EXT-X-ENDLIST"), "ended during the grace period");
                for (Playlist.Segment s : during.segments()) {
                    assertEquals(200, TestNode.getBytes(node, "/live/recon/video/" + s.uri()).statusCode(), s.uri());
                }
                assertEquals(200, TestNode.get(node, "/live/recon/index.m3u8").statusCode());
                Thread.sleep(200);
            }
            List<Playlist.Segment> before = during.segments();
            lastMsnBefore = before.get(before.size() - 1).msn();

            // the encoder restarts: its timestamps begin at zero again
            List<MediaSample> more = src.next(6.1);
            long restart = -more.get(0).dts();
            RtmpTestPublisher second = publisher("recon", src);
            second.send(more, restart);
            LiveNode.awaitPlaylist(node, "/live/recon/video/index.m3u8", "a segment after msn " + (lastMsnBefore + 1),
                    p -> p.segments().stream().anyMatch(s -> s.msn() > lastMsnBefore + 1), Duration.ofSeconds(10));
            for (String rendition : List.of("video", "audio")) {
                Playlist p = playlist("/live/recon/" + rendition + "/index.m3u8");
                List<Playlist.Segment> segs = p.segments();
                Playlist.Segment resumed = segs.stream().filter(Playlist.Segment::discontinuity).findFirst().orElse(null);
                assertNotNull(resumed, rendition + ": EXT-X-DISCONTINUITY after the reconnect\n" + p.text);
                for (int i = 1; i < segs.size(); i++) {
                    assertEquals(segs.get(i - 1).msn() + 1, segs.get(i).msn(), "media sequence numbers continue");
                }
                assertEquals(200, TestNode.getBytes(node, "/live/recon/" + rendition + "/" + resumed.uri()).statusCode());
            }
            assertEquals(2, new JsonObject(TestNode.get(node, "/api/v1/streams/recon").body()).getInteger("publisherSessions"));

            // after the grace period without a publisher the playlist ends
            second.drop();
            TestNode.await("EXT-X-ENDLIST", Duration.ofSeconds(8),
                    () -> TestNode.get(node, "/live/recon/video/index.m3u8").body().contains("#EXT-X-ENDLIST"));
            assertEquals("ended", new JsonObject(TestNode.get(node, "/api/v1/streams/recon").body()).getString("state"));
            Playlist ended = playlist("/live/recon/video/index.m3u8");
            assertFalse(ended.has("EXT-X-PRELOAD-HINT"), "no hint after the end");
        }
    }
}
