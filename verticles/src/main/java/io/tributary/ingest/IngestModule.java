package io.tributary.ingest;

import io.tributary.FirstInstance;
import io.tributary.ingest.srt.SrtIngestVerticle;
import io.tributary.ingest.srt.SrtSettings;
import io.tributary.live.Publications;
import io.tributary.media.IngestBudget;
import io.tributary.metrics.NodeMetrics;
import io.tributary.ops.VerticleScaler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.LongSupplier;

/**
 * Ingest of an origin, publishing into the node's live streams: RTMP (the verticle set
 * {@code ingest}) and SRT ({@code srt.instances} verticles sharing one UDP port; one on Java NIO).
 */
public final class IngestModule {

    private IngestModule() {
    }

    /**
     * Deploys {@code instances} RTMP listeners publishing through {@code publications};
     * {@code stopGraceMillis}: how long a scaled-away listener keeps its publishers. Gives the port.
     */
    public static Future<Integer> deploy(RtmpSettings config, Publications publications, NodeMetrics metrics, LongSupplier stopGraceMillis, VerticleScaler scaler,
                                         int instances) {
        return deployListeners(config, publications, metrics, stopGraceMillis, scaler, instances).map(Ports::rtmp);
    }

    /** The RTMP port, and the RTMPS one (-1 when {@code rtmps.port} is not set). */
    public record Ports(int rtmp, int rtmps) {
    }

    /** As {@link #deploy}; gives both ports. */
    public static Future<Ports> deployListeners(RtmpSettings config, Publications publications, NodeMetrics metrics,
                                                LongSupplier stopGraceMillis, VerticleScaler scaler, int instances) {
        IngestBudget budget = new IngestBudget(config.memoryBudget()); // one for the node: every connection draws on it
        metrics.ingestBudget(budget);
        FirstInstance<RtmpIngestVerticle> verticles = new FirstInstance<>(
                () -> new RtmpIngestVerticle(config, publications, metrics, stopGraceMillis, budget));
        return scaler.deploy("ingest", verticles, instances)
                .map(id -> new Ports(verticles.first().actualPort(), verticles.first().actualRtmpsPort()));
    }

    /**
     * Deploys the SRT listener publishing through {@code publications}; gives its UDP port, -1 when
     * {@code srt.enabled} is false. Not a scalable verticle set: {@code srt.instances} sockets share the port from start to stop.
     */
    public static Future<SrtIngestVerticle> deploySrt(Vertx vertx, SrtSettings config, Publications publications, NodeMetrics metrics) {
        if (!config.enabled()) {
            return Future.succeededFuture();
        }
        return SrtIngestVerticle.deploy(vertx, config, publications, metrics);
    }
}
