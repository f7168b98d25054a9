package io.tributary.ops;

import io.tributary.media.srt.SrtCaller;
import io.tributary.media.testing.Mp4Boxes;
import io.tributary.media.testing.SrtFfmpegPublisher;
import io.tributary.media.testing.SrtTsPush;
import io.tributary.media.testing.SyntheticAvSource;
import io.tributary.testing.Playlist;
import io.tributary.testing.RtmpTestPublisher;
import io.tributary.testing.Scrape;
import io.tributary.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The launched node as an orchestrator stops it: a real {@code java} process of the launcher, a
 * publisher, a blocked LL-HLS reload and a segment still being built in flight, then SIGTERM
 * ({@link Process#destroy()}). Each gets a clean answer, the process exits 0 within the grace, and
 * its log says what the stop did.
 */
class GracefulShutdownTest {

    private static final long GRACE_MS = 15_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void sigtermDrainsPublisherHeldReloadAndDownloadThenExitsZero(@TempDir Path dir) throws Exception {
        int[] ports = TestNode.freePorts(4);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.tributary.Tributary")
                // to a file: Process.destroy() closes the pipes, and what the node logs while it stops would be lost
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("TRIBUTARY_"));
        env.putAll(Map.of("TRIBUTARY_HTTP_HOST", "127.0.0.1", "TRIBUTARY_RTMP_HOST", "127.0.0.1",
                "TRIBUTARY_HTTP_PORT", Integer.toString(ports[0]), "TRIBUTARY_RTMP_PORT", Integer.toString(ports[1]),
                "TRIBUTARY_EDGE_PORT", Integer.toString(ports[2]), "TRIBUTARY_ROUTER_PORT", Integer.toString(ports[3]),
                "TRIBUTARY_SRT_ENABLED", "false", "TRIBUTARY_DVR_ENABLED", "false",
                "TRIBUTARY_TRANSCODE_LADDER", "none", "TRIBUTARY_HTTP_INSTANCES", "2"));
        env.put("TRIBUTARY_SHUTDOWN_GRACE", GRACE_MS + "ms");
        env.put("TRIBUTARY_VOD_ENABLED", "false"); // no PostgreSQL to start: the test is about the drain
        env.put("TRIBUTARY_AUTH_ENABLED", "false");
        env.put("TRIBUTARY_GRPC_PORT", "0"); // not the default 50051: another node on this machine may hold it
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any");
        env.put("TRIBUTARY_DATA_DIR", dir.resolve("data").toString());
        Process node = pb.start();
        ProcessLog log = new ProcessLog(dir.resolve("node.log"));
        String base = "http://127.0.0.1:" + ports[0];
        RtmpTestPublisher publisher = null;
        SyntheticAvSource source = new SyntheticAvSource(320, 240, 30, 30, 0, true);
        try {
            awaitUp(node, log, base);
            publisher = RtmpTestPublisher.publish(ports[1], "bye");
            assertTrue(publisher.publishing(), "publish refused: " + publisher.failure());
            publisher.configs(source.avcDecoderConfigurationRecord(), source.audioSpecificConfig());
            // 4.2 s at once: two complete 2 s segments and a third being built, then the publisher goes quiet
            publisher.send(source.next(4.2), 0);

            String rendition = awaitRendition(base, "bye");
            String playlistPath = "/live/bye/" + rendition + "/index.m3u8";
            Playlist before = awaitPlaylist(base + playlistPath, p -> p.segments().size() >= 2);
            assertFalse(before.has("EXT-X-ENDLIST"));
            long building = before.segments().get(before.segments().size() - 1).msn() + 1;

            // in flight: the segment being built (streamed part by part) and a reload blocked on the one after it
            CompletableFuture<HttpResponse<byte[]>> download = HTTP.sendAsync(
                    get(base + "/live/bye/" + rendition + "/seg-" + building + ".m4s"), HttpResponse.BodyHandlers.ofByteArray());
            CompletableFuture<HttpResponse<String>> reload = HTTP.sendAsync(
                    get(base + playlistPath + "?_HLS_msn=" + (building + 1) + "&_HLS_part=0"), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!(blocked(base) >= 2)) { // NaN (no gauge yet) is not 2
                assertTrue(System.nanoTime() < deadline, "the reload and the download are held (tributary_blocked_requests)");
                assertFalse(reload.isDone(), "the reload was answered before the stop: " + reload.getNow(null));
                Thread.sleep(50);
            }
            assertFalse(reload.isDone() || download.isDone(), "both still in flight when SIGTERM is sent");

            long signalled = System.nanoTime();
            node.destroy(); // SIGTERM
            assertTrue(node.waitFor(GRACE_MS + 5000, TimeUnit.MILLISECONDS), "the node exits within the grace\n" + log);
            long exitMs = (System.nanoTime() - signalled) / 1_000_000;
            assertEquals(0, node.exitValue(), "exit code\n" + log);
            assertTrue(exitMs < GRACE_MS, "exited after " + exitMs + " ms, grace " + GRACE_MS);

            HttpResponse<String> reloaded = reload.get(5, TimeUnit.SECONDS);
            assertEquals(200, reloaded.statusCode(), reloaded.body());
            Playlist last = new Playlist(reloaded.body());
            assertTrue(last.has("EXT-X-ENDLIST"), "the ended stream's playlist says so:\n" + reloaded.body());
            assertTrue(last.segments().stream().anyMatch(s -> s.msn() == building), "the segment in flight completed:\n" + reloaded.body());

            HttpResponse<byte[]> segment = download.get(5, TimeUnit.SECONDS);
            assertEquals(200, segment.statusCode());
            List<Mp4Boxes.Box> boxes = Mp4Boxes.parse(segment.body()); // whole boxes: not cut mid-response
            assertTrue(Mp4Boxes.types(boxes).contains("moof") && Mp4Boxes.types(boxes).contains("mdat"), Mp4Boxes.types(boxes).toString());
            assertEquals(segment.body().length, boxes.get(boxes.size() - 1).end(), "the segment's last box is complete");

            RtmpTestPublisher p = publisher;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (p.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNotNull(p.failure(), "the publisher was told");
            assertEquals("NetConnection.Connect.AppShutdown", p.failure().code());
            assertTrue(p.failure().description().contains("shutting down"), p.failure().description());

            String text = log.toString();
            assertTrue(text.contains("SIGTERM: stopping gracefully"), text);
            Matcher m = Pattern.compile("stopped: (\\d+) publishers told and closed, (\\d+) streams ended").matcher(text);
            assertTrue(m.find(), "the stop logs what it did:\n" + text);
            assertEquals("1", m.group(1), m.group());
            assertEquals("1", m.group(2), m.group());
            System.out.println("SIGTERM to exit 0 in " + exitMs + " ms; " + text.substring(m.start(), text.indexOf('\n', m.start())));
        } finally {
            if (publisher != null) {
                publisher.close();
            }
            source.close();
            if (node.isAlive()) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The same stop in process, for an SRT caller (the plain-Java one): it gets the listener's
     * shutdown (SRT has no status message), and its stream is ended, not left to wait for a reconnect.
     */
    @Test
    void srtPublisherIsShutDownAndItsStreamEnds() throws Exception {
        io.tributary.Node node = TestNode.start(Map.of("TRIBUTARY_TRANSCODE_LADDER", "none"));
        try (SrtTsPush push = SrtTsPush.connect(node.srtPort(), "live/srtbye", 120, null)) {
            byte[] ts = SrtFfmpegPublisher.encodeTs(50);
            push.sendPaced(ts, ts.length * 8.0 / 2.0); // the 2 s clip in 1 s
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (node.streams().get("srtbye") == null || node.streams().get("srtbye").state() != io.tributary.live.LiveStream.State.LIVE) {
                assertTrue(System.nanoTime() < deadline, "the SRT stream is live");
                push.poll();
                Thread.sleep(5);
            }
            io.tributary.live.LiveStream stream = node.streams().get("srtbye");
            CompletableFuture<NodeShutdown.Report> stopped = node.shutdown(Duration.ofSeconds(10)).toCompletionStage().toCompletableFuture();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (push.caller().state() != SrtCaller.State.CLOSED) {
                assertTrue(System.nanoTime() < deadline, "the caller got the listener's shutdown: " + push.caller().state());
                if (!push.poll()) {
                    Thread.sleep(1);
                }
            }
            NodeShutdown.Report report = stopped.get(15, TimeUnit.SECONDS);
            assertEquals(1, report.publishersTold(), report.toString());
            assertEquals(1, report.streamsEnded(), report.toString());
            assertEquals(io.tributary.live.LiveStream.State.ENDED, stream.state(), "ended at once, no reconnect grace");
        } finally {
            TestNode.stop(node);
        }
    }

    private static void awaitUp(Process node, ProcessLog log, String base) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a loaded machine starts Hazelcast slowly
        while (System.nanoTime() < deadline) {
            if (!node.isAlive()) {
                fail("the node exited with " + node.exitValue() + " while starting:\n" + log);
            }
            try {
                if (HTTP.send(get(base + "/health"), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("the node was not up within 60 s:\n" + log);
    }

    private static String awaitRendition(String base, String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            HttpResponse<String> mv = HTTP.send(get(base + "/live/" + key + "/index.m3u8"), HttpResponse.BodyHandlers.ofString());
            if (mv.statusCode() == 200) {
                for (String line : mv.body().split("\n")) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        return line.trim().substring(0, line.trim().indexOf('/'));
                    }
                }
            }
            assertTrue(System.nanoTime() < deadline, "multivariant playlist: " + mv.statusCode() + " " + mv.body());
            Thread.sleep(100);
        }
    }

    private static Playlist awaitPlaylist(String url, java.util.function.Predicate<Playlist> ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            HttpResponse<String> r = HTTP.send(get(url), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && ready.test(new Playlist(r.body()))) {
                return new Playlist(r.body());
            }
            assertTrue(System.nanoTime() < deadline, url + ": " + r.statusCode() + " " + r.body());
            Thread.sleep(100);
        }
    }

    private static double blocked(String base) throws Exception {
        HttpResponse<String> r = HTTP.send(get(base + "/metrics"), HttpResponse.BodyHandlers.ofString());
        return new Scrape(r.body()).value("tributary_blocked_requests");
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build();
    }

    /** The child's output file, read for the assertions and for failure messages. */
    private record ProcessLog(Path file) {
        @Override
        public String toString() {
            try {
                String text = java.nio.file.Files.readString(file);
                return text.length() > 20_000 ? "..." + text.substring(text.length() - 20_000) : text;
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }
}
