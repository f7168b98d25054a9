package io.tributary.delivery;

import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.LiveNode;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocking reloads released together share one rendering: every plain request gets the same bytes
 * listing the awaited part, gzip ones the same playlist compressed, and delta updates (_HLS_skip),
 * waiting on the same part, their own rendering, not the full one.
 */
class SharedReleaseTest {

    private static final Pattern HINT = Pattern.compile("part-(\\d+)\\.(\\d+)\\.m4s");
    private static final int PLAIN = 60;
    private static final int GZIP = 20;
    private static final int SKIP = 20;

    @Test
    void releasedTogetherEachGetsTheRightSharedPlaylist() throws Exception {
        // one delivery verticle: each verticle renders its own releases, and a second one may render a
        // moment later, after the audio rendition's next part (its rendition report differs)
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_HTTP_INSTANCES", "1"));
             SyntheticAvSource src = LiveNode.smallSource()) {
            RtmpTestPublisher pub = RtmpTestPublisher.publish(live.node().rtmpPort(), "shared");
            assertTrue(pub.publishing(), "publish refused: " + pub.failure());
            pub.configs(src.avcDecoderConfigurationRecord(), src.audioSpecificConfig());
            try {
                // 14 s at once: enough segments for a delta update to skip some
                pub.send(src.next(14.2), 0);
                live.awaitSegments("shared", "video", 7, Duration.ofSeconds(10));
                String base = "/live/shared/video/index.m3u8";
                Matcher hint = HINT.matcher(new Playlist(TestNode.get(live.node(), base).body()).tag("EXT-X-PRELOAD-HINT").attr("URI"));
                assertTrue(hint.matches());
                String wait = "?_HLS_msn=" + hint.group(1) + "&_HLS_part=" + hint.group(2);

                // one connection per request, as players have
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
                List<CompletableFuture<HttpResponse<byte[]>>> plain = new ArrayList<>();
                List<CompletableFuture<HttpResponse<byte[]>>> gzip = new ArrayList<>();
                List<CompletableFuture<HttpResponse<byte[]>>> skip = new ArrayList<>();
                for (int i = 0; i < PLAIN; i++) {
                    plain.add(get(http, live, base + wait, false));
                }
                for (int i = 0; i < GZIP; i++) {
                    gzip.add(get(http, live, base + wait, true));
                }
                for (int i = 0; i < SKIP; i++) {
                    skip.add(get(http, live, base + wait + "&_HLS_skip=YES", false));
                }
                TestNode.await("every reload held", Duration.ofSeconds(10), () ->
                        new Scrape(TestNode.get(live.node(), "/metrics").body()).value("tributary_blocked_requests") >= PLAIN + GZIP + SKIP);
                assertFalse(plain.get(0).isDone(), "answered before the part existed");

                pub.send(src.next(0.6), 0); // completes the hinted part
                byte[] first = body(plain.get(0));
                String text = new String(first, StandardCharsets.UTF_8);
                assertTrue(text.contains("URI=\"" + hint.group() + "\""), "lists the awaited part:\n" + text);
                assertFalse(text.contains("EXT-X-SKIP"), text);
                for (CompletableFuture<HttpResponse<byte[]>> f : plain) {
                    assertArrayEquals(first, body(f), "every plain reload gets the same bytes");
                }
                for (CompletableFuture<HttpResponse<byte[]>> f : gzip) {
                    HttpResponse<byte[]> r = f.get(10, TimeUnit.SECONDS);
                    assertEquals("gzip", r.headers().firstValue("Content-Encoding").orElse(""));
                    assertArrayEquals(first, new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes(),
                            "the gzip answer is the same playlist");
                }
                byte[] delta = body(skip.get(0));
                String deltaText = new String(delta, StandardCharsets.UTF_8);
                assertTrue(deltaText.contains("#EXT-X-SKIP:SKIPPED-SEGMENTS="), "a delta update:\n" + deltaText);
                assertTrue(deltaText.contains("URI=\"" + hint.group() + "\""), deltaText);
                for (CompletableFuture<HttpResponse<byte[]>> f : skip) {
                    assertArrayEquals(delta, body(f), "every delta reload gets the same delta");
                }
            } finally {
                pub.close();
            }
        }
    }

    private static CompletableFuture<HttpResponse<byte[]>> get(HttpClient http, LiveNode live, String path, boolean gzip) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(live.node().httpUrl(path))).timeout(Duration.ofSeconds(20));
        if (gzip) {
            b.header("Accept-Encoding", "gzip");
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] body(CompletableFuture<HttpResponse<byte[]>> f) throws Exception {
        HttpResponse<byte[]> r = f.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        return r.body();
    }
}
