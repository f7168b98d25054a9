package io.tributary.ingest;

import io.tributary.config.TributaryConfig;
import io.tributary.live.Publications;
import io.tributary.media.IngestBudget;
import io.tributary.metrics.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Accepts RTMP publishers. Each connection gets its own sans-IO session; several
 * instances share the port, one event loop each.
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
    private final IngestBudget budget;

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
        return server.shutdown(stopGraceMillis.getAsLong(), java.util.concurrent.TimeUnit.MILLISECONDS).otherwiseEmpty();
    }

    @Override
    public Future<?> start() {
        server = vertx.createNetServer(new NetServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setTcpNoDelay(true)
                .setIdleTimeout(30));
        server.connectHandler(socket -> new RtmpPublisher(CONNECTION_IDS.incrementAndGet(), socket, config.limits(budget), publications, metrics).start());
        return server.listen();
    }

    public int actualPort() {
        return server.actualPort();
    }
}
