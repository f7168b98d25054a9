package io.tributary.grpc;

import io.tributary.auth.AuthModule;
import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.tributary.control.ControlPlane;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;

import java.util.logging.Logger;

/**
 * The gRPC control plane ({@code src/main/proto/tributary_control.proto}): the REST API's operator
 * and stream commands for tools, on {@code grpc.host:grpc.port}. One HTTP/2 server on one event
 * loop: operators and their scripts, not viewers. Every call needs credentials in its metadata.
 */
public final class GrpcControl {

    private static final Logger LOG = Logger.getLogger(GrpcControl.class.getName());
    /** The largest request message taken: every request here is a handful of short fields. */
    static final int MAX_MESSAGE = 64 * 1024;
    /** Calls in flight at once on one connection. */
    static final int MAX_STREAMS = 100;
    /** Open connections; a newer one past this is closed at once (tools open one each). */
    static final int MAX_CONNECTIONS = 64;

    private GrpcControl() {
    }

    public static Future<HttpServer> start(Vertx vertx, GrpcSettings settings, AuthModule auth, ControlPlane control,
                                           HazelcastStreamRegistry registry) {
        GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(MAX_MESSAGE));
        GrpcCalls calls = new GrpcCalls(grpc, auth);
        new StreamCalls(vertx, registry, auth, control.commands()).bind(calls);
        new NodeCalls(control).bind(calls);
        HttpServerOptions options = new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setHttp2ClearTextEnabled(true).setIdleTimeout(300);
        options.getInitialSettings().setMaxConcurrentStreams(MAX_STREAMS);
        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        return vertx.createHttpServer(options).connectionHandler(conn -> {
                    conn.closeHandler(v -> open.decrementAndGet());
                    if (open.incrementAndGet() > MAX_CONNECTIONS) {
                        conn.close();
                    }
                }).requestHandler(grpc).listen()
                .onSuccess(s -> LOG.info("gRPC control plane on " + settings.host() + ":" + s.actualPort()
                        + (auth.enabled() ? "" : " (auth.enabled is false: every call is allowed)")));
    }
}
