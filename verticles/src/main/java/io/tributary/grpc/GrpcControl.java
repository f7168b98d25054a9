package io.tributary.grpc;

import io.tributary.auth.AuthModule;
import io.tributary.channel.ChannelModule;
import io.tributary.cluster.registry.HazelcastStreamRegistry;
import io.tributary.control.ControlPlane;
import io.tributary.dvr.DvrModule;
import io.tributary.ratelimit.RateLimiter;
import io.tributary.tls.NodeTls;
import io.tributary.vod.VodModule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The gRPC control plane ({@code src/main/proto/tributary_control.proto}): the REST API's operator,
 * stream, recording, catalog and channel commands for tools, on {@code grpc.host:grpc.port}. One
 * HTTP/2 server on one event loop: operators and their scripts, not viewers. Every call needs
 * credentials in its metadata. With {@code tls.cert} set it speaks HTTP/2 over TLS with the node's
 * certificate (h2 by ALPN), following the files on disk as the HTTPS listeners do; else cleartext h2c.
 */
public final class GrpcControl {

    private static final Logger LOG = Logger.getLogger(GrpcControl.class.getName());
    /** The largest request message taken: every request here is a handful of short fields. */
    static final int MAX_MESSAGE = 64 * 1024;
    /** Calls in flight at once on one connection. */
    static final int MAX_STREAMS = 100;
    /** Open connections; a newer one past this is closed at once (tools open one each). */
    static final int MAX_CONNECTIONS = 64;

    /** What the node runs besides streams and nodes; each null when the node runs without it (its calls: UNIMPLEMENTED). */
    public record Catalogs(DvrModule dvr, VodModule vod, ChannelModule channels) {
    }

    private GrpcControl() {
    }

    /** @param limits the API's rate limiter: a caller's calls take from its REST bucket (null: not counted) */
    public static Future<HttpServer> start(Vertx vertx, GrpcSettings settings, AuthModule auth, ControlPlane control,
                                           HazelcastStreamRegistry registry, RateLimiter limits, Catalogs catalogs) {
        GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(MAX_MESSAGE));
        GrpcCalls calls = new GrpcCalls(grpc, auth, limits);
        new StreamCalls(vertx, registry, auth, control.commands()).bind(calls);
        new NodeCalls(control).bind(calls);
        new RecordingCalls(catalogs.dvr()).bind(calls);
        new AssetCalls(catalogs.vod()).bind(calls);
        new ChannelCalls(catalogs.channels()).bind(calls);
        NodeTls tls = NodeTls.of(vertx);
        HttpServerOptions options = tls.server(new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setHttp2ClearTextEnabled(!tls.enabled()).setIdleTimeout(300));
        if (tls.enabled()) {
            options.setAlpnVersions(List.of(HttpVersion.HTTP_2)); // gRPC is HTTP/2 only
        }
        options.getInitialSettings().setMaxConcurrentStreams(MAX_STREAMS);
        AtomicInteger open = new AtomicInteger();
        HttpServer server = vertx.createHttpServer(options).connectionHandler(conn -> {
            conn.closeHandler(v -> open.decrementAndGet());
            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                conn.close();
            }
        }).requestHandler(grpc);
        // lives as long as the node, whose NodeTls stops following the files at shutdown
        tls.serving(server::updateSSLOptions, options);
        return server.listen()
                .onSuccess(s -> LOG.info("gRPC control plane on " + (tls.enabled() ? "TLS " : "") + settings.host() + ":" + s.actualPort()
                        + (auth.enabled() ? "" : " (auth.enabled is false: every call is allowed)")));
    }
}
