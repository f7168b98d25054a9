package io.tributary.vod;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What happens to content, on the event bus at {@value #ADDRESS} (every node of a cluster hears
 * it): {@code uploaded}, {@code job.queued}, {@code job.started}, {@code job.progress},
 * {@code job.failed}, {@code job.done}, {@code published}, {@code updated} (metadata edited), {@code deleted}; each a JSON object with
 * {@code type}, {@code asset}, {@code time} (epoch ms) and, for jobs, {@code job}. With Kafka
 * configured, the same events go to {@code kafka.content-topic}, keyed by asset.
 */
public final class ContentEvents {

    public static final String ADDRESS = "tributary.content.events";

    private final Vertx vertx;
    private final VodKafka kafka;

    /** {@code kafka}: null without Kafka. */
    ContentEvents(Vertx vertx, VodKafka kafka) {
        this.vertx = vertx;
        this.kafka = kafka;
    }

    void publish(String type, String asset, Long job, JsonObject more) {
        JsonObject e = new JsonObject().put("type", type).put("asset", asset).put("time", System.currentTimeMillis());
        if (job != null) {
            e.put("job", job);
        }
        if (more != null) {
            e.mergeIn(more);
        }
        vertx.eventBus().publish(ADDRESS, e);
        if (kafka != null) {
            kafka.contentEvent(asset, e);
        }
    }
}
