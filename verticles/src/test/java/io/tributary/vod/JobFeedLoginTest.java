package io.tributary.vod;

import io.tributary.Node;
import io.tributary.testing.HeadlessChromium;
import io.tributary.testing.PgServers;
import io.tributary.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
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

/**
 * On a node with accounts, {@code /ws/jobs} feeds editors and admins only, signed in as on
 * {@code /ws/ops} (the token as the first message, or with the upgrade), and the {@code /ops} page
 * in Chromium shows the jobs once its operator has signed in. VOD on the project machine's
 * PostgreSQL, no transcode workers: an upload's job stays queued, its event is what the feed shows.
 */
@Timeout(180)
class JobFeedLoginTest {

    static Node node;
    static String pgUrl;
    static String admin;
    static String editor;
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
        pgUrl = PgServers.externalUrl(); // skips without the PostgreSQL at 127.0.0.1:5432
        node = TestNode.secured(Map.of("TRIBUTARY_PG_URL", pgUrl, "TRIBUTARY_VOD_ENABLED", "true", "TRIBUTARY_VOD_WORKERS", "0",
                "TRIBUTARY_TRANSCODE_LADDER", "none"));
        admin = TestNode.adminToken(node);
        editor = user("cutter", "editor");
        viewer = user("couch", "viewer");
    }

    @AfterAll
    static void stop() {
        TestNode.stop(node);
        PgServers.drop(pgUrl);
    }

    static String user(String name, String role) {
        var made = TestNode.send(node, "POST", "/api/v1/users",
                new JsonObject().put("name", name).put("password", name + "-password").put("role", role).encode(), admin);
        assertEquals(201, made.statusCode(), made.body());
        return TestNode.login(node, name, name + "-password").getString("accessToken");
    }

    static WebSocket open(Feed feed, String authorization) throws Exception {
        var b = TestNode.HTTP.newWebSocketBuilder();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort() + "/ws/jobs"), feed).get(5, TimeUnit.SECONDS);
    }

    /** An upload as an editor: garbage is fine, no worker will look at it; its job is queued. */
    static long upload(String title) throws Exception {
        HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl("/api/v1/assets?title=" + title)))
                .header("Authorization", "Bearer " + editor).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body()).getLong("job");
    }

    @Test
    void anEditorsTokenFirstOpensTheFeedAndItsEventsFollow() throws Exception {
        Feed feed = new Feed();
        WebSocket ws = open(feed, null);
        ws.sendText(new JsonObject().put("token", editor).encode(), true);
        TestNode.await("the recent jobs", Duration.ofSeconds(10), () -> !feed.frames.isEmpty());
        assertTrue(feed.frames.get(0).containsKey("jobs"), feed.frames.get(0).encode());
        long job = upload("Queued");
        TestNode.await("job " + job + " queued, on the feed", Duration.ofSeconds(10), () -> feed.frames.stream()
                .anyMatch(f -> f.getJsonObject("event") != null && "job.queued".equals(f.getJsonObject("event").getString("type"))
                        && Long.valueOf(job).equals(f.getJsonObject("event").getLong("job"))));
        ws.abort();

        Feed byAdmin = new Feed();
        open(byAdmin, null).sendText(new JsonObject().put("token", admin).encode(), true);
        TestNode.await("an admin's feed", Duration.ofSeconds(10), () -> !byAdmin.frames.isEmpty());
    }

    @Test
    void aViewerOrNoTokenIsRefusedWithAReasonAndSeesNoJob() throws Exception {
        Feed byViewer = new Feed();
        open(byViewer, null).sendText(new JsonObject().put("token", viewer).encode(), true);
        String why = byViewer.closed.get(5, TimeUnit.SECONDS);
        assertTrue(why.startsWith("1008 403") && why.contains("editor"), why);

        Feed empty = new Feed(); // what the page sends before anyone signed in
        open(empty, null).sendText("{\"token\":\"\"}", true);
        assertTrue(empty.closed.get(5, TimeUnit.SECONDS).startsWith("1008 login required"));

        Feed silent = new Feed();
        open(silent, null);
        assertTrue(silent.closed.get(10, TimeUnit.SECONDS).startsWith("1008 login required"));

        Feed forged = new Feed();
        open(forged, null).sendText(new JsonObject().put("token", editor + "x").encode(), true);
        assertTrue(forged.closed.get(5, TimeUnit.SECONDS).startsWith("1008 401"));

        upload("Unseen"); // an event while they were connected reaches none of them
        for (Feed f : List.of(byViewer, empty, silent, forged)) {
            assertEquals(0, f.frames.size(), "a refused socket got " + f.frames);
        }
    }

    @Test
    void toolsMaySendTheTokenWithTheUpgrade() throws Exception {
        Feed feed = new Feed();
        WebSocket ws = open(feed, "Bearer " + editor);
        TestNode.await("the recent jobs", Duration.ofSeconds(10), () -> !feed.frames.isEmpty());
        ws.abort();
        ExecutionException refused = assertThrows(ExecutionException.class, () -> open(new Feed(), "Bearer " + viewer));
        assertTrue(refused.getCause() instanceof WebSocketHandshakeException, String.valueOf(refused.getCause()));
        assertEquals(403, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
    }

    @Test
    void theOpsPageShowsTheJobsOnceSignedIn() throws Exception {
        long job = upload("Shown%20on%20ops");
        try (HeadlessChromium chromium = HeadlessChromium.launch()) {
            HeadlessChromium.Tab ops = chromium.open(node.httpUrl("/ops"));
            try {
                // no token yet: both feeds refuse, the page asks for a sign-in and shows no job
                TestNode.await("the sign-in form", Duration.ofSeconds(15), () -> Boolean.FALSE.equals(ops.eval(
                        "document.getElementById('login') ? document.getElementById('login').hidden : null")));
                TestNode.await("the jobs table asking for a sign-in", Duration.ofSeconds(15), () -> String.valueOf(ops.eval(
                        "document.querySelector('#jobs tbody').textContent")).contains("Sign in to see the jobs"));
                assertEquals(0.0, ops.number("window.jobsState.frames"));

                ops.eval("document.getElementById('name').value = 'admin';"
                        + "document.getElementById('password').value = '" + TestNode.ADMIN_PASSWORD + "';"
                        + "document.getElementById('login').requestSubmit(); true");
                TestNode.await("the job on the ops page", Duration.ofSeconds(20), () -> Boolean.TRUE.equals(ops.eval(
                        "document.querySelector('#jobs tr[data-job=\"" + job + "\"]') !== null")));
                assertTrue(ops.webSocketFramesSent().stream().filter(f -> f.contains("\"token\":\"ey")).count() >= 2,
                        "the page sent its access token on both feeds: " + ops.webSocketFramesSent());
                assertTrue(ops.number("window.opsState.frames") > 0, "the operator feed runs too");
            } finally {
                ops.close();
            }
        }
    }
}
