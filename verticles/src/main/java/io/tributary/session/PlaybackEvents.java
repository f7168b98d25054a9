package io.tributary.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Session start/end, rebuffer, switch and error events: published as JSON on the local event
 * bus ({@link #ADDRESS}) and, when {@code kafka.bootstrap} is set, to the playback topic keyed
 * by session id (so one session's events stay in order on one partition).
 */
public final class PlaybackEvents {

    /** Event-bus address of playback events (JSON objects with at least type, sid, stream, time). */
    public static final String ADDRESS = "tributary.playback.events";

    private static final Logger LOG = Logger.getLogger(PlaybackEvents.class.getName());
    private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

    private final Vertx vertx;
    private final KafkaSettings kafka;
    private final Counter kafkaFailed;
    private KafkaProducer<String, String> producer;

    PlaybackEvents(Vertx vertx, KafkaSettings kafka, MeterRegistry registry) {
        this.vertx = vertx;
        this.kafka = kafka;
        this.kafkaFailed = Counter.builder("tributary_playback_events_kafka_failed_total")
                .description("playback events Kafka did not take").register(registry);
    }

    Future<Void> start() {
        if (!kafka.enabled()) {
            return Future.succeededFuture();
        }
        return EventProducers.start(vertx, kafka, "tributary-playback")
                .onSuccess(p -> producer = p)
                .mapEmpty();
    }

    void publish(String type, String sid, String stream, JsonObject fields) {
        JsonObject e = new JsonObject().put("type", type).put("sid", sid).put("stream", stream)
                .put("time", System.currentTimeMillis());
        if (fields != null) {
            e.mergeIn(fields);
        }
        vertx.eventBus().publish(ADDRESS, e, LOCAL);
        KafkaProducer<String, String> p = producer;
        if (p != null) {
            p.send(KafkaProducerRecord.create(kafka.playbackTopic(), sid, e.encode())).onFailure(t -> {
                kafkaFailed.increment();
                LOG.log(Level.FINE, "playback event not sent to Kafka", t);
            });
        }
    }

    Future<Void> close() {
        KafkaProducer<String, String> p = producer;
        producer = null;
        return p == null ? Future.succeededFuture() : p.close(2000);
    }
}
