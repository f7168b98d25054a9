package io.tributary.live;

import io.tributary.Node;
import io.tributary.media.MediaEvent;
import io.tributary.media.Track;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.ApiPublisher;
import io.tributary.testing.FfmpegPlayer;
import io.tributary.testing.Playlist;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source that is not RTMP publishes through the publication API alone (what SRT and FAST
 * playout will do), and FFmpeg's HLS demuxer plays it back; the API's refusals are the
 * ones every protocol passes on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicationApiTest {

    private Node node;
    private ApiPublisher publisher;

    @BeforeAll
    void start() {
        node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_RTMP_STREAM_KEYS", "api,other"));
        try (SyntheticAvSource source = new SyntheticAvSource(320, 240, 30, 30, 0, true)) {
            publisher = new ApiPublisher(node, "api", source, 30).start();
        }
        TestNode.await("api to have 3 segments", Duration.ofSeconds(30), () -> {
            HttpResponse<String> r = TestNode.get(node, "/live/api/video/index.m3u8");
            return r.statusCode() == 200 && new Playlist(r.body()).segments().size() >= 3;
        });
    }

    @AfterAll
    void stop() {
        if (publisher != null) {
            publisher.close();
        }
        TestNode.stop(node);
    }

    @Test
    void ffmpegPlaysAStreamPublishedThroughTheApi() throws Exception {
        FfmpegPlayer.assertPlaysBack(node.httpUrl("/live/api/index.m3u8"), 320, 240, 40);
        JsonObject info = new JsonObject(TestNode.get(node, "/api/v1/streams/api").body());
        assertEquals("live", info.getString("state"), info.encode());
        assertEquals("test-api", info.getString("protocol"), "the ingest protocol it came in by");
    }

    @Test
    void refusalsSayWhy() {
        PublishException badKey = refusal("nope");
        assertEquals(PublishException.Kind.BAD_NAME, badKey.kind());
        assertEquals("bad_key", badKey.reason());
        assertTrue(badKey.getMessage().contains("'nope'"), badKey.getMessage());
        // unsupported media is refused by the API, whatever protocol carried it
        PublishException codec = assertInstanceOf(PublishException.class,
                acceptOne("other", new MediaEvent.UnsupportedCodec(Track.VIDEO, "vp09")));
        assertEquals("unsupported_codec", codec.reason());
        assertTrue(codec.getMessage().contains("vp09"), codec.getMessage());
        // HEVC and AV1 are taken, and a record that is not what it claims is malformed media
        for (io.tributary.media.VideoCodec c : List.of(io.tributary.media.VideoCodec.H265, io.tributary.media.VideoCodec.AV1)) {
            PublishException bad = assertInstanceOf(PublishException.class,
                    acceptOne("other", new MediaEvent.VideoConfig(c, new byte[] {1, 2, 3, 4})));
            assertEquals("bad_media", bad.reason(), bad.getMessage());
        }
    }

    /** An in-process source (a FAST channel's playout) is no broadcaster: the key list and secrets do not apply. */
    @Test
    void anInProcessSourceOpensAKeyNoBroadcasterMay() {
        assertEquals("bad_key", refusal("channel-7").reason(), "not on rtmp.stream-keys, no secret: refused to a broadcaster");
        CompletableFuture<Publication> opened = new CompletableFuture<>();
        node.vertx().getOrCreateContext().runOnContext(v -> node.publications().openInProcess("channel-7", "playout", new NullSource())
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        opened.complete(ar.result());
                    } else {
                        opened.completeExceptionally(ar.cause());
                    }
                }));
        Publication p = opened.join();
        node.vertx().getOrCreateContext().runOnContext(v -> p.close());
        CompletableFuture<Throwable> invalid = new CompletableFuture<>();
        node.vertx().getOrCreateContext().runOnContext(v -> node.publications().openInProcess("no/slash", "playout", new NullSource())
                .onComplete(ar -> invalid.complete(ar.cause())));
        assertEquals("bad_key", assertInstanceOf(PublishException.class, invalid.join()).reason());
    }

    @Test
    void operatorCuesReachTheTimeline() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<TimelineEvent.Cue> cues = new java.util.concurrent.LinkedBlockingQueue<>();
        TimelineEvents.Subscription sub = node.streams().events().subscribe("cues", node.vertx().getOrCreateContext(), e -> {
            if (e instanceof TimelineEvent.Cue c && c.stream().equals("api")) {
                cues.add(c);
            }
        });
        try {
            HttpResponse<String> out = post("/api/v1/streams/api/cues", "{\"type\":\"out\",\"duration\":30,\"id\":\"break-1\"}");
            assertEquals(202, out.statusCode(), out.body());
            TimelineEvent.Cue c = cues.poll(5, TimeUnit.SECONDS);
            assertNotNull(c, "the cue reached a timeline subscriber");
            assertTrue(c.out());
            assertEquals(30.0, c.durationSeconds());
            assertEquals("break-1", c.id());
            assertTrue(c.mediaTimeMs() > 1000, "at the stream's media time: " + c.mediaTimeMs());
            assertEquals(202, post("/api/v1/streams/api/cues", "{\"type\":\"in\"}").statusCode());
            TimelineEvent.Cue in = cues.poll(5, TimeUnit.SECONDS);
            assertNotNull(in);
            assertTrue(!in.out() && in.mediaTimeMs() >= c.mediaTimeMs(), "the in cue follows: " + in);

            HttpResponse<String> bad = post("/api/v1/streams/api/cues", "{\"type\":\"sideways\"}");
            assertEquals(400, bad.statusCode());
            assertTrue(bad.headers().firstValue("content-type").orElse("").startsWith("application/problem+json"), bad.headers().toString());
            assertTrue(bad.body().contains("type must be"), bad.body());
            assertEquals(400, post("/api/v1/streams/api/cues", "{\"type\":\"out\",\"duration\":-1}").statusCode());
            assertEquals(400, post("/api/v1/streams/api/cues", "not json").statusCode());
            assertEquals(404, post("/api/v1/streams/nothing-here/cues", "{\"type\":\"out\"}").statusCode());
        } finally {
            sub.close();
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return TestNode.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.httpUrl(path)))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private PublishException refusal(String key) {
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        node.vertx().getOrCreateContext().runOnContext(v -> node.publications().open(key, "test-api", new NullSource())
                .onComplete(ar -> failed.complete(ar.cause())));
        return assertInstanceOf(PublishException.class, failed.join());
    }

    /** Opens {@code key}, hands it {@code event}, closes it: what the API threw. */
    private Throwable acceptOne(String key, MediaEvent event) {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        node.vertx().getOrCreateContext().runOnContext(v -> node.publications().open(key, "test-api", new NullSource())
                .onComplete(ar -> {
                    if (ar.failed()) {
                        thrown.complete(ar.cause());
                        return;
                    }
                    try {
                        ar.result().accept(event);
                        thrown.complete(null);
                    } catch (RuntimeException e) {
                        thrown.complete(e);
                    } finally {
                        ar.result().close();
                    }
                }));
        try {
            return thrown.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A source that only listens. */
    private static final class NullSource implements io.tributary.live.PublishSource {
        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }

        @Override
        public void takenOver() {
        }

        @Override
        public void failed(PublishException error) {
        }

        @Override
        public boolean active() {
            return true;
        }

        @Override
        public String describe() {
            return "null source";
        }
    }
}
