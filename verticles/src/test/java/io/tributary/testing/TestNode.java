package io.tributary.testing;

import io.tributary.Node;
import io.tributary.config.TributaryConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Starts a real node on free loopback ports, and the HTTP plumbing tests share. */
public final class TestNode {

    /**
     * HTTP/1.1, as players on http:// speak: the JDK client's default tries an h2c upgrade, and on
     * that path a response whose body stalled after its headers hung a test far past its timeout.
     */
    public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestNode() {
    }

    /** A node with the bundled defaults, test-friendly timings, and {@code overrides} (env-style keys). */
    public static Node start(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("TRIBUTARY_HTTP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_RTMP_HOST", "127.0.0.1");
        env.put("TRIBUTARY_HTTP_INSTANCES", "2");
        env.put("TRIBUTARY_RTMP_RECONNECT_GRACE", "5s");
        env.put("TRIBUTARY_RTMP_ENDED_RETENTION", "30s");
        // the edge and router roles (on by default) on free ports of their own; not 0: a verticle set
        // scaled up deploys its extra instances apart, and with port 0 they would listen elsewhere
        env.put("TRIBUTARY_EDGE_PORT", Integer.toString(freePort()));
        env.put("TRIBUTARY_ROUTER_PORT", Integer.toString(freePort()));
        env.putAll(overrides);
        TributaryConfig config = TributaryConfig.load(null, env).withPorts(freePort(), freePort());
        try {
            return Node.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("node did not start", e);
        }
    }

    public static void stop(Node node) {
        if (node != null) {
            try {
                node.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static HttpResponse<String> get(Node node, String path) {
        return get(node, path, Map.of());
    }

    public static HttpResponse<String> get(Node node, String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20));
        headers.forEach(b::header);
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static HttpResponse<byte[]> getBytes(Node node, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20)).build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls until {@code condition} holds; fails after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }
}
