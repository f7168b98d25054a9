package io.tributary.testing;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The player matrix page ({@code player-matrix/harness.html}) and the player bundles, served from
 * a port of their own on 127.0.0.1: the players fetch the node cross-origin, as a site embedding
 * them would. The page leaves what it measured in {@code window.matrix}.
 */
public final class PlayerHarness implements AutoCloseable {

    private final HttpServer server;

    private PlayerHarness(HttpServer server) {
        this.server = server;
    }

    public static PlayerHarness start(PlayerLibraries libs) {
        byte[] page;
        try (InputStream in = PlayerHarness.class.getResourceAsStream("/player-matrix/harness.html")) {
            page = in.readAllBytes();
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            s.createContext("/harness.html", ex -> send(ex, 200, "text/html; charset=utf-8", page));
            s.createContext("/lib/", ex -> {
                String name = ex.getRequestURI().getPath().substring("/lib/".length());
                for (PlayerLibraries.Player p : PlayerLibraries.Player.values()) {
                    if (name.equals(p.id() + ".js")) {
                        send(ex, 200, "text/javascript; charset=utf-8", Files.readAllBytes(libs.bundle(p)));
                        return;
                    }
                }
                send(ex, 404, "text/plain", "no such player".getBytes(StandardCharsets.UTF_8));
            });
            s.start();
            return new PlayerHarness(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(com.sun.net.httpserver.HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** The page playing {@code manifestUrl} with {@code player}. */
    public String url(PlayerLibraries.Player player, String manifestUrl) {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        return base + "/harness.html?player=" + player.id() + "&lib=" + base + "/lib/" + player.id() + ".js&src="
                + URLEncoder.encode(manifestUrl, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** What the page measured, read from {@code window.matrix}. */
    public record Result(String player, String version, double firstPlayingMs, List<Double> latency, List<Double> wallLatency,
                         double targetLatency, int stalls, double stallMs, int seeksAfterStart, int gapsJumped,
                         String fatal, List<String> errors, int droppedFrames, int decodedFrames, int height,
                         double currentTime, String workaround) {

        public static Result of(JsonObject m, double currentTime) {
            return new Result(m.getString("player"), m.getString("version"), num(m, "firstPlayingMs"),
                    doubles(m.getJsonArray("latency")), doubles(m.getJsonArray("wallLatency")), num(m, "targetLatency"),
                    m.getInteger("stalls", 0), num(m, "stallMs"), m.getInteger("seeksAfterStart", 0),
                    m.getInteger("gapsJumped", 0), m.getString("fatal"),
                    m.getJsonArray("errors").stream().map(String::valueOf).toList(),
                    m.getInteger("droppedFrames", 0), m.getInteger("decodedFrames", 0), m.getInteger("height", 0), currentTime,
                    m.getString("workaround"));
        }

        private static double num(JsonObject m, String key) {
            Object v = m.getValue(key);
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }

        private static List<Double> doubles(JsonArray a) {
            List<Double> out = new ArrayList<>();
            for (Object o : a) {
                out.add(((Number) o).doubleValue());
            }
            return out;
        }

        public double median() {
            return percentile(latency, 0.5);
        }

        /** Median of the second half of the samples: the latency a player holds once it has caught up. */
        public double heldMedian() {
            return percentile(latency.subList(latency.size() / 2, latency.size()), 0.5);
        }

        public double p90() {
            return percentile(latency, 0.9);
        }

        public static double percentile(List<Double> values, double q) {
            if (values.isEmpty()) {
                return Double.NaN;
            }
            List<Double> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
        }

        public String summary() {
            return String.format(java.util.Locale.ROOT,
                    "%s %s: startup %.0f ms, latency median %.2f s (held %.2f s) p90 %.2f s (wall median %.2f s, target %.2f s, %d samples), "
                            + "stalls %d (%.0f ms), seeks %d, gaps jumped %d, dropped %d/%d frames, %dp, fatal %s, errors %s%s",
                    player, version, firstPlayingMs, median(), heldMedian(), p90(), percentile(wallLatency, 0.5), targetLatency,
                    latency.size(), stalls, stallMs, seeksAfterStart, gapsJumped, droppedFrames, decodedFrames, height, fatal,
                    errors.size() > 8 ? errors.subList(0, 8) + "..." : errors,
                    workaround == null ? "" : ", player setting " + workaround);
        }
    }
}
