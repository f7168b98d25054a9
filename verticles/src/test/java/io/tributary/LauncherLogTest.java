package io.tributary;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher as an operator runs it, in a JVM of its own: {@code --demo} with
 * {@code log.format: json} and {@code log.access: true}. Every line on standard output is one JSON
 * event; the publish of the demo stream carries its stream.id; a request gets its access line; the
 * start-up summary says where to play; the demo publishes 720p and the player gets the 720p + 360p
 * ladder; and none of the libraries' start-up warnings comes through (with the JVM flags the jar's
 * manifest carries).
 */
class LauncherLogTest {

    private static final Duration START = Duration.ofSeconds(90);
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private final List<String> notJson = new CopyOnWriteArrayList<>();

    @Test
    void demoStartsWithJsonLinesAnAccessLogAndTheLadder() throws Exception {
        Path data = Files.createTempDirectory("tributary-launch-");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(manifestFlags());
        cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), Tributary.class.getName(), "--demo"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(data.toFile())
                .redirectError(data.resolve("stderr.txt").toFile()); // FFmpeg's own output
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("TRIBUTARY_"));
        env.putAll(Map.of("TRIBUTARY_LOG_FORMAT", "json", "TRIBUTARY_LOG_ACCESS", "true", "TRIBUTARY_DVR_ENABLED", "false",
                "TRIBUTARY_HTTP_HOST", "127.0.0.1", "TRIBUTARY_HTTP_PORT", "0", "TRIBUTARY_RTMP_HOST", "127.0.0.1",
                "TRIBUTARY_RTMP_PORT", "0", "TRIBUTARY_SRT_PORT", "0", "TRIBUTARY_ROLES", "origin",
                "TRIBUTARY_DATA_DIR", data.resolve("data").toString()));
        // a port of its own: Hazelcast warns when it has to move on from a taken one (other nodes of this machine)
        env.put("TRIBUTARY_CLUSTER_PORT", Integer.toString(io.tributary.testing.TestNode.freePort()));
        env.put("TRIBUTARY_GRPC_PORT", "0"); // not the default 50051: another node on this machine may hold it
        long started = System.nanoTime();
        Process node = pb.start();
        Thread reader = new Thread(() -> read(node), "launcher-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            JsonObject operate = await("the start-up summary's operate line", e -> e.getString("message", "").startsWith("operate: "));
            Matcher port = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/ops").matcher(operate.getString("message"));
            assertTrue(port.find(), operate.encode());
            String http = "http://127.0.0.1:" + port.group(1);
            JsonObject play = await("the demo's play URL", e -> e.getString("message", "").startsWith("demo: "));
            assertTrue(play.getString("message").contains(http + "/play/demo"), play.encode());

            JsonObject publish = await("the demo's publish with its stream id",
                    e -> e.getString("message", "").startsWith("publish started: demo"));
            assertEquals("demo", publish.getString("stream.id"), publish.encode());
            assertEquals("io.tributary.live.Publications", publish.getString("log.logger"));
            assertEquals("INFO", publish.getString("log.level"));
            assertTrue(publish.getString("process.thread.name").startsWith("vert.x-eventloop-thread-"), publish.encode());
            long publishedMs = (System.nanoTime() - started) / 1_000_000;

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(http + "/health?token=hunter2"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            JsonObject access = await("the access line of GET /health",
                    e -> "tributary.access".equals(e.getString("log.logger")) && e.getString("url.path", "").startsWith("/health"));
            assertEquals("/health?token=REDACTED", access.getString("url.path"));
            assertEquals("GET", access.getString("http.request.method"));
            assertEquals(health.statusCode(), access.getInteger("http.response.status_code"));
            assertEquals(health.body().getBytes(StandardCharsets.UTF_8).length, access.getLong("http.response.body.bytes"));
            assertTrue(access.getLong("event.duration") > 0, access.encode());
            assertTrue(access.getString("message").startsWith("GET /health?token=REDACTED " + health.statusCode() + " "), access.encode());

            // the ladder a newcomer's player page gets: the 720p source passed through and 360p encoded
            String multivariant = "";
            long deadline = System.nanoTime() + START.toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http + "/live/demo/index.m3u8"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                multivariant = r.body();
                if (r.statusCode() == 200 && multivariant.contains("RESOLUTION=1280x720") && multivariant.contains("RESOLUTION=640x360")) {
                    break;
                }
                Thread.sleep(250);
            }
            assertTrue(multivariant.contains("RESOLUTION=1280x720") && multivariant.contains("RESOLUTION=640x360"),
                    "the demo's ladder:\n" + multivariant);

            assertTrue(notJson.isEmpty(), "lines on standard output that are not one JSON event: " + notJson);
            List<String> warnings = events.stream().filter(e -> !e.getString("log.level").matches("INFO|DEBUG|TRACE"))
                    .map(JsonObject::encode).toList();
            assertTrue(warnings.isEmpty(), "warnings at start-up: " + warnings);
            System.out.printf("launcher: demo publishing %d ms after the JVM started, %d events%n", publishedMs, events.size());
        } finally {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The --add-opens/--add-exports the jar's manifest carries (verticles/pom.xml), as command-line flags. */
    private static List<String> manifestFlags() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        List<String> flags = new ArrayList<>();
        for (String[] kind : new String[][]{{"Add-Opens", "--add-opens"}, {"Add-Exports", "--add-exports"}}) {
            Matcher m = Pattern.compile("<" + kind[0] + ">([^<]+)</" + kind[0] + ">").matcher(pom);
            assertTrue(m.find(), kind[0] + " in the shaded jar's manifest entries");
            for (String pkg : m.group(1).trim().split("\\s+")) {
                flags.add(kind[1]);
                flags.add(pkg + "=ALL-UNNAMED");
            }
        }
        return flags;
    }

    private void read(Process node) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                try {
                    events.add(new JsonObject(line));
                } catch (DecodeException e) {
                    notJson.add(line);
                }
            }
        } catch (IOException e) {
            // the process went
        }
    }

    private JsonObject await(String what, Predicate<JsonObject> match) throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonObject e : events) {
                if (match.test(e)) {
                    return e;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + what + " within " + START.toSeconds() + " s; lines: " + events + " " + notJson);
    }
}
