package io.tributary.ops;

import io.tributary.Node;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On a node with accounts, {@code /ws/ops} feeds an admin only: a token first, or with the upgrade. */
@Timeout(120)
class OpsLoginTest {

    static Node node;
    static String admin;
    static String viewer;

    /** What a socket got: its frames, and its close code and reason. */
    static final class Feed implements WebSocket.Listener {
        final List<JsonObject> frames = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                frames.add(new JsonObject(text.toString()));
                text.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            closed.complete(code + " " + reason);
            return null;
        }
    }

    @BeforeAll
    static void start() {
        node = TestNode.secured(Map.of());
        admin = TestNode.adminToken(node);
        var made = TestNode.send(node, "POST", "/api/v1/users",
                new JsonObject().put("name", "nocwatch").put("password", "nocwatch-password").put("role", "viewer").encode(), admin);
        assertEquals(201, made.statusCode(), made.body());
        viewer = TestNode.login(node, "nocwatch", "nocwatch-password").getString("accessToken");
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
    }

    static WebSocket open(Feed feed, String authorization) throws Exception {
        var b = TestNode.HTTP.newWebSocketBuilder();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/ops"), feed).get(5, TimeUnit.SECONDS);
    }

    @Test
    void anAdminsTokenAsTheFirstMessageOpensTheFeed() throws Exception {
        Feed feed = new Feed();
        WebSocket ws = open(feed, null);
        ws.sendText(new JsonObject().put("token", admin).encode(), true);
        TestNode.await("two frames", Duration.ofSeconds(5), () -> feed.frames.size() >= 2);
        assertTrue(feed.frames.get(0).containsKey("streams"), feed.frames.get(0).encode());
        ws.abort();
    }

    @Test
    void withoutATokenNothingIsSentAndTheSocketCloses() throws Exception {
        Feed silent = new Feed();
        open(silent, null);
        String why = silent.closed.get(10, TimeUnit.SECONDS);
        assertTrue(why.startsWith("1008 login required"), why);
        assertEquals(0, silent.frames.size());

        Feed empty = new Feed(); // what the page sends before anyone signed in
        open(empty, null).sendText("{\"token\":\"\"}", true);
        String asked = empty.closed.get(5, TimeUnit.SECONDS);
        assertTrue(asked.startsWith("1008 login required"), asked);

        Feed junk = new Feed();
        open(junk, null).sendText("hello", true);
        assertTrue(junk.closed.get(5, TimeUnit.SECONDS).startsWith("1008 "));
        assertEquals(0, junk.frames.size());

        Feed forged = new Feed();
        open(forged, null).sendText(new JsonObject().put("token", admin + "x").encode(), true);
        assertTrue(forged.closed.get(5, TimeUnit.SECONDS).startsWith("1008 401"));
        assertEquals(0, forged.frames.size());
    }

    @Test
    void aViewerIsRefused() throws Exception {
        Feed feed = new Feed();
        open(feed, null).sendText(new JsonObject().put("token", viewer).encode(), true);
        String why = feed.closed.get(5, TimeUnit.SECONDS);
        assertTrue(why.startsWith("1008 403") && why.contains("admin"), why);
        assertEquals(0, feed.frames.size());
    }

    @Test
    void toolsMaySendTheTokenWithTheUpgrade() throws Exception {
        Feed feed = new Feed();
        WebSocket ws = open(feed, "Bearer " + admin);
        TestNode.await("a frame", Duration.ofSeconds(5), () -> !feed.frames.isEmpty());
        ws.abort();
        ExecutionException refused = assertThrows(ExecutionException.class, () -> open(new Feed(), "Bearer " + viewer));
        assertTrue(refused.getCause() instanceof java.net.http.WebSocketHandshakeException, String.valueOf(refused.getCause()));
        assertEquals(403, ((java.net.http.WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
    }
}
