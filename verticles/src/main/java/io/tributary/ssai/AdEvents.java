package io.tributary.ssai;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.session.EventProducers;
import io.tributary.session.KafkaSettings;
import io.tributary.session.PlaybackEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ad events (break, decision, impression and quartiles, errors) where the sessions' playback events
 * go: JSON on the node's {@link PlaybackEvents#ADDRESS}, and with {@code kafka.bootstrap} set on the
 * playback topic too, keyed by session (so one session's ad events stay in order with its playback
 * events), or by stream for a break's own events, which belong to no session. Kafka never holds a
 * caller: an event it does not take is counted and dropped.
 */
final class AdEvents {

    private static final Logger LOG = Logger.getLogger(AdEvents.class.getName());
    private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

    private final Vertx vertx;
    private final KafkaSettings kafka;
    private final Counter lost;
    private volatile KafkaProducer<String, String> producer;
    private volatile boolean closed;

    AdEvents(Vertx vertx, KafkaSettings kafka, MeterRegistry registry) {
        this.vertx = vertx;
        this.kafka = kafka;
        this.lost = Counter.builder("tributary_ssai_events_kafka_failed_total").description("ad events Kafka did not take")
                .register(registry);
    }

    /** Connects to Kafka when configured; events before then go to the event bus only. */
    Future<Void> start() {
        if (!kafka.enabled()) {
            return Future.succeededFuture();
        }
        return EventProducers.start(vertx, kafka, "tributary-ssai").onSuccess(p -> {
            if (closed) {
                p.close(2000); // the node stopped while it connected
            } else {
                producer = p;
            }
        })
                .onFailure(e -> LOG.log(Level.WARNING, "ad events stay off Kafka: " + e.getMessage(), e)).mapEmpty();
    }

    void publish(String type, String sid, String stream, JsonObject fields) {
        JsonObject e = new JsonObject().put("type", type).put("sid", sid).put("stream", stream)
                .put("time", System.currentTimeMillis()).mergeIn(fields);
        vertx.eventBus().publish(PlaybackEvents.ADDRESS, e, LOCAL);
        KafkaProducer<String, String> p = producer;
        if (p != null) {
            p.send(KafkaProducerRecord.create(kafka.playbackTopic(), sid.isEmpty() ? stream : sid, e.encode())).onFailure(x -> {
                lost.increment();
                LOG.log(Level.FINE, "ad event not taken by Kafka", x);
            });
        }
    }

    Future<Void> close() {
        closed = true;
        KafkaProducer<String, String> p = producer;
        producer = null;
        return p == null ? Future.succeededFuture() : p.close(2000);
    }
}
