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
        env.put("TRIBUTARY_SRT_HOST", "127.0.0.1");
        env.put("TRIBUTARY_SRT_PORT", "0"); // UDP: any free port, read back from Node.srtPort()
        env.put("TRIBUTARY_HTTP_INSTANCES", "2");
        env.put("TRIBUTARY_RTMP_RECONNECT_GRACE", "5s");
        env.put("TRIBUTARY_RTMP_ENDED_RETENTION", "30s");
        // no DVR (and no embedded PostgreSQL) unless a test asks for it, with a data-dir of its own
        env.put("TRIBUTARY_DVR_ENABLED", "false");
        env.put("TRIBUTARY_VOD_ENABLED", "false");
        // tests poll the API from one address far past a person's pace: limits stay on, out of their way
        // (RateLimitTest sets its own)
        env.put("TRIBUTARY_RATELIMIT_ANONYMOUS", "1000000");
        // accounts off (no PostgreSQL) and anonymous publishing, unless a test is about them: see secured()
        env.put("TRIBUTARY_AUTH_ENABLED", "false");
        env.put("TRIBUTARY_GRPC_PORT", "0"); // the gRPC control plane on any free port (Node.grpcPort())
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "any");
        // the edge and router roles (on by default) on free ports of their own; not 0: a verticle set
        // scaled up deploys its extra instances apart, and with port 0 they would listen elsewhere
        for (int attempt = 1; ; attempt++) {
            // four distinct ports: one at a time, the OS may hand the same free port out twice
            int[] ports = freePorts(4);
            env.put("TRIBUTARY_EDGE_PORT", Integer.toString(ports[0]));
            env.put("TRIBUTARY_ROUTER_PORT", Integer.toString(ports[1]));
            env.putAll(overrides);
            TributaryConfig config = TributaryConfig.load(null, env).withPorts(ports[2], ports[3]);
            try {
                // 60 s: a node with the DVR starts an embedded PostgreSQL (initdb), slow on a loaded machine
                return Node.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // a port found free can still be taken by someone else before the node binds it: try new ones
                if (attempt < 3 && portTaken(rootCause(e))) {
                    continue;
                }
                throw new IllegalStateException("node did not start", e);
            }
        }
    }

    /** A bind that failed because the port was taken: the JDK's BindException, or the native (epoll) transport's error. */
    static boolean portTaken(Throwable t) {
        return t instanceof java.net.BindException
                || t instanceof java.io.IOException && String.valueOf(t.getMessage()).contains("Address already in use");
    }

    /** The admin every {@link #secured} node has. */
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "test-admin-password";

    /**
     * A node as shipped: accounts on (embedded PostgreSQL in a data-dir of its own), publishing
     * only with a secret, and an admin {@link #ADMIN} / {@link #ADMIN_PASSWORD}; {@code overrides} last.
     * Password hashing is cheap here (10,000 rounds): tests sign in often.
     */
    public static Node secured(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        try {
            env.put("TRIBUTARY_DATA_DIR", java.nio.file.Files.createTempDirectory("tributary-auth-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("TRIBUTARY_AUTH_ENABLED", "true");
        env.put("TRIBUTARY_RTMP_STREAM_KEYS", "");
        env.put("TRIBUTARY_AUTH_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("TRIBUTARY_AUTH_PASSWORD_ITERATIONS", "10000");
        env.putAll(overrides);
        return start(env);
    }

    /** Signs in as {@code name}: the login answer ({@code accessToken}, {@code refreshToken}, ...). */
    public static io.vertx.core.json.JsonObject login(Node node, String name, String password) {
        HttpResponse<String> r = send(node, "POST", "/api/v1/auth/login",
                new io.vertx.core.json.JsonObject().put("name", name).put("password", password).encode(), null);
        if (r.statusCode() != 200) {
            throw new AssertionError("login of " + name + " refused: " + r.statusCode() + " " + r.body());
        }
        return new io.vertx.core.json.JsonObject(r.body());
    }

    /** An access token of the node's admin. */
    public static String adminToken(Node node) {
        return login(node, ADMIN, ADMIN_PASSWORD).getString("accessToken");
    }

    /**
     * An API request as a client sends it: {@code body} (null: none) as JSON, {@code token}
     * (null: none) as {@code Authorization: Bearer}.
     */
    public static HttpResponse<String> send(Node node, String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpUrl(path))).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** {@code n} distinct free loopback ports (all held open while they are chosen). */
    public static int[] freePorts(int n) {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing a probe socket: nothing to do
                    }
                }
            }
        }
    }

    public static void stop(Node node) {
        if (node != null) {
            try {
                // each teardown step is bounded (15 s, TearDown) and logged by name when slow
                node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
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

    /** GET of an absolute URL (an edge's, a router's, a signed one): the response, or an AssertionError naming the URL. */
    public static HttpResponse<String> getUrl(String url) {
        return getUrl(url, HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #getUrl(String)} with the body as {@code body} reads it (bytes for media). */
    public static <T> HttpResponse<T> getUrl(String url, HttpResponse.BodyHandler<T> body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(), body);
        } catch (Exception e) {
            throw new AssertionError(url, e);
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
