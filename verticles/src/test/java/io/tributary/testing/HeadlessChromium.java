package io.tributary.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, driven over the Chrome DevTools Protocol with the Vert.x
 * WebSocket client: a real browser for the pages. A fresh profile in a temporary directory,
 * the DevTools port chosen by Chromium and read from its {@code DevToolsActivePort} file.
 * {@link #close()} kills the browser and every process it started, and deletes the profile.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);

    private final Path profile;
    private final Process process;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Promise<JsonObject>> calls = new ConcurrentHashMap<>();
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private WebSocket socket;

    private HeadlessChromium(Path profile, Process process) {
        this.profile = profile;
        this.process = process;
    }

    /** Starts Chromium from the PATH; skips the test when there is none (fails where {@link Tools#required()}). */
    public static HeadlessChromium launch() {
        Path binary = Tools.chromium();
        Path profile;
        try {
            profile = Files.createTempDirectory("tributary-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process p;
        try {
            p = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                    "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                    .redirectErrorStream(true)
                    .redirectOutput(profile.resolve("chromium.log").toFile())
                    .start();
        } catch (IOException e) {
            deleteTree(profile);
            throw new UncheckedIOException(e);
        }
        HeadlessChromium c = new HeadlessChromium(profile, p);
        try {
            c.connect();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    private void connect() {
        Path portFile = profile.resolve("DevToolsActivePort");
        TestNode.await("Chromium's DevToolsActivePort (log: " + profile.resolve("chromium.log") + ")", Duration.ofSeconds(30),
                () -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("chromium exited with " + process.exitValue() + ": " + log());
                    }
                    return readPortFile(portFile).size() >= 2;
                });
        List<String> lines = readPortFile(portFile);
        int port = Integer.parseInt(lines.get(0).trim());
        String path = lines.get(1).trim();
        // the JDK's WebSocket client: Vert.x 5.0.7's client failed its handshake now and then here
        try {
            socket = TestNode.HTTP.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + path), new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                received(new JsonObject(text.toString()));
                                text.setLength(0);
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("DevTools connection failed", e);
        }
    }

    private void received(JsonObject m) {
        Integer id = m.getInteger("id");
        if (id == null) {
            events.add(m);
            return;
        }
        Promise<JsonObject> p = calls.remove(id);
        if (p == null) {
            return;
        }
        if (m.containsKey("error")) {
            p.fail(new IllegalStateException("CDP error: " + m.getJsonObject("error").encode()));
        } else {
            p.complete(m.getJsonObject("result", new JsonObject()));
        }
    }

    private static List<String> readPortFile(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of(); // being written: the next poll reads it whole
        }
    }

    /** A browser-level CDP command; {@code session} null for the browser itself. */
    public JsonObject call(String session, String method, JsonObject params) {
        int id = ids.incrementAndGet();
        Promise<JsonObject> p = Promise.promise();
        calls.put(id, p);
        JsonObject m = new JsonObject().put("id", id).put("method", method).put("params", params);
        if (session != null) {
            m.put("sessionId", session);
        }
        synchronized (this) {
            // one send at a time on a JDK WebSocket
            socket.sendText(m.encode(), true).join();
        }
        return await(p.future());
    }

    /** Opens a tab on {@code url} in a window of its own (never a throttled background tab), with network events recorded. */
    public Tab open(String url) {
        return open(url, null);
    }

    /** As {@link #open(String)}, with {@code initScript} run in the page before any of its own scripts (null: none). */
    public Tab open(String url, String initScript) {
        String target = call(null, "Target.createTarget", new JsonObject().put("url", "about:blank").put("newWindow", true)).getString("targetId");
        String session = call(null, "Target.attachToTarget", new JsonObject().put("targetId", target).put("flatten", true))
                .getString("sessionId");
        call(session, "Network.enable", new JsonObject());
        call(session, "Page.enable", new JsonObject());
        if (initScript != null) {
            call(session, "Page.addScriptToEvaluateOnNewDocument", new JsonObject().put("source", initScript));
        }
        call(session, "Page.navigate", new JsonObject().put("url", url));
        return new Tab(target, session);
    }

    /** One page, attached with its own CDP session. */
    public final class Tab {
        private final String target;
        private final String session;

        private Tab(String target, String session) {
            this.target = target;
            this.session = session;
        }

        /** Evaluates a JavaScript expression in the page and returns its value (JSON-able), or fails on an exception. */
        public Object eval(String expression) {
            JsonObject r = call(session, "Runtime.evaluate", new JsonObject().put("expression", expression)
                    .put("returnByValue", true).put("awaitPromise", true));
            if (r.containsKey("exceptionDetails")) {
                throw new IllegalStateException("page threw: " + r.getJsonObject("exceptionDetails").encode());
            }
            return r.getJsonObject("result").getValue("value");
        }

        public double number(String expression) {
            Object v = eval(expression);
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }

        /** The requests this page sent so far ({@code Network.requestWillBeSent} params.request). */
        public List<JsonObject> requests(Predicate<JsonObject> filter) {
            return events.stream()
                    .filter(e -> session.equals(e.getString("sessionId")) && "Network.requestWillBeSent".equals(e.getString("method")))
                    .map(e -> e.getJsonObject("params").getJsonObject("request"))
                    .filter(filter).toList();
        }

        /** Text frames this page sent on its WebSockets so far. */
        public List<String> webSocketFramesSent() {
            return events.stream()
                    .filter(e -> session.equals(e.getString("sessionId")) && "Network.webSocketFrameSent".equals(e.getString("method")))
                    .map(e -> e.getJsonObject("params").getJsonObject("response").getString("payloadData"))
                    .toList();
        }

        /** Best effort: a tab that does not close is ended with the browser, and must not hide a test's failure. */
        public void close() {
            try {
                call(null, "Target.closeTarget", new JsonObject().put("targetId", target));
            } catch (IllegalStateException e) {
                System.err.println("tab " + target + " did not close: " + e.getCause() + "\n" + log());
            }
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("DevTools call failed or timed out", e);
        }
    }

    /** The last lines Chromium printed, for failure messages. */
    public String log() {
        try {
            List<String> lines = Files.readAllLines(profile.resolve("chromium.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        try {
            if (socket != null) {
                socket.abort();
            }
        } finally {
            // the renderer, GPU and zygote processes are this browser's children: end them too
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroyForcibly);
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
