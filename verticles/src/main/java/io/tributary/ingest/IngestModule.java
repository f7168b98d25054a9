package io.tributary.ingest;

import io.tributary.FirstInstance;
import io.tributary.live.Publications;
import io.tributary.media.IngestBudget;
import io.tributary.metrics.NodeMetrics;
import io.tributary.ops.VerticleScaler;
import io.vertx.core.Future;

import java.util.function.LongSupplier;

/** RTMP ingest of an origin: the verticle set {@code ingest}, publishing into the node's live streams. */
public final class IngestModule {

    private IngestModule() {
    }

    /**
     * Deploys {@code instances} RTMP listeners publishing through {@code publications};
     * {@code stopGraceMillis}: how long a scaled-away listener keeps its publishers. Gives the port.
     */
    public static Future<Integer> deploy(RtmpSettings config, Publications publications, NodeMetrics metrics, LongSupplier stopGraceMillis, VerticleScaler scaler,
                                         int instances) {
        IngestBudget budget = new IngestBudget(config.memoryBudget()); // one for the node: every connection draws on it
        metrics.ingestBudget(budget);
        FirstInstance<RtmpIngestVerticle> verticles = new FirstInstance<>(
                () -> new RtmpIngestVerticle(config, publications, metrics, stopGraceMillis, budget));
        return scaler.deploy("ingest", verticles, instances).map(id -> verticles.first().actualPort());
    }
}
