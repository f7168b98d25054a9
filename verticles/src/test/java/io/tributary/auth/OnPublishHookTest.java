package io.tributary.auth;

import io.tributary.Node;
import io.tributary.testing.LiveNode;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.TestNode;
import io.tributary.testing.TestPublication;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The on_publish webhook (a real HTTP server of the test's) allows, refuses with its reason, and renames. */
@Timeout(180)
class OnPublishHookTest {

    @Test
    void theHookAllowsRefusesAndRenames() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<JsonObject> asked = new CopyOnWriteArrayList<>();
        HttpServer hook = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            JsonObject q = body.toJsonObject();
            asked.add(q);
            switch (q.getString("stream")) {
                case "blocked" -> req.response().setStatusCode(403).end("this channel is suspended\nmore");
                case "raw" -> req.response().putHeader("Content-Type", "application/json").end("{\"stream\":\"renamed\"}");
                default -> req.response().setStatusCode(204).end();
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none",
                "TRIBUTARY_RTMP_ON_PUBLISH", "http://127.0.0.1:" + hook.actualPort() + "/on_publish"));
        try {
            try (RtmpTestPublisher refused = RtmpTestPublisher.publish(node.rtmpPort(), "blocked")) {
                assertFalse(refused.publishing());
                assertEquals("NetStream.Publish.Rejected", refused.failure().code());
                assertTrue(refused.failure().description().contains("this channel is suspended"), refused.failure().description());
                assertFalse(refused.failure().description().contains("more"), "the first line only");
            }
            try (TestPublication p = LiveNode.publish(node, "raw", LiveNode.smallSource())) {
                p.sendPacedInBackground(5);
                LiveNode.awaitSegments(node, "renamed", "video", 1, Duration.ofSeconds(30));
                assertEquals(404, TestNode.get(node, "/live/raw/index.m3u8").statusCode(), "played under the new name only");
            }
            try (TestPublication p = LiveNode.publish(node, "plain", LiveNode.smallSource())) {
                p.sendPacedInBackground(3);
                LiveNode.awaitSegments(node, "plain", "video", 1, Duration.ofSeconds(30));
            }
            JsonObject first = asked.get(0);
            assertEquals("publish", first.getString("action"));
            assertEquals("rtmp", first.getString("protocol"));
            assertTrue(first.getString("client").contains("127.0.0.1"), first.encode());
        } finally {
            TestNode.stop(node);
            vertx.close();
        }
    }
}
