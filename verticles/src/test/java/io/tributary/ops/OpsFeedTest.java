package io.tributary.ops;

import io.tributary.Node;
import io.tributary.testing.LiveNode;
import io.tributary.testing.TestPublication;
import io.tributary.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator feed as a WebSocket client sees it: on a real node, and under a reader that stops reading. */
@ExtendWith(VertxExtension.class)
class OpsFeedTest {

    @Test
    void theNodePushesStreamsAndSessionsOnceASecond() throws Exception {
        try (LiveNode live = LiveNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"))) {
            Node node = live.node();
            TestPublication pub = live.publish("opscam").send(2.2);
            live.awaitOk("/api/v1/streams/opscam", Duration.ofSeconds(10));

            HttpResponse<String> page = TestNode.get(node, "/ops");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
            assertTrue(page.body().contains("/ws/ops"));
            HttpResponse<String> plain = TestNode.get(node, "/ws/ops");
            assertEquals(400, plain.statusCode(), "a plain GET is told to upgrade");
            assertTrue(plain.body().contains("WebSocket"), plain.body());

            List<JsonObject> frames = new CopyOnWriteArrayList<>();
            List<Long> arrivals = new CopyOnWriteArrayList<>();
            // the JDK's WebSocket client, as in the browser test (Vert.x 5.0.7's client failed handshakes here now and then)
            java.net.http.WebSocket ws = TestNode.HTTP.newWebSocketBuilder()
                    .buildAsync(java.net.URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/ops"), new java.net.http.WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                arrivals.add(System.nanoTime());
                                frames.add(new JsonObject(text.toString()));
                                text.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            TestNode.await("three frames", Duration.ofSeconds(5), () -> frames.size() >= 3);
            // the first frame comes at once, then one per tick of a second
            double tick = (arrivals.get(2) - arrivals.get(1)) / 1e9;
            assertTrue(tick >= 0.5 && tick < 2, "frames 2 and 3 were " + tick + " s apart");
            JsonObject last = frames.get(frames.size() - 1);
            JsonArray streams = last.getJsonArray("streams");
            assertEquals("opscam", streams.getJsonObject(0).getString("key"));
            assertEquals("live", streams.getJsonObject(0).getString("state"));
            JsonObject sessions = last.getJsonObject("sessions");
            assertTrue(sessions.getValue("sessions") instanceof Number, sessions.encode());
            assertTrue(sessions.getValue("streams") instanceof JsonArray, sessions.encode());
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done");
            pub.close();
        }
    }

    @Test
    void aReaderThatStopsReadingIsSkippedThenClosedWhileOthersKeepTheirFeed(Vertx vertx) throws Exception {
        // the feed's own Vert.x, from VertxExtension; the test still closes it first (see the finally block)
        // a large state (about 100 kB a frame) every 20 ms fills a paused reader's socket buffers quickly
        JsonArray big = new JsonArray();
        for (int i = 0; i < 500; i++) {
            big.add(new JsonObject().put("key", "stream-" + i).put("padding", "x".repeat(180)));
        }
        AtomicInteger open = new AtomicInteger(-1);
        class FeedServer extends VerticleBase {
            OpsFeed feed;
            HttpServer server;

            @Override
            public Future<?> start() {
                feed = new OpsFeed(vertx, 20, () -> big, OpsFeed.NO_SESSIONS);
                vertx.setPeriodic(20, id -> open.set(feed.size()));
                Router router = Router.router(vertx);
                router.get("/ws/ops").handler(feed::accept);
                server = vertx.createHttpServer();
                return server.requestHandler(router).listen(0, "127.0.0.1");
            }

            @Override
            public Future<?> stop() {
                feed.close();
                return Future.succeededFuture();
            }
        }
        FeedServer fs = new FeedServer();
        try {
            vertx.deployVerticle(fs).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            int port = fs.server.actualPort();
            // a reader that upgrades and then never reads: a plain socket after the handshake
            Socket stalled = new Socket("127.0.0.1", port);
            stalled.setReceiveBufferSize(4096);
            stalled.getOutputStream().write(("GET /ws/ops HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            stalled.setSoTimeout(5000);
            String status = new String(stalled.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 101", status);
            AtomicInteger healthyFrames = new AtomicInteger();
            // the JDK's own WebSocket client reads the feed like a browser would
            java.net.http.WebSocket healthy = TestNode.HTTP.newWebSocketBuilder()
                    .buildAsync(java.net.URI.create("ws://127.0.0.1:" + port + "/ws/ops"), new java.net.http.WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                            if (last) {
                                healthyFrames.incrementAndGet();
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            TestNode.await("both sockets registered", Duration.ofSeconds(5), () -> open.get() == 2);
            // the stalled socket's queue fills, stays full for MAX_STALLED_TICKS ticks, and the feed lets it go
            TestNode.await("the feed to drop the stalled socket", Duration.ofSeconds(30), () -> open.get() == 1);
            int before = healthyFrames.get();
            TestNode.await("the healthy reader to keep receiving", Duration.ofSeconds(5), () -> healthyFrames.get() >= before + 10);
            stalled.close();
        } finally {
            // the server first: its sockets go, so no client waits on a close handshake behind a full buffer
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
