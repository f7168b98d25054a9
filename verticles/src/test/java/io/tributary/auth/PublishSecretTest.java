package io.tributary.auth;

import io.tributary.Node;
import io.tributary.media.testing.SrtFfmpegPublisher;
import io.tributary.media.testing.SrtTsPush;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Publishing on a node as shipped: a stream an editor created publishes with its secret over RTMP
 * (query or {@code NAME.SECRET} key) and SRT (Stream ID {@code s=}); without it, or with a wrong
 * one, the broadcaster is refused and told why.
 */
@Timeout(240)
class PublishSecretTest {

    private static Node node;
    private static String editor;

    @BeforeAll
    static void start() {
        node = TestNode.secured(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        String admin = TestNode.adminToken(node);
        assertEquals(201, TestNode.send(node, "POST", "/api/v1/users", new JsonObject().put("name", "ed").put("password", "password-ed")
                .put("role", "editor").encode(), admin).statusCode());
        editor = TestNode.login(node, "ed", "password-ed").getString("accessToken");
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    private static JsonObject create(String name) {
        HttpResponse<String> r = TestNode.send(node, "POST", "/api/v1/streams", new JsonObject().put("name", name).encode(), editor);
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    @Test
    void rtmpWithoutTheSecretIsRefusedWithAReasonAndWithItPlays() {
        JsonObject stream = create("studio");
        String secret = stream.getString("secret");
        assertEquals("studio." + secret, stream.getJsonObject("obs").getString("streamKey"));
        assertEquals(409, TestNode.send(node, "POST", "/api/v1/streams", new JsonObject().put("name", "studio").encode(), editor)
                .statusCode());
        assertEquals(400, TestNode.send(node, "POST", "/api/v1/streams", new JsonObject().put("name", "a/b").encode(), editor)
                .statusCode());

        try (RtmpTestPublisher none = RtmpTestPublisher.publish(node.rtmpPort(), "studio")) {
            assertFalse(none.publishing());
            assertEquals("NetStream.Publish.BadName", none.failure().code());
            assertTrue(none.failure().description().contains("needs its publish secret"), none.failure().description());
        }
        try (RtmpTestPublisher wrong = RtmpTestPublisher.publish(node.rtmpPort(), "studio?secret=guessed")) {
            assertFalse(wrong.publishing());
            assertTrue(wrong.failure().description().contains("wrong publish secret"), wrong.failure().description());
        }
        try (RtmpTestPublisher unknown = RtmpTestPublisher.publish(node.rtmpPort(), "other?secret=" + secret)) {
            assertFalse(unknown.publishing());
            assertTrue(unknown.failure().description().contains("POST /api/v1/streams"), unknown.failure().description());
        }
        // OBS's single key field: NAME.SECRET; then the playback name is the stream's name alone
        try (TestPublication p = LiveNode.publish(node, "studio." + secret, LiveNode.smallSource())) {
            p.sendPacedInBackground(5);
            LiveNode.awaitSegments(node, "studio", "video", 1, Duration.ofSeconds(30));
            String listing = TestNode.get(node, "/api/v1/streams").body();
            assertFalse(listing.contains(secret), "the secret is no part of the public catalog");
        }
        // a new secret replaces the old one
        HttpResponse<String> renewed = TestNode.send(node, "POST", "/api/v1/streams/studio/secret", "{}", editor);
        assertEquals(200, renewed.statusCode(), renewed.body());
        try (RtmpTestPublisher old = RtmpTestPublisher.publish(node.rtmpPort(), "studio?secret=" + secret)) {
            assertFalse(old.publishing());
        }
    }

    @Test
    void rtmpQuerySecretPublishes() {
        String secret = create("query").getString("secret");
        try (TestPublication p = LiveNode.publish(node, "query?secret=" + secret, LiveNode.smallSource())) {
            p.sendPacedInBackground(5);
            LiveNode.awaitSegments(node, "query", "video", 1, Duration.ofSeconds(30));
        }
    }

    @Test
    void srtWithoutTheSecretIsRejectedAndWithItPlays() throws Exception {
        String secret = create("field").getString("secret");
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> SrtTsPush.connect(node.srtPort(), "#!::r=live/field,m=publish", 120, null));
        assertTrue(none.getMessage().contains("1401"), none.getMessage());
        IllegalStateException wrong = assertThrows(IllegalStateException.class,
                () -> SrtTsPush.connect(node.srtPort(), "#!::r=live/field,m=publish,s=guessed", 120, null));
        assertTrue(wrong.getMessage().contains("1403"), wrong.getMessage());
        // FFmpeg (libsrt, through JavaCV) as a broadcaster would: the secret in its Stream ID
        SrtFfmpegPublisher.publish(SrtFfmpegPublisher.url(node.srtPort(), "#!::r=live/field,m=publish,s=" + secret, 120), 100);
        LiveNode.awaitSegments(node, "field", "video", 1, Duration.ofSeconds(30));
    }
}
