package io.tributary.ingest;

import io.tributary.config.TributaryConfig;
import io.tributary.live.Publications;
import io.tributary.media.IngestBudget;
import io.tributary.metrics.NodeMetrics;
import io.tributary.tls.NodeTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Accepts RTMP publishers, and RTMPS ones on {@code rtmps.port} when the node has a certificate
 * (the same sessions behind TLS). Each connection gets its own sans-IO session; several
 * instances share the ports, one event loop each.
 */
public final class RtmpIngestVerticle extends VerticleBase {

    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    private final RtmpSettings config;
    /** The publication API every publish goes through. */
    private final Publications publications;
    private final NodeMetrics metrics;
    /** How long a stopping instance lets its publishers go on (a scaled-away set keeps them streaming). */
    private final java.util.function.LongSupplier stopGraceMillis;
    private NetServer server;
    /** RTMP over TLS; null when {@code rtmps.port} is not set. */
    private NetServer secure;
    private Runnable forgetSecure = () -> { };
    private final IngestBudget budget;
    private IdleSweep idle;

    public RtmpIngestVerticle(RtmpSettings config, Publications publications, NodeMetrics metrics,
                              java.util.function.LongSupplier stopGraceMillis, IngestBudget budget) {
        this.budget = budget;
        this.config = config;
        this.publications = publications;
        this.metrics = metrics;
        this.stopGraceMillis = stopGraceMillis;
    }

    @Override
    public Future<?> stop() {
        // stop accepting; publishers connected here stream on until they leave or the grace ends
        forgetSecure.run();
        // publishers streaming on through the grace are still swept: the timer ends with this context
        Future<Void> rtmps = secure == null ? Future.succeededFuture()
                : secure.shutdown(stopGraceMillis.getAsLong(), java.util.concurrent.TimeUnit.MILLISECONDS).otherwiseEmpty();
        return Future.join(rtmps, server.shutdown(stopGraceMillis.getAsLong(), java.util.concurrent.TimeUnit.MILLISECONDS).otherwiseEmpty());
    }

    @Override
    public Future<?> start() {
        idle = new IdleSweep(vertx, config.idleTimeout());
        server = vertx.createNetServer(new NetServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setTcpNoDelay(true)
                .setIdleTimeout(0)); // RtmpPublisher times out idle peers, not publishers it holds back
        server.connectHandler(socket -> new RtmpPublisher(CONNECTION_IDS.incrementAndGet(), socket, config.limits(budget), publications, metrics, idle).start());
        NodeTls tls = NodeTls.of(vertx);
        if (!tls.enabled() || tls.settings().rtmpsPort() < 0) {
            return server.listen();
        }
        NetServerOptions options = tls.server(new NetServerOptions()
                .setHost(config.host())
                .setPort(tls.settings().rtmpsPort())
                .setTcpNoDelay(true)
                .setIdleTimeout(0)); // RtmpPublisher times out idle peers, not publishers it holds back
        secure = vertx.createNetServer(options);
        secure.connectHandler(socket -> new RtmpPublisher(CONNECTION_IDS.incrementAndGet(), socket, config.limits(budget), publications, metrics, idle).start());
        return server.listen().compose(x -> secure.listen()).onSuccess(x -> forgetSecure = tls.serving(secure::updateSSLOptions, options));
    }

    /** The RTMPS port; -1 without {@code rtmps.port}. */
    public int actualRtmpsPort() {
        return secure == null ? -1 : secure.actualPort();
    }

    public int actualPort() {
        return server.actualPort();
    }
}
